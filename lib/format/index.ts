/** Display formatting shared by pages and components (pure; no I/O). Money is minor units in, text out. */

/** 123456 cents, "usd" → "$1,234.56" (no decimals when `compact`: "$1,235"). */
export function formatMoney(cents: number | null | undefined, currency: string | null | undefined = "usd", opts: { compact?: boolean } = {}): string {
  if (cents === null || cents === undefined) return "—";
  const cur = (currency ?? "usd").toUpperCase();
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency", currency: cur,
      maximumFractionDigits: opts.compact ? 0 : 2, minimumFractionDigits: opts.compact ? 0 : 2,
      notation: opts.compact && Math.abs(cents) >= 10_000_000 ? "compact" : "standard",
    }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${cur}`;
  }
}

export function formatPercent(p: number | null | undefined, digits = 0): string {
  return p === null || p === undefined ? "—" : `${(p * 100).toFixed(digits)}%`;
}

export function formatScore(s: number | null | undefined): string {
  return s === null || s === undefined ? "—" : Math.round(s).toString();
}

export function formatDate(d: Date | string | null | undefined): string {
  if (!d) return "—";
  const date = typeof d === "string" ? new Date(d) : d;
  return date.toISOString().slice(0, 10);
}

/** "12 min ago", "3 h ago", "2 days ago", "never". */
export function timeAgo(d: Date | string | null | undefined, now = Date.now()): string {
  if (!d) return "never";
  const ms = now - (typeof d === "string" ? new Date(d) : d).getTime();
  const min = Math.round(ms / 60_000);
  if (min < 1) return "just now";
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

export const RISK_LABELS = { healthy: "Healthy", at_risk: "At risk", critical: "Critical" } as const;
export type RiskLevelName = keyof typeof RISK_LABELS;
export const RISK_COLORS: Record<RiskLevelName, string> = { healthy: "#16a34a", at_risk: "#d97706", critical: "#dc2626" };
