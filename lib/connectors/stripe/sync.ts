/**
 * Stripe sync: full listing with per-page checkpoints, and incremental sync from `/v1/events`.
 *
 * Full (`mode: "full"`): the products are listed once (their names, cached for the subscription items), then
 * customers, subscriptions (`status=all`; discounts' coupons and the default payment method expanded in the same
 * request — within Stripe's four expansion levels, see SUBSCRIPTION_EXPAND), invoices, and charges created in the last
 * `chargesLookbackDays` (default 395, `created[gte]`) are listed 100 per page, newest first, the four
 * streams in parallel behind ONE pacer (25 req/s test / 100 live); a dense stream is further split into
 * `created`-range slices walked in parallel (see `splitAfterFirstPage`). Each page is written and its
 * checkpoint (`{startingAfter, done}`) saved in the same transaction, so a killed sync resumes from the
 * last committed page (stream checkpoints + a "full" meta checkpoint with the start cursor and charge
 * window). When it starts, the newest relevant event is recorded; records written by the full sync
 * carry that event's `created` as their version, and afterwards the event cursor starts there and the
 * events since then are applied (so changes made during the listing are not lost). Customers that the
 * full listing no longer returns (deleted in Stripe) are archived, their data kept.
 *
 * Incremental (`mode: "incremental"`): `GET /v1/events?types[]=…&created[gte]=<cursor.created>`, paged
 * newest-first back to the cursor event, then applied oldest-first in batches of 100 (data.object with
 * version = event.created; an older event never overwrites newer state), the cursor `{created, id}` saved
 * in each batch's transaction. If the cursor event is no longer served (older than Stripe's 30-day
 * retention) or is otherwise missing (a gap), a full reconciliation runs instead — never a "created
 * since" list, which would miss updates.
 *
 * A full sync also runs when asked (`full: true`), when there is no event cursor yet, when a full sync
 * was interrupted, or when the last full sync is older than `fullReconcileDays` (default 7).
 *
 * SyncRun rows: one per object type (customers, subscriptions, invoices, charges) per sync, with counts,
 * request counts, skip reasons ("no customer" for anonymous charges, "malformed record: …") and errors
 * with guidance (lib/connectors/stripe/errors.ts).
 */
import type Stripe from "stripe";
import type { Db, Tx } from "@/lib/db";
import type { JobContext } from "@/lib/jobs";
import type { SyncOptions, SyncSummary } from "@/lib/connectors/types";
import { clearCheckpoint, loadCheckpoint, saveCheckpoint } from "@/lib/sync/checkpoints";
import { startSyncRun, type SyncRunHandle } from "@/lib/sync/sync-runs";
import { AppError } from "@/lib/errors";
import { createStripeClient, sharedPacer, DEFAULT_RPS, type Pacer, type RequestStats, type StripeClient } from "./client";
import { apiKeyOf, stripeCredentials, stripeSettings, type StripeSettings } from "./connection";
import { describeStripeError } from "./errors";
import {
  mapCharge, mapCustomer, mapInvoice, mapSubscription, eventObjectType, RELEVANT_EVENT_TYPES, ZEvent,
  type MapResult, type StripeEventLike,
} from "./map";
import { writeCharges, writeCustomers, writeInvoices, writeSubscriptions, type Version, type WriteCtx } from "./write";
import { recordInvoiceHistory } from "@/lib/revenue/invoice-history";

export const STREAMS = ["customers", "subscriptions", "invoices", "charges"] as const;
export type Stream = (typeof STREAMS)[number];

/** Event cursor: the newest applied event (null fields: no event existed when the full sync started). */
export type EventCursor = { created: number | null; id: string | null };
type FullMeta = { phase: "running"; startedAtMs: number; startCursor: EventCursor; chargesSince: number };
/**
 * A `created` range of one stream (epoch seconds; gte inclusive, lt exclusive, null = open) and its cursor.
 * A stream starts as one slice over everything; see `splitAfterFirstPage`.
 */
type Slice = { gte: number | null; lt: number | null; startingAfter: string | null; done: boolean };
/** Checkpoint of one stream: every slice's cursor, saved with each page (legacy form: one slice's fields). */
type StreamCheckpoint = { slices: Slice[] } | { startingAfter: string | null; done: boolean };

/** Slices of one stream listed at the same time (each one a sequential cursor walk). */
const SLICE_CONCURRENCY = 4;
/** Width of the slices a dense stream is split into, and how far back the split reaches. */
const SLICE_DAYS = 30;
const SLICED_DAYS = 390;

const PAGE = 100;

/**
 * Expansions of the subscription listing. docs.stripe.com/expand: "Expansions have a maximum depth of four
 * levels" and on a list `data` is the first one, so `data.items.data.price.product` (five levels) is answered
 * 400 invalid_request_error by Stripe: the first full sync got no subscriptions, hence no MRR. The item's price
 * needs no expansion (stripe 23.1.0 types `SubscriptionItem.price: Price`: always embedded, not expandable), and
 * product names come from the products listed once per full sync (`listProductNames`: ⌈products/100⌉ requests,
 * one for most accounts). `data.discounts.source.coupon` (4) gives the coupon amounts (basil+: `discounts[]` is
 * ids unless expanded; clover: `Discount.source.coupon` is expandable).
 */
export const SUBSCRIPTION_EXPAND = ["data.default_payment_method", "data.discounts.source.coupon"] as const;
const TX_OPTS = { timeout: 60_000, maxWait: 60_000 };

/** Serialises database writes of parallel streams (SQLite has one writer). */
function makeLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * Group commit: pages submitted by the parallel streams while a transaction is committing are written
 * together in the next one (each with its own checkpoint), so the number of commits (fsyncs on SQLite)
 * stays far below the number of pages. Each submitter's promise settles when its page is committed.
 */
class GroupWriter {
  private queue: { fn: (tx: Tx) => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  commits = 0;

  constructor(private readonly db: Db, private readonly lock: ReturnType<typeof makeLock>) {}

  submit<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        try {
          const out = await this.lock(() =>
            this.db.$transaction(async (tx) => {
              const results: unknown[] = [];
              for (const b of batch) results.push(await b.fn(tx));
              return results;
            }, TX_OPTS),
          );
          this.commits++;
          batch.forEach((b, i) => b.resolve(out[i]));
        } catch (err) {
          batch.forEach((b) => b.reject(err));
        }
      }
    } finally {
      this.running = false;
    }
  }
}

class Cancelled extends Error {
  constructor() {
    super("sync cancelled");
  }
}

class GapError extends Error {}

type Runtime = {
  db: Db;
  ctx: JobContext;
  conn: { id: string; organizationId: string; mode: "test" | "live" };
  settings: StripeSettings;
  apiKey: string;
  pacer: Pacer;
  total: RequestStats;
  lock: ReturnType<typeof makeLock>;
  writer: GroupWriter;
  write: WriteCtx;
  productNames: Map<string, string>;
  progress: Record<string, { processed: number; total: number | null; ratePerSec: number; etaMs: number | null }>;
  startedMs: number;
};

/** A client for one stream: shared pacer, own request counter (folded into the total). */
function streamClient(rt: Runtime): StripeClient & { stats: RequestStats } {
  return createStripeClient({ apiKey: rt.apiKey, mode: rt.conn.mode, pacer: rt.pacer, stats: { requests: 0, rateLimited: 0, serverErrors: 0 } });
}

function addStats(into: RequestStats, from: RequestStats) {
  into.requests += from.requests;
  into.rateLimited += from.rateLimited;
  into.serverErrors += from.serverErrors;
}

async function report(rt: Runtime, stream: string, processed: number, force = false) {
  const secs = Math.max(0.001, (Date.now() - rt.startedMs) / 1000);
  rt.progress[stream] = { processed, total: null, ratePerSec: Math.round((processed / secs) * 10) / 10, etaMs: null };
  await rt.ctx.progress({ streams: rt.progress, requests: rt.total.requests }, { force });
}

type Page = { data: unknown[]; has_more: boolean };

function lister(stripe: Stripe, stream: Stream, meta: FullMeta): (startingAfter: string | null, slice: Pick<Slice, "gte" | "lt">) => Promise<Page> {
  const after = (s: string | null) => (s ? { starting_after: s } : {});
  const created = (sl: Pick<Slice, "gte" | "lt">, floor?: number) => {
    const gte = floor !== undefined ? Math.max(floor, sl.gte ?? floor) : sl.gte;
    const range = { ...(gte !== null && gte !== undefined ? { gte } : {}), ...(sl.lt !== null ? { lt: sl.lt } : {}) };
    return Object.keys(range).length ? { created: range } : {};
  };
  switch (stream) {
    case "customers":
      return (s, sl) => stripe.customers.list({ limit: PAGE, ...created(sl), ...after(s) });
    case "subscriptions":
      return (s, sl) => stripe.subscriptions.list({ limit: PAGE, status: "all", expand: [...SUBSCRIPTION_EXPAND], ...created(sl), ...after(s) });
    case "invoices":
      return (s, sl) => stripe.invoices.list({ limit: PAGE, ...created(sl), ...after(s) });
    case "charges":
      return (s, sl) => stripe.charges.list({ limit: PAGE, ...created(sl, meta.chargesSince), ...after(s) });
  }
}

/**
 * Parallel listing of a dense stream. A stream is one cursor walk (newest first), and one walk is bounded by the
 * round-trip time (real Stripe: 200–500 ms per list call → 2–5 req/s, far below the 25/100 req/s limit). When the
 * first page of a whole-stream walk comes back with more to come and its 100 records span less than SLICE_DAYS,
 * the rest — everything created before the page's oldest record — is split into SLICE_DAYS-wide `created` ranges
 * reaching SLICED_DAYS back, plus one open range for anything older; SLICE_CONCURRENCY of them are walked at once
 * behind the shared pacer. Sparse streams (small accounts) stay one walk, so they cost no extra requests.
 * Returns null when the stream should not be split.
 */
function splitAfterFirstPage(first: Slice, page: Page, floor: number | undefined): Slice[] | null {
  if (first.startingAfter !== null || first.gte !== null || first.lt !== null || !page.has_more || page.data.length < PAGE) return null;
  const createdOf = (x: unknown) => (x as { created?: unknown } | null)?.created;
  const newest = createdOf(page.data[0]);
  const oldest = createdOf(page.data[page.data.length - 1]);
  if (typeof newest !== "number" || typeof oldest !== "number" || newest - oldest >= SLICE_DAYS * 86_400) return null;
  // Records created in the oldest record's second may continue on the next page: the slices start just below it
  // and the first walk continues through its own second (created ≥ oldest) with its cursor.
  const head: Slice = { gte: oldest, lt: null, startingAfter: first.startingAfter, done: false };
  const slices: Slice[] = [head];
  let lt = oldest;
  const stop = oldest - SLICED_DAYS * 86_400;
  while (lt > stop && (floor === undefined || lt > floor)) {
    const gte = Math.max(lt - SLICE_DAYS * 86_400, floor ?? -Infinity);
    slices.push({ gte, lt, startingAfter: null, done: false });
    lt = gte;
  }
  if (floor === undefined || lt > floor) slices.push({ gte: null, lt, startingAfter: null, done: false });
  return slices;
}

/** Map + write one page of a stream; returns processed count. Skips are recorded on the run. */
async function writePage(tx: Tx, rt: Runtime, stream: Stream, raw: unknown[], run: SyncRunHandle, v: Version): Promise<number> {
  const ok = <T>(results: MapResult<T>[]): T[] => {
    const rows: T[] = [];
    for (const r of results) {
      if (r.ok) rows.push(r.row);
      else run.skip(r.id, r.reason);
    }
    return rows;
  };
  switch (stream) {
    case "customers":
      return (await writeCustomers(tx, rt.write, ok(raw.map(mapCustomer)), v)).written;
    case "subscriptions": {
      const rows = ok(raw.map((x) => mapSubscription(x, rt.productNames)));
      for (const s of rows) for (const i of s.items) if (i.productId && i.productName) rt.productNames.set(i.productId, i.productName);
      return (await writeSubscriptions(tx, rt.write, rows, v)).written;
    }
    case "invoices": {
      const written = (await writeInvoices(tx, rt.write, ok(raw.map(mapInvoice)), v)).written;
      // Revenue history before the first sync: versions reconstructed from the invoice lines (issue 17).
      await recordInvoiceHistory(tx, { organizationId: rt.write.organizationId, connectionId: rt.write.connectionId, invoices: raw });
      return written;
    }
    case "charges":
      return (await writeCharges(tx, rt.write, ok(raw.map(mapCharge)), v)).written;
  }
}

const lastId = (data: unknown[]): string | null => {
  for (let i = data.length - 1; i >= 0; i--) {
    const id = (data[i] as { id?: unknown } | null)?.id;
    if (typeof id === "string") return id;
  }
  return null;
};

type StreamOutcome = { processed: number; skipped: number; status: string; error?: string | null; fatal?: unknown };

async function runFullStream(rt: Runtime, stream: Stream, meta: FullMeta): Promise<StreamOutcome> {
  // Every database call of the parallel phase goes through rt.lock: SQLite (libsql) answers SQLITE_BUSY
  // to a query that runs while another connection holds a write transaction.
  const run = await rt.lock(() => startSyncRun(rt.db, { organizationId: rt.conn.organizationId, connectionId: rt.conn.id, objectType: stream, mode: "full", jobId: rt.ctx.jobId }));
  const client = streamClient(rt);
  const list = lister(client.stripe, stream, meta);
  const version: Version = { at: meta.startCursor.created ? new Date(meta.startCursor.created * 1000) : null, onlyIfNewer: false };
  const key = `full:${stream}`;
  const stored = await rt.lock(() => loadCheckpoint<StreamCheckpoint>(rt.db, rt.conn.id, key));
  // `committed` holds each slice's cursor as of the pages written so far; it is only advanced inside the write
  // transaction of the page that moves it, so a saved checkpoint never runs ahead of the data.
  let committed: Slice[] = !stored
    ? [{ gte: null, lt: null, startingAfter: null, done: false }]
    : "slices" in stored
      ? stored.slices
      : [{ gte: null, lt: null, startingAfter: stored.startingAfter, done: stored.done }];
  let lastFlush = Date.now();
  let failure: unknown = null;

  /** Walk one slice (index into `committed`); the first walk of a fresh stream may split the stream. */
  async function walk(index: number, start: Slice, mayExpand: (slices: Slice[]) => void): Promise<void> {
    let cursor = start;
    let first = true;
    // Pipelined: page N+1 is fetched while page N (and its checkpoint) is being committed.
    let pending: Promise<number> | null = null;
    try {
      while (!cursor.done && failure === null) {
        if (rt.ctx.signal.aborted) throw new Cancelled();
        const before = client.stats.requests;
        const page = await list(cursor.startingAfter, cursor);
        run.addRequests(client.stats.requests - before);
        if (pending) run.addProcessed(await pending);
        const next: Slice = { ...cursor, startingAfter: lastId(page.data) ?? cursor.startingAfter, done: !page.has_more || page.data.length === 0 };
        const split = first ? splitAfterFirstPage(cursor, page, stream === "charges" ? meta.chargesSince : undefined) : null;
        first = false;
        const replacement = split ? [{ ...split[0]!, startingAfter: next.startingAfter, done: next.done }, ...split.slice(1)] : null;
        const p: Promise<number> = rt.writer.submit(async (tx) => {
          const written = await writePage(tx, rt, stream, page.data, run, version);
          committed = replacement ? [...committed.slice(0, index), ...replacement, ...committed.slice(index + 1)] : committed.map((c, i) => (i === index ? next : c));
          await saveCheckpoint(tx, rt.conn.id, key, { slices: committed } satisfies StreamCheckpoint);
          return written;
        });
        pending = p;
        cursor = replacement ? replacement[0]! : next;
        if (replacement) {
          // Wait until the split is committed (its indices are then stable), then hand the new slices out.
          run.addProcessed(await p);
          pending = null;
          mayExpand(replacement.slice(1));
        }
        // ctx.progress throttles its own writes (~500 ms); SyncRun counters are flushed once a second.
        const flush = Date.now() - lastFlush > 1_000;
        if (flush) lastFlush = Date.now();
        await rt.lock(async () => {
          if (flush) await run.flush();
          await report(rt, stream, run.processed);
        });
      }
      if (pending) run.addProcessed(await pending);
    } catch (err) {
      await pending?.catch(() => undefined);
      throw err;
    }
  }

  try {
    // Slice indices are positions in `committed`; only the first walk (index 0) ever replaces itself by several.
    const queue: number[] = committed.map((c, i) => (c.done ? -1 : i)).filter((i) => i >= 0);
    const workers: Promise<void>[] = [];
    const worker = async (): Promise<void> => {
      for (let i = queue.shift(); i !== undefined && failure === null; i = queue.shift()) {
        try {
          await walk(i, committed[i]!, (added) => {
            const base = committed.length - added.length;
            added.forEach((_, k) => queue.push(base + k));
            while (workers.length < SLICE_CONCURRENCY && queue.length) workers.push(worker());
          });
        } catch (err) {
          failure ??= err;
        }
      }
    };
    workers.push(worker());
    while (workers.length < Math.min(SLICE_CONCURRENCY, queue.length + 1)) workers.push(worker());
    for (let k = 0; k < workers.length; k++) await workers[k];
    if (failure !== null) throw failure;
    await rt.lock(async () => {
      await run.finish(run.skipped ? "partial" : "succeeded");
      await report(rt, stream, run.processed, true);
    });
    return { processed: run.processed, skipped: run.skipped, status: run.skipped ? "partial" : "succeeded" };
  } catch (err) {
    if (err instanceof Cancelled) {
      await rt.lock(() => run.finish("cancelled"));
      return { processed: run.processed, skipped: run.skipped, status: "cancelled", error: err.message, fatal: err };
    }
    const info = describeStripeError(err);
    await rt.lock(() => run.finish("failed", { message: info.message, guidance: info.guidance }));
    return { processed: run.processed, skipped: run.skipped, status: "failed", error: info.message, fatal: info.kind === "auth" ? err : undefined };
  } finally {
    addStats(rt.total, client.stats);
  }
}

/** The newest relevant event (the cursor a full sync starts from). */
async function newestEvent(stripe: Stripe): Promise<EventCursor> {
  const page = await stripe.events.list({ limit: 1, types: [...RELEVANT_EVENT_TYPES] });
  const e = page.data[0];
  return e ? { created: e.created, id: e.id } : { created: null, id: null };
}

/**
 * Product id → name for every product of the account (`GET /v1/products`, 100 per page), cached on the run for
 * the subscription items. A key without Product read access (403) leaves names to the stored items: the sync
 * goes on, the items keep their ids and whatever name was stored before.
 */
async function listProductNames(rt: Runtime): Promise<void> {
  const client = streamClient(rt);
  try {
    for await (const p of client.stripe.products.list({ limit: PAGE })) if (p.name) rt.productNames.set(p.id, p.name);
  } catch (err) {
    const info = describeStripeError(err);
    if (info.kind === "auth") throw err;
    rt.ctx.log.warn({ connectionId: rt.conn.id, reason: info.message }, "stripe products not listed: subscription items keep stored product names");
    await loadProductNames(rt);
  } finally {
    addStats(rt.total, client.stats);
  }
}

async function runFull(rt: Runtime): Promise<Record<string, StreamOutcome>> {
  await listProductNames(rt);
  let meta = await loadCheckpoint<FullMeta>(rt.db, rt.conn.id, "full");
  if (!meta) {
    const client = streamClient(rt);
    try {
      const startCursor = await newestEvent(client.stripe);
      const chargesSince = Math.floor(Date.now() / 1000) - rt.settings.chargesLookbackDays * 86_400;
      meta = { phase: "running", startedAtMs: Date.now(), startCursor, chargesSince };
      await rt.db.$transaction(async (tx) => {
        for (const s of STREAMS) await clearCheckpoint(tx, rt.conn.id, `full:${s}`);
        await saveCheckpoint(tx, rt.conn.id, "full", meta!);
      });
    } finally {
      addStats(rt.total, client.stats);
    }
  }
  const outcomes = await Promise.all(STREAMS.map((s) => runFullStream(rt, s, meta!)));
  const result = Object.fromEntries(STREAMS.map((s, i) => [s, outcomes[i]!]));
  const fatal = outcomes.find((o) => o.fatal)?.fatal;
  if (fatal) throw fatal;
  if (outcomes.every((o) => o.status === "succeeded" || o.status === "partial")) {
    await rt.db.$transaction(async (tx) => {
      // Reconcile: customers the full listing did not return any more were deleted in Stripe.
      await tx.sourceRecord.updateMany({
        where: { connectionId: rt.conn.id, objectType: "customer", archivedAt: null, updatedAt: { lt: new Date(meta!.startedAtMs) } },
        data: { archivedAt: new Date() },
      });
      await saveCheckpoint(tx, rt.conn.id, "events", meta!.startCursor);
      for (const s of STREAMS) await clearCheckpoint(tx, rt.conn.id, `full:${s}`);
      await clearCheckpoint(tx, rt.conn.id, "full");
    }, TX_OPTS);
  }
  return result;
}

/** Fill the product-name cache from stored subscription items (events carry product ids only). */
async function loadProductNames(rt: Runtime) {
  const rows = await rt.db.subscriptionItem.findMany({
    where: { subscription: { connectionId: rt.conn.id }, productId: { not: null }, productName: { not: null } },
    select: { productId: true, productName: true },
    distinct: ["productId"],
  });
  for (const r of rows) rt.productNames.set(r.productId!, r.productName!);
}

/** Product ids referenced by subscription events whose names we do not know yet: fetch each once. */
async function resolveProducts(rt: Runtime, stripe: Stripe, events: StripeEventLike[]) {
  const missing = new Set<string>();
  for (const e of events) {
    if (eventObjectType(e.type) !== "subscription") continue;
    const items = (e.data.object as { items?: { data?: { price?: { product?: unknown } }[] } }).items?.data ?? [];
    for (const it of items) {
      const p = it.price?.product;
      if (typeof p === "string" && !rt.productNames.has(p)) missing.add(p);
    }
  }
  for (const id of missing) {
    try {
      const p = await stripe.products.retrieve(id);
      if (p.name) rt.productNames.set(id, p.name);
    } catch {
      // Unknown name: the item is stored without it.
    }
  }
}

/**
 * Discount ids in subscription events → discount objects. Events are never expanded, so at basil+ versions a
 * subscription event carries `discounts: ["di_…"]` (pre-basil ones also carry the `discount` object, which map.ts
 * uses). For each subscription whose event lists ids we cannot resolve, the subscription is read ONCE with
 * `expand[]=discounts.source.coupon` (3 levels) and the discounts with those ids are put into the event object,
 * in place. Only the discount objects are taken (a discount id names one coupon application, it does not change),
 * so the rest of the event keeps its own state and version. A discount no longer on the subscription, or a failed
 * read, leaves the id: map.ts then keeps the stored discounts. Cost: one request per subscription with discounts
 * among the events (none for subscriptions without discounts).
 */
export async function resolveDiscountIds(stripe: Stripe, events: StripeEventLike[]): Promise<number> {
  type Sub = { id?: string; discounts?: unknown[] | null; discount?: { id?: unknown } | null };
  const pending = new Map<string, Sub[]>();
  for (const e of events) {
    if (eventObjectType(e.type) !== "subscription") continue;
    const o = e.data.object as Sub;
    const legacyId = o.discount && typeof o.discount === "object" ? o.discount.id : undefined;
    if (!o.id || !Array.isArray(o.discounts) || !o.discounts.some((d) => typeof d === "string" && d !== legacyId)) continue;
    pending.set(o.id, [...(pending.get(o.id) ?? []), o]);
  }
  let requests = 0;
  for (const [id, objects] of pending) {
    let found: Map<string, unknown>;
    try {
      requests++;
      const sub = await stripe.subscriptions.retrieve(id, { expand: ["discounts.source.coupon"] });
      found = new Map((sub.discounts ?? []).filter((d): d is Stripe.Discount => typeof d === "object" && d !== null).map((d) => [d.id, d]));
    } catch {
      continue;
    }
    for (const o of objects) o.discounts = o.discounts!.map((d) => (typeof d === "string" ? (found.get(d) ?? d) : d));
  }
  return requests;
}

export type ApplyCounts = Record<Stream, { processed: number; stale: number }>;

const STREAM_OF = { customer: "customers", subscription: "subscriptions", invoice: "invoices", charge: "charges" } as const;

/**
 * Apply Stripe events (oldest first) to the database inside `tx`: data.object with version = event.created,
 * never overwriting newer state. Malformed objects are skipped via `skip`.
 */
export async function applyEvents(
  tx: Tx,
  write: WriteCtx,
  events: StripeEventLike[],
  productNames: ReadonlyMap<string, string>,
  skip: (stream: Stream, id: string | null, reason: string) => void,
): Promise<{ counts: ApplyCounts; customerIds: Set<string> }> {
  const counts: ApplyCounts = { customers: { processed: 0, stale: 0 }, subscriptions: { processed: 0, stale: 0 }, invoices: { processed: 0, stale: 0 }, charges: { processed: 0, stale: 0 } };
  const customerIds = new Set<string>();
  for (const e of events) {
    const kind = eventObjectType(e.type);
    if (!kind) continue;
    const stream = STREAM_OF[kind];
    const v: Version = { at: new Date(e.created * 1000), onlyIfNewer: true };
    const obj = e.data.object;
    let res: { written: number; stale: number } | null = null;
    if (kind === "customer") {
      const m = mapCustomer(e.type === "customer.deleted" ? { ...obj, deleted: true } : obj);
      if (!m.ok) skip(stream, m.id, m.reason);
      else {
        res = await writeCustomers(tx, write, [m.row], v);
        customerIds.add(m.row.externalId);
      }
    } else if (kind === "subscription") {
      const m = mapSubscription(obj, productNames);
      if (!m.ok) skip(stream, m.id, m.reason);
      else {
        res = await writeSubscriptions(tx, write, [m.row], v);
        customerIds.add(m.row.customerExternalId);
      }
    } else if (kind === "invoice") {
      const m = mapInvoice(obj);
      if (!m.ok) skip(stream, m.id, m.reason);
      else {
        res = await writeInvoices(tx, write, [m.row], v);
        customerIds.add(m.row.customerExternalId);
      }
    } else {
      const m = mapCharge(obj);
      if (!m.ok) skip(stream, m.id, m.reason);
      else {
        res = await writeCharges(tx, write, [m.row], v);
        customerIds.add(m.row.customerExternalId);
      }
    }
    if (res) {
      counts[stream].processed += res.written;
      counts[stream].stale += res.stale;
    }
  }
  return { counts, customerIds };
}

/**
 * List relevant events newer than the cursor (newest first, back to the cursor), oldest first.
 * @throws GapError when the cursor event is not served any more (older than 30 days) — full reconciliation needed.
 */
async function eventsSince(stripe: Stripe, cursor: EventCursor): Promise<StripeEventLike[]> {
  const out: StripeEventLike[] = [];
  let startingAfter: string | null = null;
  let found = cursor.id === null;
  for (;;) {
    const page: Stripe.ApiList<Stripe.Event> = await stripe.events.list({
      limit: PAGE,
      types: [...RELEVANT_EVENT_TYPES],
      ...(cursor.created !== null ? { created: { gte: cursor.created } } : {}),
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    });
    for (const raw of page.data) {
      if (cursor.id !== null && raw.id === cursor.id) {
        found = true;
        break;
      }
      const e = ZEvent.safeParse(raw);
      if (e.success) out.push(e.data);
    }
    if (found && cursor.id !== null) break;
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data[page.data.length - 1]!.id;
  }
  if (!found) throw new GapError(`event cursor ${cursor.id} is no longer served by /v1/events (older than the 30-day retention)`);
  // Newest-first → oldest-first (stable for equal `created`: Stripe breaks ties newest-first too).
  return out.reverse();
}

async function runIncremental(rt: Runtime, cursor: EventCursor, runs: Record<Stream, SyncRunHandle>): Promise<void> {
  const client = streamClient(rt);
  try {
    const events = await eventsSince(client.stripe, cursor);
    await loadProductNames(rt);
    await resolveProducts(rt, client.stripe, events);
    await resolveDiscountIds(client.stripe, events);
    for (let i = 0; i < events.length; i += PAGE) {
      if (rt.ctx.signal.aborted) throw new Cancelled();
      const batch = events.slice(i, i + PAGE);
      const last = batch[batch.length - 1]!;
      const { counts } = await rt.db.$transaction(async (tx) => {
        const r = await applyEvents(tx, rt.write, batch, rt.productNames, (s, id, reason) => runs[s].skip(id, reason));
        await saveCheckpoint(tx, rt.conn.id, "events", { created: last.created, id: last.id } satisfies EventCursor);
        return r;
      }, TX_OPTS);
      for (const s of STREAMS) runs[s].addProcessed(counts[s].processed);
      await report(rt, "events", i + batch.length);
    }
  } finally {
    runs.customers.addRequests(client.stats.requests);
    addStats(rt.total, client.stats);
  }
}

async function incrementalWithRuns(rt: Runtime, cursor: EventCursor): Promise<Record<string, StreamOutcome>> {
  const runs = {} as Record<Stream, SyncRunHandle>;
  for (const s of STREAMS) runs[s] = await startSyncRun(rt.db, { organizationId: rt.conn.organizationId, connectionId: rt.conn.id, objectType: s, mode: "incremental", jobId: rt.ctx.jobId });
  try {
    await runIncremental(rt, cursor, runs);
  } catch (err) {
    if (err instanceof GapError) {
      for (const s of STREAMS) await runs[s].finish("cancelled", { message: err.message, guidance: "A full reconciliation runs instead." });
      throw err;
    }
    const cancelled = err instanceof Cancelled;
    const info = describeStripeError(err);
    for (const s of STREAMS) await runs[s].finish(cancelled ? "cancelled" : "failed", { message: cancelled ? "sync cancelled" : info.message, guidance: cancelled ? undefined : info.guidance });
    throw err;
  }
  const out: Record<string, StreamOutcome> = {};
  for (const s of STREAMS) {
    const status = runs[s].skipped ? "partial" : "succeeded";
    await runs[s].finish(status);
    out[s] = { processed: runs[s].processed, skipped: runs[s].skipped, status };
  }
  return out;
}

/** Why this sync is full (null = incremental). */
async function fullReason(db: Db, conn: { id: string; lastFullSyncAt: Date | null }, opts: SyncOptions, settings: StripeSettings): Promise<string | null> {
  if (await loadCheckpoint(db, conn.id, "full")) return "resuming an interrupted full sync";
  if (opts.full) return "requested";
  if (!(await loadCheckpoint(db, conn.id, "events"))) return "first sync";
  if (!conn.lastFullSyncAt || Date.now() - conn.lastFullSyncAt.getTime() > settings.fullReconcileDays * 86_400_000) return "periodic reconciliation";
  return null;
}

/**
 * Run one sync of a Stripe connection (called by sync-connection-job). See the module doc.
 * @throws AppError not_configured (no credentials); rethrows cancellation and 401s (after marking the
 *   connection reconnect_needed). Other per-stream failures are reported in the summary (status failed).
 */
export async function runStripeSync(db: Db, opts: SyncOptions, ctx: JobContext): Promise<SyncSummary> {
  const started = Date.now();
  const conn = await db.connection.findUniqueOrThrow({ where: { id: opts.connectionId } });
  if (conn.provider !== "stripe") throw new AppError("bad_request", `connection ${conn.id} is not a Stripe connection`);
  const settings = stripeSettings(conn.settings);
  const lock = makeLock();
  const rt: Runtime = {
    db, ctx, settings,
    conn: { id: conn.id, organizationId: conn.organizationId, mode: conn.mode },
    apiKey: apiKeyOf(stripeCredentials(conn)),
    pacer: sharedPacer(apiKeyOf(stripeCredentials(conn)), settings.requestsPerSecond ?? DEFAULT_RPS[conn.mode]),
    total: { requests: 0, rateLimited: 0, serverErrors: 0 },
    lock,
    writer: new GroupWriter(db, lock),
    write: { organizationId: conn.organizationId, connectionId: conn.id, mrr: { applyNonForeverDiscounts: settings.applyNonForeverDiscounts } },
    productNames: new Map(),
    progress: {},
    startedMs: started,
  };
  let mode: "full" | "incremental" = "incremental";
  let objects: Record<string, StreamOutcome> = {};
  try {
    const reason = await fullReason(db, conn, opts, settings);
    if (reason) {
      mode = "full";
      ctx.log.info({ connectionId: conn.id, reason }, "stripe full sync");
      objects = await runFull(rt);
    } else {
      const cursor = (await loadCheckpoint<EventCursor>(db, conn.id, "events"))!;
      try {
        objects = await incrementalWithRuns(rt, cursor);
      } catch (err) {
        if (!(err instanceof GapError)) throw err;
        ctx.log.warn({ connectionId: conn.id, reason: err.message }, "stripe event gap: full reconciliation");
        mode = "full";
        await clearCheckpoint(db, conn.id, "events");
        objects = await runFull(rt);
      }
    }
    // After a complete full sync: apply what happened since it started.
    if (mode === "full" && !(await loadCheckpoint(db, conn.id, "full"))) {
      const cursor = await loadCheckpoint<EventCursor>(db, conn.id, "events");
      if (cursor) {
        const inc = await incrementalWithRuns(rt, cursor).catch((err) => {
          if (err instanceof GapError) return null;
          throw err;
        });
        for (const s of STREAMS) {
          const o = objects[s];
          if (o && inc?.[s]) o.processed += inc[s]!.processed;
        }
      }
    }
  } catch (err) {
    const info = describeStripeError(err);
    if (info.kind === "auth") {
      await db.connection.update({ where: { id: conn.id }, data: { status: "reconnect_needed", lastError: `${info.message} ${info.guidance}` } });
    }
    throw err instanceof Cancelled || info.kind !== "auth" ? err : new AppError("unprocessable", `${info.message} ${info.guidance}`, { cause: err });
  }
  return {
    connectionId: conn.id,
    mode,
    objects: Object.fromEntries(Object.entries(objects).map(([k, o]) => [k, { processed: o.processed, skipped: o.skipped, status: o.status, error: o.error ?? null }])),
    requestCount: rt.total.requests,
    durationMs: Date.now() - started,
  };
}
