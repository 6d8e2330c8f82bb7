/**
 * In-memory record store of the Stripe sandbox.
 *
 * One {@link Collection} per resource, each with three indexes:
 * - by id (Map),
 * - the whole collection sorted newest first (`created` desc, then `id` desc: Stripe's list order),
 * - per customer, the same order (for `?customer=` filters on subscriptions, invoices, charges).
 * Paging is by binary search on (created, id), so `starting_after`, `ending_before` and `created[…]`
 * cost O(log n) to position plus the page scan; nothing is copied per request. Records are kept
 * as loaded (no defaults filled in: render.ts does that when serving) to keep memory low —
 * 20,000 customers with 100,000 invoices and charges fit in a few hundred MB.
 *
 * Subscription items that embed a full price object are stored with the price id instead when
 * the price is known (the renderer re-embeds it), so 100,000 items share one price object.
 */
import type { StripePortfolio } from "./portfolio";

/** A stored Stripe record: any JSON object with an id and an epoch-seconds `created`. */
export type Rec = Record<string, unknown> & { id: string; created: number };

/** The resources the sandbox stores (list names as in the API paths). */
export const RESOURCES = ["customers", "subscriptions", "invoices", "charges", "products", "prices", "payment_methods", "events"] as const;
export type Resource = (typeof RESOURCES)[number];

/** Singular `object` value of each resource. */
export const OBJECT_NAME: Record<Resource, string> = {
  customers: "customer",
  subscriptions: "subscription",
  invoices: "invoice",
  charges: "charge",
  products: "product",
  prices: "price",
  payment_methods: "payment_method",
  events: "event",
};

/** Newest first: created desc, then id desc. Negative when a comes first. */
export function compareRecs(a: { created: number; id: string }, b: { created: number; id: string }): number {
  if (a.created !== b.created) return b.created - a.created;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** First index whose record does not come before `key` (compareRecs(arr[i], key) >= 0). */
function lowerBound(arr: Rec[], key: { created: number; id: string }): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareRecs(arr[mid], key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose `created` is <= maxCreated (array is created-desc). */
function firstAtOrBelow(arr: Rec[], maxCreated: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid].created > maxCreated) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inclusive created bounds in epoch seconds (from `created`, `created[gte|gt|lte|lt]`). */
export type CreatedRange = { min: number; max: number };

/** One page request against a sorted index. */
export type PageQuery = {
  range?: CreatedRange;
  startingAfter?: Rec;
  endingBefore?: Rec;
  limit: number;
  filter?: (r: Rec) => boolean;
};

/** Reads one page (newest first) from a created-desc sorted array. */
export function pageOf(arr: Rec[], q: PageQuery): { data: Rec[]; hasMore: boolean } {
  let start = 0;
  let end = arr.length;
  if (q.range) {
    start = firstAtOrBelow(arr, q.range.max);
    end = firstAtOrBelow(arr, q.range.min - 1);
  }
  const ok = q.filter ?? (() => true);
  const out: Rec[] = [];
  if (q.endingBefore) {
    end = Math.min(end, lowerBound(arr, q.endingBefore));
    for (let i = end - 1; i >= start && out.length <= q.limit; i--) if (ok(arr[i])) out.push(arr[i]);
    const hasMore = out.length > q.limit;
    return { data: out.slice(0, q.limit).reverse(), hasMore };
  }
  if (q.startingAfter) {
    let s = lowerBound(arr, q.startingAfter);
    if (s < arr.length && arr[s].id === q.startingAfter.id) s++;
    start = Math.max(start, s);
  }
  for (let i = start; i < end && out.length <= q.limit; i++) if (ok(arr[i])) out.push(arr[i]);
  const hasMore = out.length > q.limit;
  return { data: out.slice(0, q.limit), hasMore };
}

function insertSorted(arr: Rec[], rec: Rec): void {
  arr.splice(lowerBound(arr, rec), 0, rec);
}

function removeSorted(arr: Rec[], rec: Rec): void {
  const i = lowerBound(arr, rec);
  if (i < arr.length && arr[i].id === rec.id) arr.splice(i, 1);
}

/** One resource's records with their indexes. */
export class Collection {
  readonly byId = new Map<string, Rec>();
  /** Live records (no tombstones), newest first. */
  sorted: Rec[] = [];
  /** Per-customer live records, newest first (only for resources with a `customer` field). */
  readonly byCustomer = new Map<string, Rec[]>();

  constructor(readonly resource: Resource) {}

  /** Bulk load (sorts once). */
  load(recs: Rec[]): void {
    for (const r of recs) this.byId.set(r.id, r);
    this.sorted = [...recs].sort(compareRecs);
    for (const r of this.sorted) {
      const c = customerOf(r);
      if (c) {
        let list = this.byCustomer.get(c);
        if (!list) this.byCustomer.set(c, (list = []));
        list.push(r);
      }
    }
  }

  get(id: string): Rec | undefined {
    return this.byId.get(id);
  }

  /** Adds a new record or replaces the stored one with the same id (created may not change). */
  put(rec: Rec): void {
    const old = this.byId.get(rec.id);
    if (old && !old.deleted) this.unindex(old);
    this.byId.set(rec.id, rec);
    if (rec.deleted) return;
    insertSorted(this.sorted, rec);
    const c = customerOf(rec);
    if (c) {
      let list = this.byCustomer.get(c);
      if (!list) this.byCustomer.set(c, (list = []));
      insertSorted(list, rec);
    }
  }

  private unindex(rec: Rec): void {
    removeSorted(this.sorted, rec);
    const c = customerOf(rec);
    if (c) {
      const list = this.byCustomer.get(c);
      if (list) removeSorted(list, rec);
    }
  }

  /** Drops live records older than `minCreated` (event retention). Returns how many were dropped. */
  pruneOlderThan(minCreated: number): number {
    const keep = firstAtOrBelow(this.sorted, minCreated - 1);
    const dropped = this.sorted.splice(keep);
    for (const r of dropped) this.byId.delete(r.id);
    return dropped.length;
  }

  get size(): number {
    return this.sorted.length;
  }
}

function customerOf(r: Rec): string | null {
  const c = r.customer;
  return typeof c === "string" ? c : null;
}

/** All collections plus a global id → resource map (for `expand[]`). */
export class StripeStore {
  readonly collections: Record<Resource, Collection>;

  constructor(portfolio: StripePortfolio) {
    this.collections = Object.fromEntries(RESOURCES.map((r) => [r, new Collection(r)])) as Record<Resource, Collection>;
    const priceIds = new Set(portfolio.prices.map((p) => p.id));
    const extraPrices: Rec[] = [];
    const subs = portfolio.subscriptions.map((s) => {
      // Share price objects: keep the id on the item, the renderer embeds the price again.
      const data = s.items.data.map((it) => {
        if (typeof it.price === "string") return it;
        if (!priceIds.has(it.price.id)) {
          priceIds.add(it.price.id);
          extraPrices.push(it.price as Rec);
        }
        return { ...it, price: it.price.id };
      });
      return { ...s, items: { ...s.items, data } } as Rec;
    });
    this.collections.products.load(portfolio.products as Rec[]);
    this.collections.prices.load([...(portfolio.prices as Rec[]), ...extraPrices]);
    this.collections.customers.load(portfolio.customers as Rec[]);
    this.collections.subscriptions.load(subs);
    this.collections.invoices.load(portfolio.invoices as Rec[]);
    this.collections.charges.load(portfolio.charges as Rec[]);
    this.collections.payment_methods.load((portfolio.payment_methods ?? []) as Rec[]);
    this.collections.events.load((portfolio.events ?? []) as Rec[]);
  }

  /** Finds any stored record by id (customers may be tombstones `{id, object, deleted: true}`). */
  find(id: string): { resource: Resource; rec: Rec } | undefined {
    for (const resource of RESOURCES) {
      const rec = this.collections[resource].get(id);
      if (rec) return { resource, rec };
    }
    return undefined;
  }
}
