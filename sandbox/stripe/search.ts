/**
 * A subset of Stripe's Search Query Language (https://docs.stripe.com/search#search-query-language)
 * for `GET /v1/{customers|subscriptions|invoices|charges}/search?query=…&page=…`.
 *
 * Supported: clauses `field:'value'` (exact, case-insensitive), `field~'value'` (substring, ≥ 3
 * characters), `-field:'value'` (negation), `metadata['key']:'value'`, numeric comparisons
 * `created>N`, `>=`, `<`, `<=` (and `field:N`), `field:null`; clauses joined by `AND` or by `OR`
 * (not both, as in Stripe). Values are quoted with '' or "". Unknown fields and syntax errors →
 * 400 naming `query`.
 */
import { invalidParam } from "./errors";
import type { Rec } from "./store";

type Op = ":" | "~" | ">" | ">=" | "<" | "<=";
type Clause = { field: string; metaKey?: string; op: Op; value: string | number | null; negate: boolean };

/** Searchable fields per resource; `number` fields compare numerically. */
export const SEARCH_FIELDS: Record<string, Record<string, "string" | "number" | "metadata">> = {
  customers: { created: "number", email: "string", metadata: "metadata", name: "string", phone: "string" },
  subscriptions: { created: "number", metadata: "metadata", status: "string" },
  invoices: { created: "number", currency: "string", customer: "string", metadata: "metadata", number: "string", receipt_number: "string", subscription: "string", total: "number", status: "string" },
  charges: { amount: "number", created: "number", currency: "string", customer: "string", metadata: "metadata", status: "string", disputed: "string", refunded: "string" },
};

const bad = (msg: string) => invalidParam("query", msg, "search_query_invalid");

function tokenizeValue(s: string, i: number): [string | number | null, number] {
  const q = s[i];
  if (q === "'" || q === '"') {
    let out = "";
    let j = i + 1;
    while (j < s.length && s[j] !== q) {
      if (s[j] === "\\" && j + 1 < s.length) j++;
      out += s[j++];
    }
    if (j >= s.length) throw bad(`There was an error parsing your query: unterminated string at position ${i}.`);
    return [out, j + 1];
  }
  const m = /^(-?\d+(?:\.\d+)?|null)/.exec(s.slice(i));
  if (!m) throw bad(`There was an error parsing your query: expected a quoted value or a number at position ${i}.`);
  return [m[1] === "null" ? null : Number(m[1]), i + m[1].length];
}

/**
 * Parses a query into a predicate over stored records of `resource`.
 * @throws StripeApiError (400, param `query`) on syntax errors, unknown fields or mixed AND/OR.
 */
export function compileSearch(resource: string, query: string): (r: Rec) => boolean {
  const fields = SEARCH_FIELDS[resource];
  const clauses: Clause[] = [];
  const joins: string[] = [];
  let i = 0;
  const s = query.trim();
  if (!s) throw bad("The query parameter is required and cannot be empty.");
  const skipWs = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  for (;;) {
    skipWs();
    let negate = false;
    if (s[i] === "-") {
      negate = true;
      i++;
    }
    const fm = /^([a-z_][a-z0-9_.]*)/.exec(s.slice(i));
    if (!fm) throw bad(`There was an error parsing your query: expected a field name at position ${i}.`);
    const field = fm[1];
    i += field.length;
    const kind = fields[field];
    if (!kind)
      throw bad(`Field \`${field}\` is an unsupported search field for resource \`${resource}\`. See https://stripe.com/docs/search#query-fields-for-${resource} for a list of supported fields.`);
    let metaKey: string | undefined;
    if (kind === "metadata") {
      const mm = /^\[(['"])(.*?)\1\]/.exec(s.slice(i));
      if (!mm) throw bad(`There was an error parsing your query: metadata needs a key, as in metadata['key'], at position ${i}.`);
      metaKey = mm[2];
      i += mm[0].length;
    }
    const om = /^(>=|<=|:|~|>|<)/.exec(s.slice(i));
    if (!om) throw bad(`There was an error parsing your query: expected an operator (: ~ > < >= <=) at position ${i}.`);
    const op = om[1] as Op;
    i += op.length;
    const [value, next] = tokenizeValue(s, i);
    i = next;
    if ((op === ">" || op === "<" || op === ">=" || op === "<=") && (kind !== "number" || typeof value !== "number"))
      throw bad(`There was an error parsing your query: ${op} needs a numeric field and value (${field}).`);
    if (op === "~" && (typeof value !== "string" || value.length < 3)) throw bad(`The ~ operator needs a string of at least 3 characters (${field}).`);
    clauses.push({ field, metaKey, op, value, negate });
    skipWs();
    if (i >= s.length) break;
    const jm = /^(AND|OR)\s/.exec(s.slice(i));
    if (!jm) throw bad(`There was an error parsing your query: expected AND or OR at position ${i}.`);
    joins.push(jm[1]);
    i += jm[1].length;
  }
  if (new Set(joins).size > 1) throw bad("Queries cannot mix AND and OR.");
  if (clauses.length > 10) throw bad("Queries can have at most 10 clauses.");
  const test = (c: Clause, r: Rec): boolean => {
    const raw = c.metaKey !== undefined ? (r.metadata as Record<string, unknown> | undefined)?.[c.metaKey] : r[c.field];
    let res: boolean;
    if (c.value === null) res = raw === null || raw === undefined;
    else if (c.op === ":") {
      res = typeof c.value === "number" ? Number(raw) === c.value : raw !== null && raw !== undefined && String(raw).toLowerCase() === c.value.toLowerCase();
    } else if (c.op === "~") res = raw !== null && raw !== undefined && String(raw).toLowerCase().includes(String(c.value).toLowerCase());
    else {
      const n = Number(raw);
      const v = c.value as number;
      res = c.op === ">" ? n > v : c.op === ">=" ? n >= v : c.op === "<" ? n < v : n <= v;
    }
    return c.negate ? !res : res;
  };
  const isOr = joins[0] === "OR";
  return (r) => (isOr ? clauses.some((c) => test(c, r)) : clauses.every((c) => test(c, r)));
}

/** Encodes a search page cursor (an offset) as Stripe-looking opaque text. */
export function encodePage(offset: number): string {
  return "page_" + Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

/** Decodes a `page` cursor. @throws StripeApiError (400, param `page`) when it is not ours. */
export function decodePage(page: string): number {
  try {
    if (!page.startsWith("page_")) throw new Error();
    const o = (JSON.parse(Buffer.from(page.slice(5), "base64url").toString()) as { o?: unknown }).o;
    if (typeof o !== "number" || !Number.isInteger(o) || o < 0) throw new Error();
    return o;
  } catch {
    throw invalidParam("page", `Invalid page: ${page}`);
  }
}
