/**
 * History older than the first sync, from invoices (issue 17): a subscription's versions (lib/revenue/
 * subscription-versions.ts) start when the connector first saw it, so an upgrade before the first sync would be
 * invisible. Stripe keeps every invoice, and each subscription invoice line says what was billed for which period:
 * `parent.subscription_item_details` {subscription, subscription_item, proration}, `pricing.price_details.price`,
 * `pricing.unit_amount_decimal`, `quantity`, `period` {start, end} (API 2025-03-31.basil and later —
 * docs.stripe.com/api/invoice-line-item/object; stripe 23.1.0 types `InvoiceLineItem.Parent.SubscriptionItemDetails`,
 * `InvoiceLineItem.Pricing`); before basil the same facts were `subscription`, `subscription_item`, `proration` and
 * `price` on the line (docs.stripe.com/changelog/basil/2025-03-31/invoice-line-item-parent — accepted too).
 *
 * From each subscription's invoices we store RECONSTRUCTED versions (SubscriptionVersion.source = "invoice"), only
 * for the time BEFORE its first observed version:
 * - a non-proration invoice: the state billed for its period = its subscription lines (item, price, unit amount,
 *   quantity), effective at the period start;
 * - the positive proration lines of an invoice ("Remaining time on …" after a mid-period change): the state from the
 *   proration period's start = those lines' items, plus the invoice's other items they do not replace.
 * The billing interval is the price's (from the organization's stored items with that price), else the line period's
 * length (≈7 days: week; n × ≈30.4 days: n months, 12·n: n years). Void and draft invoices are skipped.
 * Idempotent: one reconstructed version per (subscription, effective instant); observed versions always win
 * (lib/revenue/build-movements.ts uses a reconstructed version only before the first observed one).
 */
import { createHash } from "node:crypto";
import type { Db, Tx } from "@/lib/db";
import { chunks } from "@/lib/db/chunks";

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : null);
const idOf = (v: unknown): string | null => (typeof v === "string" ? v : typeof obj(v)?.id === "string" ? (obj(v)!.id as string) : null);

/** One subscription line of an invoice, in the facts the reconstruction needs. */
export type BilledLine = {
  subscription: string;
  item: string;
  priceId: string | null;
  productId: string | null;
  unitAmountCents: number | null;
  quantity: number;
  proration: boolean;
  amount: number;
  periodStartMs: number;
  periodEndMs: number;
  currency: string;
};

/** The subscription lines of a raw Stripe invoice (basil+ `parent.subscription_item_details`, or pre-basil fields). */
export function billedLines(invoice: unknown): BilledLine[] {
  const inv = obj(invoice);
  if (!inv || inv.status === "void" || inv.status === "draft") return [];
  const lines = obj(inv.lines)?.data;
  if (!Array.isArray(lines)) return [];
  const out: BilledLine[] = [];
  for (const l of lines) {
    const line = obj(l);
    if (!line) continue;
    const sid = obj(obj(line.parent)?.subscription_item_details);
    const subscription = sid ? idOf(sid.subscription) : idOf(line.subscription);
    const item = sid ? idOf(sid.subscription_item) : idOf(line.subscription_item);
    if (!subscription || !item) continue;
    const pricing = obj(line.pricing);
    const priceDetails = obj(pricing?.price_details);
    const price = priceDetails ? priceDetails.price : line.price;
    const unitDecimal = pricing?.unit_amount_decimal ?? obj(line.price)?.unit_amount_decimal ?? obj(line.price)?.unit_amount;
    const unit = unitDecimal === null || unitDecimal === undefined ? null : Math.round(Number(unitDecimal));
    const period = obj(line.period);
    if (typeof period?.start !== "number" || typeof period?.end !== "number") continue;
    out.push({
      subscription, item, priceId: idOf(price), productId: idOf(priceDetails?.product ?? obj(line.price)?.product ?? null),
      unitAmountCents: Number.isFinite(unit) ? unit : null, quantity: typeof line.quantity === "number" ? line.quantity : 1,
      proration: Boolean(sid ? sid.proration : line.proration), amount: typeof line.amount === "number" ? line.amount : 0,
      periodStartMs: period.start * 1000, periodEndMs: period.end * 1000, currency: String(line.currency ?? inv.currency ?? "").toLowerCase(),
    });
  }
  return out;
}

/** Billing interval from a line period's length (when the price is not known). */
export function intervalOfPeriod(startMs: number, endMs: number): { interval: string; intervalCount: number } {
  const days = (endMs - startMs) / 86_400_000;
  if (days <= 8) return { interval: days <= 1.5 ? "day" : "week", intervalCount: 1 };
  const months = Math.max(1, Math.round(days / 30.44));
  return months % 12 === 0 ? { interval: "year", intervalCount: months / 12 } : { interval: "month", intervalCount: months };
}

type ItemState = { id: string; priceId: string | null; productId: string | null; productName: string | null; unitAmountCents: number | null; quantity: number; interval: string | null; intervalCount: number; usageType: string; currency: string };

/**
 * Store reconstructed versions from a page of raw Stripe invoices (called by the Stripe connector after it wrote
 * them, in the same transaction). Subscriptions not stored yet are skipped (the connector syncs subscriptions first).
 * @returns versions written.
 */
export async function recordInvoiceHistory(tx: Tx | Db, opts: { organizationId: string; connectionId: string; invoices: readonly unknown[] }): Promise<number> {
  type Group = { invoice: string; lines: BilledLine[] };
  const bySub = new Map<string, Group[]>();
  for (const inv of opts.invoices) {
    const lines = billedLines(inv);
    const id = idOf(inv) ?? "";
    for (const l of lines) {
      const groups = bySub.get(l.subscription) ?? [];
      let g = groups.find((x) => x.invoice === id);
      if (!g) groups.push((g = { invoice: id, lines: [] }));
      g.lines.push(l);
      bySub.set(l.subscription, groups);
    }
  }
  if (!bySub.size) return 0;
  let written = 0;
  for (const ext of chunks([...bySub.keys()], 300)) {
    const subs = await tx.subscription.findMany({
      where: { organizationId: opts.organizationId, connectionId: opts.connectionId, externalId: { in: ext } },
      select: { id: true, externalId: true, currency: true, startDate: true, sourceCreatedAt: true },
    });
    if (!subs.length) continue;
    const versions = await tx.subscriptionVersion.findMany({
      where: { organizationId: opts.organizationId, subscriptionId: { in: subs.map((s) => s.id) } },
      select: { subscriptionId: true, effectiveAt: true, observedAt: true, source: true },
    });
    const firstObserved = new Map<string, number>();
    const existing = new Set<string>();
    for (const v of versions) {
      const t = (v.effectiveAt ?? v.observedAt).getTime();
      if (v.source === "invoice") existing.add(`${v.subscriptionId}|${t}`);
      else firstObserved.set(v.subscriptionId, Math.min(firstObserved.get(v.subscriptionId) ?? Infinity, t));
    }
    const priceIds = [...new Set([...bySub.values()].flat().flatMap((g) => g.lines.map((l) => l.priceId)).filter((p): p is string => !!p))];
    const known = new Map<string, { interval: string | null; intervalCount: number; usageType: string; productName: string | null }>();
    for (const part of chunks(priceIds, 500)) {
      const rows = await tx.subscriptionItem.findMany({
        where: { priceId: { in: part }, subscription: { organizationId: opts.organizationId } },
        select: { priceId: true, interval: true, intervalCount: true, usageType: true, productName: true }, distinct: ["priceId"],
      });
      for (const r of rows) known.set(r.priceId!, { interval: r.interval, intervalCount: r.intervalCount, usageType: r.usageType, productName: r.productName });
    }
    const toItem = (l: BilledLine): ItemState => {
      const k = l.priceId ? known.get(l.priceId) : undefined;
      const iv = k?.interval ? { interval: k.interval, intervalCount: k.intervalCount } : intervalOfPeriod(l.periodStartMs, l.periodEndMs);
      return { id: l.item, priceId: l.priceId, productId: l.productId, productName: k?.productName ?? null, unitAmountCents: l.unitAmountCents, quantity: l.quantity, ...iv, usageType: k?.usageType ?? "licensed", currency: l.currency };
    };
    const rows = [];
    for (const s of subs) {
      const limit = firstObserved.get(s.id) ?? Infinity;
      const states: { at: number; items: ItemState[] }[] = [];
      for (const g of bySub.get(s.externalId) ?? []) {
        const regular = g.lines.filter((l) => !l.proration);
        if (regular.length) states.push({ at: Math.min(...regular.map((l) => l.periodStartMs)), items: regular.map(toItem) });
        const up = g.lines.filter((l) => l.proration && l.amount > 0);
        if (up.length) {
          const replaced = new Set(up.map((l) => l.item));
          states.push({ at: Math.min(...up.map((l) => l.periodStartMs)), items: [...up.map(toItem), ...regular.filter((l) => !replaced.has(l.item)).map(toItem)] });
        }
      }
      const start = (s.startDate ?? s.sourceCreatedAt)?.getTime() ?? -Infinity;
      for (const st of states) {
        if (st.at >= limit || st.at < start || existing.has(`${s.id}|${st.at}`)) continue;
        existing.add(`${s.id}|${st.at}`);
        const items = [...new Map(st.items.map((i) => [i.id, i])).values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const stateHash = "invoice:" + createHash("sha256").update(JSON.stringify(items)).digest("hex").slice(0, 24);
        rows.push({
          organizationId: opts.organizationId, subscriptionId: s.id, effectiveAt: new Date(st.at), observedAt: new Date(), status: "active",
          currency: s.currency, items: items as object, discounts: [] as object, stateHash, source: "invoice",
        });
      }
    }
    if (rows.length) {
      await tx.subscriptionVersion.createMany({ data: rows });
      written += rows.length;
    }
  }
  return written;
}
