/**
 * Minor units per currency and money formatting for revenue figures (pure; safe in client components).
 * Zero-decimal (jpy, krw, …) and three-decimal (bhd, jod, kwd, omr, tnd) currencies per
 * docs.stripe.com/currencies; every other currency has 2 decimals.
 */
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

/** Number of decimals of a currency's minor unit (0, 2 or 3). */
export function currencyExponent(currency: string): number {
  const c = currency.toLowerCase();
  return ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
}

/** Minor units → major units (1234 usd → 12.34; 1234 jpy → 1234). */
export function toMajor(minor: number, currency: string): number {
  return minor / 10 ** currencyExponent(currency);
}

/** 123456 minor units of `currency` → "$1,234.56" ("¥123,456" for jpy); `compact` drops decimals / abbreviates. */
export function formatMinor(minor: number | null | undefined, currency: string, opts: { compact?: boolean } = {}): string {
  if (minor === null || minor === undefined) return "—";
  const major = toMajor(minor, currency);
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency", currency: currency.toUpperCase(),
      maximumFractionDigits: opts.compact ? 0 : currencyExponent(currency), minimumFractionDigits: opts.compact ? 0 : currencyExponent(currency),
      notation: opts.compact && Math.abs(major) >= 100_000 ? "compact" : "standard",
    }).format(major);
  } catch {
    return `${major.toFixed(opts.compact ? 0 : currencyExponent(currency))} ${currency.toUpperCase()}`;
  }
}
