/**
 * Subscription versions: the history of a Stripe subscription's MRR inputs (status, items with price and
 * quantity, discounts). Stripe's subscription object only shows the CURRENT items, and its list endpoints have
 * no history; the connector sees every change as a `customer.subscription.updated` event (incremental sync or
 * webhook) whose `data.object` is the subscription at the event's `created` ("Event object",
 * docs.stripe.com/api/events/object). So each time the connector writes subscriptions, we store a version of each
 * one whose state changed, effective at that version time (the event's `created`, or the full sync's start
 * event). The first version of a subscription also stands for its items before it (nothing older is known).
 */
import { createHash } from "node:crypto";
import type { Db, Tx } from "@/lib/db";
import { chunks } from "@/lib/db/chunks";

/** The canonical JSON of a stored subscription's MRR inputs (items sorted by Stripe item id). */
export type VersionStateRow = {
  status: string;
  currency: string;
  items: {
    id: string; priceId: string | null; productId: string | null; productName: string | null; unitAmountCents: number | null;
    quantity: number; interval: string | null; intervalCount: number; usageType: string; currency: string;
  }[];
  discounts: unknown;
};

/** Hash of the state that matters for MRR (product names excluded: a rename is no MRR change). */
export function stateHash(s: VersionStateRow): string {
  const canon = {
    status: s.status, currency: s.currency,
    items: s.items.map((i) => [i.id, i.priceId, i.unitAmountCents, i.quantity, i.interval, i.intervalCount, i.usageType, i.currency]),
    discounts: Array.isArray(s.discounts) ? s.discounts.map((d) => { const x = d as Record<string, unknown>; return [x.coupon ?? null, x.percentOff ?? null, x.amountOffCents ?? null, x.duration ?? null, x.currency ?? null]; }) : [],
  };
  return createHash("sha256").update(JSON.stringify(canon)).digest("hex").slice(0, 32);
}

type StoredSub = {
  id: string; status: string; currency: string; discounts: unknown;
  items: { externalId: string; priceId: string | null; productId: string | null; productName: string | null; unitAmountCents: number | null; quantity: number; interval: string | null; intervalCount: number; usageType: string; currency: string }[];
};

export function versionStateOf(s: StoredSub): VersionStateRow {
  return {
    status: s.status, currency: s.currency, discounts: s.discounts ?? [],
    items: [...s.items].sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0)).map((i) => ({
      id: i.externalId, priceId: i.priceId, productId: i.productId, productName: i.productName, unitAmountCents: i.unitAmountCents,
      quantity: i.quantity, interval: i.interval, intervalCount: i.intervalCount, usageType: i.usageType, currency: i.currency,
    })),
  };
}

/**
 * Record a version for each of the given subscriptions whose stored state differs from its latest version
 * (or that has none). Call it in the transaction that wrote them (lib/connectors/stripe/write.ts).
 * @param at the version time of the write (Stripe event `created`); null = unknown (first version: undated, else
 *   now). A version is never dated before
 *   the subscription's latest version (out-of-order writes do not reorder history).
 * @returns the number of versions written.
 */
export async function recordSubscriptionVersions(
  tx: Tx | Db,
  opts: { organizationId: string; subscriptionIds: readonly string[]; at: Date | null },
): Promise<number> {
  let written = 0;
  for (const ids of chunks([...opts.subscriptionIds], 500)) {
    const [subs, versions] = await Promise.all([
      tx.subscription.findMany({
        where: { id: { in: ids }, organizationId: opts.organizationId },
        select: { id: true, status: true, currency: true, discounts: true, items: true },
      }),
      tx.subscriptionVersion.findMany({
        // Observed versions only: versions reconstructed from invoices (lib/revenue/invoice-history.ts) describe the past.
        where: { subscriptionId: { in: ids }, organizationId: opts.organizationId, source: null },
        select: { subscriptionId: true, effectiveAt: true, stateHash: true, observedAt: true },
      }),
    ]);
    const latest = new Map<string, { effectiveAt: Date | null; stateHash: string; observedAt: Date }>();
    for (const v of versions) {
      const cur = latest.get(v.subscriptionId);
      const key = (x: { effectiveAt: Date | null; observedAt: Date }) => [x.effectiveAt?.getTime() ?? -Infinity, x.observedAt.getTime()];
      if (!cur) latest.set(v.subscriptionId, v);
      else {
        const [a1, a2] = key(v);
        const [b1, b2] = key(cur);
        if (a1! > b1! || (a1 === b1 && a2! >= b2!)) latest.set(v.subscriptionId, v);
      }
    }
    const rows = [];
    for (const s of subs) {
      const state = versionStateOf(s as StoredSub);
      const hash = stateHash(state);
      const prev = latest.get(s.id);
      if (prev && prev.stateHash === hash) continue;
      const prevAt = prev?.effectiveAt?.getTime() ?? -Infinity;
      // No version time (a full sync of an account without events): the first version stays undated (its status
      // then counts from when it was observed), a later one is dated now.
      const effectiveAt = opts.at || prev ? new Date(Math.max((opts.at ?? new Date()).getTime(), prevAt)) : null;
      rows.push({
        organizationId: opts.organizationId, subscriptionId: s.id, effectiveAt, status: state.status, currency: state.currency,
        items: state.items, discounts: (state.discounts ?? []) as object, stateHash: hash,
      });
    }
    if (rows.length) {
      await tx.subscriptionVersion.createMany({ data: rows });
      written += rows.length;
    }
  }
  return written;
}
