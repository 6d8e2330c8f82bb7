/**
 * Incremental reads through HubSpot's CRM search (`POST /crm/v3/objects/{type}/search`) that get
 * past its hard cap of 10,000 results per query without losing or repeating records.
 *
 * Cursor = an exclusive pivot (since, lastId): the next record wanted is the first one ordered by
 * (prop, hs_object_id) strictly after it; `lastId: null` means "prop ≥ since". A query is
 *   (prop = since AND hs_object_id > lastId) OR (prop > since)      [+ caller's extra filters]
 * sorted by prop ascending, paged with `after` up to the cap; before `after + limit` would pass
 * 10,000 the window restarts from the last record seen. Every page advances the pivot, so the
 * caller can checkpoint it after each page (a resumed sync restarts a window at the pivot).
 *
 * Ties: HubSpot allows one sort; records sharing a timestamp come back in id order (the sandbox
 * and, in our experience, HubSpot do this) — we CHECK it. If a page ever shows ties out of id order,
 * the timestamp is re-read exactly with (prop = ts) sorted by hs_object_id ("tie mode"), skipping
 * the ids already yielded at that timestamp, so > 10,000 records sharing ONE timestamp are all
 * fetched exactly once and the loop always advances.
 */
import type { HubspotClient, PageItem, SearchFilter } from "./client";
import { parseHsDate } from "./mappers";

/** HubSpot's cap on after + limit for one search query. */
export const SEARCH_RESULT_CAP = 10_000;
export const SEARCH_PAGE_SIZE = 200;

export type SearchCursor = { since: number; lastId: string | null };

export type SearchPage = { items: PageItem[]; cursor: SearchCursor; total: number };

/** Compare (ts, id) pairs. */
function after(a: { ts: number; id: bigint }, b: { ts: number; id: bigint }): boolean {
  return a.ts > b.ts || (a.ts === b.ts && a.id > b.id);
}

/** The filter groups for a pivot (see module doc). */
export function pivotFilterGroups(prop: string, c: SearchCursor, extra: SearchFilter[] = []): { filters: SearchFilter[] }[] {
  if (c.lastId === null) return [{ filters: [{ propertyName: prop, operator: "GTE", value: String(c.since) }, ...extra] }];
  return [
    { filters: [{ propertyName: prop, operator: "EQ", value: String(c.since) }, { propertyName: "hs_object_id", operator: "GT", value: c.lastId }, ...extra] },
    { filters: [{ propertyName: prop, operator: "GT", value: String(c.since) }, ...extra] },
  ];
}

/**
 * Yield search pages from `start` on, in (prop, id) order, each with the pivot after it.
 * Malformed records (no id / no parseable `prop`) are passed through as `ok:false` items.
 */
export async function* searchWindowPages(
  client: HubspotClient,
  objectType: string,
  opts: { prop: string; start: SearchCursor; properties: string[]; extraFilters?: SearchFilter[]; scope?: string; pageSize?: number },
): AsyncGenerator<SearchPage> {
  const limit = opts.pageSize ?? SEARCH_PAGE_SIZE;
  const properties = [...new Set([...opts.properties, opts.prop, "hs_object_id"])];
  let cur: SearchCursor = opts.start;
  const extra = opts.extraFilters ?? [];

  for (;;) {
    // The query of this window is fixed; `cur` (the checkpoint pivot) advances page by page.
    const windowStart = cur;
    let offset = 0;
    let last: { ts: number; id: bigint } | null = cur.lastId === null ? null : { ts: cur.since, id: BigInt(cur.lastId) };
    /** Ids yielded at the current max timestamp (for tie mode). Bounded by one window (≤ 10,000). */
    let idsAtLast = new Set<string>();
    let tieDisorder = false;
    for (;;) {
      const res = await client.searchPage(objectType, {
        filterGroups: pivotFilterGroups(opts.prop, windowStart, extra),
        sorts: [{ propertyName: opts.prop, direction: "ASCENDING" }],
        properties, limit, ...(offset ? { after: String(offset) } : {}),
      }, opts.scope);
      const items: PageItem[] = [];
      for (const it of res.items) {
        if (!it.ok) { items.push(it); continue; }
        const ts = parseHsDate(it.record.properties[opts.prop])?.getTime();
        if (ts === undefined) { items.push({ ok: false, externalId: it.record.id, reason: `malformed record: ${opts.prop} missing or not a date` }); continue; }
        const key = { ts, id: BigInt(it.record.id) };
        if (last && !after(key, last)) {
          if (key.ts === last.ts) tieDisorder = true; // same timestamp, id out of order
          else if (key.ts < last.ts) tieDisorder = true; // the server did not sort: treat the same way
          if (idsAtLast.has(it.record.id)) continue; // already yielded in this window
        }
        if (!last || key.ts !== last.ts) idsAtLast = new Set();
        if (!last || after(key, last)) last = key;
        idsAtLast.add(it.record.id);
        items.push(it);
      }
      if (tieDisorder && last) {
        // Re-read this timestamp exactly, by id, then continue strictly after it.
        yield { items, cursor: { since: last.ts, lastId: null }, total: res.total };
        for await (const p of tiePages(client, objectType, { ...opts, ts: last.ts, limit, properties, exclude: idsAtLast })) yield p;
        cur = { since: last.ts + 1, lastId: null };
        break;
      }
      if (last) cur = { since: last.ts, lastId: last.id.toString() };
      yield { items, cursor: cur, total: res.total };
      if (!res.nextAfter) return;
      offset = Number(res.nextAfter);
      if (offset + limit > SEARCH_RESULT_CAP) break; // restart the window at the pivot
    }
  }
}

/** Every record with prop = ts, by id ascending, in windows of ≤ 10,000; skips `exclude`. */
async function* tiePages(
  client: HubspotClient,
  objectType: string,
  o: { prop: string; ts: number; limit: number; properties: string[]; extraFilters?: SearchFilter[]; scope?: string; exclude: Set<string> },
): AsyncGenerator<SearchPage> {
  let lastId = "0";
  for (;;) {
    let offset = 0;
    for (;;) {
      const res = await client.searchPage(objectType, {
        filterGroups: [{ filters: [{ propertyName: o.prop, operator: "EQ", value: String(o.ts) }, { propertyName: "hs_object_id", operator: "GT", value: lastId }, ...(o.extraFilters ?? [])] }],
        sorts: [{ propertyName: "hs_object_id", direction: "ASCENDING" }],
        properties: o.properties, limit: o.limit, ...(offset ? { after: String(offset) } : {}),
      }, o.scope);
      const items = res.items.filter((it) => !it.ok || !o.exclude.has(it.record.id));
      for (const it of res.items) if (it.ok && BigInt(it.record.id) > BigInt(lastId)) lastId = it.record.id;
      yield { items, cursor: { since: o.ts, lastId }, total: res.total };
      if (!res.nextAfter) return;
      offset = Number(res.nextAfter);
      if (offset + o.limit > SEARCH_RESULT_CAP) break;
    }
  }
}

/**
 * The newest record now (prop descending, limit 1) and the number of live records: the
 * high-water mark a full sync starts from (records changed during the full sync land after it).
 */
export async function probeHighWater(client: HubspotClient, objectType: string, prop: string, scope?: string, extraFilters: SearchFilter[] = []): Promise<{ cursor: SearchCursor; total: number }> {
  const res = await client.searchPage(objectType, {
    filterGroups: extraFilters.length ? [{ filters: extraFilters }] : [],
    sorts: [{ propertyName: prop, direction: "DESCENDING" }],
    properties: [prop, "hs_object_id"], limit: 1,
  }, scope);
  const first = res.items.find((i): i is Extract<PageItem, { ok: true }> => i.ok);
  const ts = first ? parseHsDate(first.record.properties[prop])?.getTime() : undefined;
  if (!first || ts === undefined) return { cursor: { since: 0, lastId: null }, total: res.total };
  return { cursor: { since: ts, lastId: first.record.id }, total: res.total };
}
