/**
 * CRM search (`POST /crm/v3/objects/{type}/search`) filter evaluation, mimicking
 * https://developers.hubspot.com/docs/api/crm/search: filterGroups are ORed (max 5), filters
 * inside a group ANDed (max 6 per group, 18 in total); one sort; comparisons are typed by the
 * property definition (numbers numerically, date/datetime as epoch ms — filter values may be
 * epoch ms or ISO dates — strings case-insensitively).
 */
import { z } from "zod";
import type { Rec, TypeStore } from "./store";

export const OPERATORS = [
  "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
  "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
] as const;

const ZFilter = z.object({
  propertyName: z.string().min(1),
  operator: z.enum(OPERATORS),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  highValue: z.union([z.string(), z.number()]).optional(),
  values: z.array(z.union([z.string(), z.number()])).optional(),
}).strict();

const ZSort = z.union([
  z.string().min(1),
  z.object({ propertyName: z.string().min(1), direction: z.enum(["ASCENDING", "DESCENDING"]).optional() }).strict(),
]);

/** The search request body (strict: unknown keys are a 400 like any other bad input). */
export const ZSearchRequest = z.object({
  filterGroups: z.array(z.object({ filters: z.array(ZFilter) }).strict()).max(5).optional(),
  sorts: z.array(ZSort).max(1).optional(),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(0).max(200).optional(),
  after: z.union([z.string(), z.number()]).optional(),
  query: z.string().optional(),
}).strict();
export type SearchRequest = z.infer<typeof ZSearchRequest>;
type Filter = z.infer<typeof ZFilter>;

/** Thrown for a semantically invalid search; the message names the bad field. */
export class SearchError extends Error {}

type Kind = "number" | "time" | "string";
type Compiled = (rec: Rec) => boolean;

function toTime(v: string): number {
  if (/^-?\d+$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  return ms;
}

function norm(kind: Kind, v: string): number | string {
  if (kind === "number") return Number(v);
  if (kind === "time") return toTime(v);
  return v.toLowerCase();
}

/** The typed comparison key of a property (null when unset/unparseable); derived ones read the record directly. */
function keyFn(ts: TypeStore, name: string, kind: Kind): (r: Rec) => number | string | null {
  if (name === "hs_object_id") return (r) => r.id;
  if (name === "createdate") return (r) => r.created;
  if (name === ts.lastModified) return (r) => r.updated;
  return (r) => {
    const v = ts.get(r, name);
    if (v === null || v === "") return null;
    const n = norm(kind, v);
    return typeof n === "number" && Number.isNaN(n) ? null : n;
  };
}

/** Compiles filterGroups into a predicate. @throws SearchError naming the bad property/operator/value. */
export function compileFilters(ts: TypeStore, groups: SearchRequest["filterGroups"]): Compiled {
  if (!groups || groups.length === 0) return () => true;
  let total = 0;
  const compiledGroups = groups.map((g, gi) => {
    if (g.filters.length > 6) throw new SearchError(`filterGroups[${gi}].filters: at most 6 filters per group`);
    total += g.filters.length;
    const fs = g.filters.map((f, fi) => compileFilter(ts, f, `filterGroups[${gi}].filters[${fi}]`));
    return (rec: Rec) => fs.every((fn) => fn(rec));
  });
  if (total > 18) throw new SearchError("filterGroups: at most 18 filters in total");
  return (rec) => compiledGroups.some((fn) => fn(rec));
}

function kindOf(ts: TypeStore, name: string): Kind {
  const t = ts.defs.get(name)?.type;
  return t === "number" ? "number" : t === "date" || t === "datetime" ? "time" : "string";
}

function compileFilter(ts: TypeStore, f: Filter, where: string): Compiled {
  const name = f.propertyName;
  if (!ts.defs.has(name)) throw new SearchError(`${where}.propertyName: Property "${name}" does not exist on ${ts.type}`);
  const kind = kindOf(ts, name);
  const get = (rec: Rec) => ts.get(rec, name);
  const need = (v: unknown, field: string): string => {
    if (v === undefined || v === null || v === "") throw new SearchError(`${where}.${field}: required for operator ${f.operator}`);
    return String(v);
  };
  const val = (field: string, v: unknown) => {
    const s = need(v, field);
    const n = norm(kind, s);
    if (typeof n === "number" && Number.isNaN(n)) throw new SearchError(`${where}.${field}: ${JSON.stringify(s)} is not a valid ${kind === "time" ? "date (epoch ms or ISO-8601)" : "number"} for ${name}`);
    return n;
  };
  const key = keyFn(ts, name, kind);
  const cmp = (rec: Rec, op: (a: number | string, b: number | string) => boolean, b: number | string): boolean => {
    const a = key(rec);
    return a === null ? false : op(a, b);
  };
  switch (f.operator) {
    case "EQ": { const b = val("value", f.value); return (r) => cmp(r, (a, x) => a === x, b); }
    case "NEQ": { const b = val("value", f.value); return (r) => !cmp(r, (a, x) => a === x, b); }
    case "LT": { const b = val("value", f.value); return (r) => cmp(r, (a, x) => a < x, b); }
    case "LTE": { const b = val("value", f.value); return (r) => cmp(r, (a, x) => a <= x, b); }
    case "GT": { const b = val("value", f.value); return (r) => cmp(r, (a, x) => a > x, b); }
    case "GTE": { const b = val("value", f.value); return (r) => cmp(r, (a, x) => a >= x, b); }
    case "BETWEEN": {
      const lo = val("value", f.value);
      const hi = val("highValue", f.highValue);
      return (r) => cmp(r, (a) => a >= lo && a <= hi, lo);
    }
    case "IN":
    case "NOT_IN": {
      if (!f.values || f.values.length === 0) throw new SearchError(`${where}.values: required (non-empty) for operator ${f.operator}`);
      const set = new Set(f.values.map((v, i) => val(`values[${i}]`, v)));
      const isIn = (r: Rec) => cmp(r, (a) => set.has(a), "");
      return f.operator === "IN" ? isIn : (r) => !isIn(r);
    }
    case "HAS_PROPERTY": return (r) => { const v = get(r); return v !== null && v !== ""; };
    case "NOT_HAS_PROPERTY": return (r) => { const v = get(r); return v === null || v === ""; };
    case "CONTAINS_TOKEN":
    case "NOT_CONTAINS_TOKEN": {
      const tok = need(f.value, "value").toLowerCase();
      const re = new RegExp(`(^|[^a-z0-9])${tok.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[a-z0-9]*")}($|[^a-z0-9])`);
      const has = (r: Rec) => { const v = get(r); return v !== null && re.test(v.toLowerCase()); };
      return f.operator === "CONTAINS_TOKEN" ? has : (r) => !has(r);
    }
  }
}

/** Default text-search fields for the `query` parameter. */
const QUERY_FIELDS: Record<string, string[]> = {
  companies: ["name", "domain", "website", "phone"],
  contacts: ["firstname", "lastname", "email", "phone", "company"],
  deals: ["dealname"],
  tickets: ["subject", "content"],
  calls: ["hs_call_title", "hs_call_body"],
  meetings: ["hs_meeting_title", "hs_meeting_body"],
  notes: ["hs_note_body"],
};

/** A predicate for the free-text `query` (prefix match on a type's default searchable fields). */
export function compileQuery(ts: TypeStore, q: string | undefined): Compiled {
  if (!q) return () => true;
  const needle = q.toLowerCase();
  const fields = QUERY_FIELDS[ts.type] ?? [];
  return (rec) => fields.some((f) => {
    const v = ts.get(rec, f);
    return v !== null && v.toLowerCase().split(/[\s@.]+/).some((w) => w.startsWith(needle)) || (v !== null && v.toLowerCase().startsWith(needle));
  });
}

/** Sort comparator for one sort (ties broken by id ascending). @throws SearchError for unknown properties. */
export function compileSort(ts: TypeStore, sorts: SearchRequest["sorts"]): (a: Rec, b: Rec) => number {
  if (!sorts || sorts.length === 0) return (a, b) => a.id - b.id;
  const s = sorts[0];
  const name = typeof s === "string" ? s.replace(/^-/, "") : s.propertyName;
  const desc = typeof s === "string" ? s.startsWith("-") : s.direction === "DESCENDING";
  if (!ts.defs.has(name)) throw new SearchError(`sorts[0]: Property "${name}" does not exist on ${ts.type}`);
  const key = keyFn(ts, name, kindOf(ts, name));
  return (a, b) => {
    const ka = key(a), kb = key(b);
    let c: number;
    if (ka === kb) c = 0;
    else if (ka === null) c = 1; // missing values last
    else if (kb === null) c = -1;
    else c = (ka < kb ? -1 : 1) * (desc ? -1 : 1);
    return c !== 0 ? c : a.id - b.id;
  };
}
