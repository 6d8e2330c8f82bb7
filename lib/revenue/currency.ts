/**
 * Currencies and exchange rates for revenue analytics. Amounts are never added across currencies: a figure is
 * either per currency, or converted to the organization's reporting currency with a rate of the day.
 *
 * Minor units: Stripe amounts are in the currency's smallest unit; zero-decimal currencies (jpy, krw, …) have no
 * sub-unit and three-decimal ones (bhd, jod, kwd, omr, tnd) have 1/1000 (docs.stripe.com/currencies,
 * "Zero-decimal currencies" / "Three-decimal currencies"), so a conversion from minor units scales by
 * 10^(exponent(to) − exponent(from)) besides the rate.
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { currencyExponent } from "./format";

export { currencyExponent } from "./format";

/** Convert minor units of `from` to minor units of `to` with `rate` (major `to` per major `from`), half away from zero. */
export function convertMinor(cents: number, from: string, to: string, rate: number): number {
  if (from === to) return cents;
  const v = cents * rate * 10 ** (currencyExponent(to) - currencyExponent(from));
  return Math.sign(v) * Math.round(Math.abs(v));
}

export type RateRow = { day: Date; currency: string; quoteCurrency: string; rate: number };

/**
 * A lookup of the rate of a day: the rate of the latest day ≤ the asked day; before the first known rate, the
 * first known rate. null when the pair has no rate at all.
 */
export function rateLookup(rows: readonly RateRow[], quote: string): (currency: string, dayMs: number) => number | null {
  const byCur = new Map<string, { day: number; rate: number }[]>();
  for (const r of rows) {
    if (r.quoteCurrency !== quote) continue;
    const list = byCur.get(r.currency) ?? [];
    list.push({ day: r.day.getTime(), rate: r.rate });
    byCur.set(r.currency, list);
  }
  for (const l of byCur.values()) l.sort((a, b) => a.day - b.day);
  return (currency, dayMs) => {
    if (currency === quote) return 1;
    const l = byCur.get(currency);
    if (!l?.length) return null;
    let lo = 0;
    let hi = l.length - 1;
    if (dayMs < l[0]!.day) return l[0]!.rate;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (l[mid]!.day <= dayMs) lo = mid;
      else hi = mid - 1;
    }
    return l[lo]!.rate;
  };
}

export const ZCurrency = z.string().trim().toLowerCase().regex(/^[a-z]{3}$/, "a 3-letter ISO-4217 code");
export const ZRateInput = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD"),
  currency: ZCurrency,
  quote_currency: ZCurrency.optional().describe("default: the organization's reporting currency"),
  rate: z.number().positive().finite(),
}).strict();
export type RateInput = z.infer<typeof ZRateInput>;

/**
 * Parse a rates CSV: a header line with `day,currency,rate` (+ optional `quote_currency`), any column order,
 * then one rate per line. Bad lines are reported by line number, never half-imported.
 * @throws AppError validation_failed naming the first bad lines.
 */
export function parseRatesCsv(csv: string): RateInput[] {
  const lines = csv.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  if (!lines.length) throw new AppError("validation_failed", "the CSV is empty: expected a header day,currency,rate", { fields: { csv: "empty" } });
  const header = lines[0]!.split(",").map((h) => h.trim().toLowerCase());
  const col = (n: string) => header.indexOf(n);
  if (col("day") < 0 || col("currency") < 0 || col("rate") < 0)
    throw new AppError("validation_failed", "the CSV header must name the columns day, currency and rate (quote_currency optional)", { fields: { csv: "header" } });
  const out: RateInput[] = [];
  const errors: string[] = [];
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(",").map((c) => c.trim());
    const q = col("quote_currency") >= 0 ? cells[col("quote_currency")] : undefined;
    const r = ZRateInput.safeParse({
      day: cells[col("day")], currency: cells[col("currency")], rate: Number(cells[col("rate")]),
      ...(q ? { quote_currency: q } : {}),
    });
    if (r.success) out.push(r.data);
    else errors.push(`line ${i + 2}: ${r.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
  });
  if (errors.length) throw new AppError("validation_failed", `invalid rates CSV — ${errors.slice(0, 5).join(" | ")}${errors.length > 5 ? ` (+${errors.length - 5} more)` : ""}`, { fields: { csv: errors[0]! } });
  return out;
}

/** The organization's reporting currency, or null (figures per currency). */
export async function getReportingCurrency(db: Db, organizationId: string): Promise<string | null> {
  const s = await db.revenueSettings.findUnique({ where: { organizationId }, select: { reportingCurrency: true } });
  return s?.reportingCurrency ?? null;
}

/** Set (or clear with null) the reporting currency; the movements are re-converted on the next read. */
export async function setReportingCurrency(db: Db, organizationId: string, currency: string | null): Promise<void> {
  await db.revenueSettings.upsert({
    where: { organizationId },
    create: { organizationId, reportingCurrency: currency, builtStamp: null },
    update: { reportingCurrency: currency, builtStamp: null },
  });
}

/**
 * Store rates (upsert on organization + pair + day). `quote_currency` defaults to the reporting currency.
 * @throws AppError validation_failed when a rate has no quote currency and none is set.
 * @returns the number of rates stored.
 */
export async function upsertRates(db: Db, organizationId: string, rates: readonly RateInput[], source: "csv" | "api"): Promise<number> {
  const reporting = await getReportingCurrency(db, organizationId);
  const rows = rates.map((r) => {
    const quote = r.quote_currency ?? reporting;
    if (!quote) throw new AppError("validation_failed", "set a reporting currency first, or give quote_currency with each rate", { fields: { quote_currency: "required" } });
    return { organizationId, day: new Date(`${r.day}T00:00:00.000Z`), currency: r.currency, quoteCurrency: quote, rate: r.rate, source };
  });
  await db.$transaction(async (tx) => {
    for (const r of rows) {
      await tx.exchangeRate.upsert({
        where: { organizationId_currency_quoteCurrency_day: { organizationId, currency: r.currency, quoteCurrency: r.quoteCurrency, day: r.day } },
        create: r, update: { rate: r.rate, source },
      });
    }
    await tx.revenueSettings.upsert({ where: { organizationId }, create: { organizationId, builtStamp: null }, update: { builtStamp: null } });
  });
  return rows.length;
}

/**
 * A converter of current amounts to the reporting currency with the LATEST rate of each currency (dashboard totals,
 * accounts sort). null when no reporting currency is set. `convert` returns null for a currency without a rate.
 */
export async function latestRateConverter(db: Db, organizationId: string): Promise<{ currency: string; convert: (cents: number, from: string) => number | null } | null> {
  const reporting = await getReportingCurrency(db, organizationId);
  if (!reporting) return null;
  const latest = await db.exchangeRate.groupBy({ by: ["currency"], where: { organizationId, quoteCurrency: reporting }, _max: { day: true } });
  const rows = latest.length
    ? await db.exchangeRate.findMany({ where: { organizationId, quoteCurrency: reporting, OR: latest.map((l) => ({ currency: l.currency, day: l._max.day! })) } })
    : [];
  const rate = new Map(rows.map((r) => [r.currency, r.rate]));
  return {
    currency: reporting,
    convert: (cents, from) => {
      const c = from.toLowerCase();
      if (c === reporting) return cents;
      const r = rate.get(c);
      return r === undefined ? null : convertMinor(cents, c, reporting, r);
    },
  };
}
