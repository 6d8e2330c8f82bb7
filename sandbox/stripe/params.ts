/**
 * Stripe's request parameter encoding (query string for GET, form body for POST), as stripe-node
 * 23.1.0 writes it (utils.js `stringifyRequestData`): nested objects with brackets
 * (`created[gte]=1700000000`), arrays with indexes (`expand[0]=data.customer`); `expand[]=` is also
 * accepted. Values stay strings; endpoints convert and validate them.
 */
import { invalidInteger, invalidParam, unknownParam, type StripeApiError } from "./errors";
import type { CreatedRange } from "./store";

/** A decoded parameter value. */
export type ParamValue = string | ParamValue[] | { [k: string]: ParamValue };
export type Params = Record<string, ParamValue>;

/**
 * Decodes `a[b][0]=x` pairs into nested objects/arrays.
 * @throws StripeApiError (400) when one key is used both as a value and as a container.
 */
export function decodeParams(search: URLSearchParams): Params {
  const root: Params = {};
  for (const [rawKey, value] of search) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!m) throw invalidParam(rawKey, `Invalid parameter name: ${rawKey}`, "parameter_unknown");
    const parts = [m[1], ...[...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1])];
    let node: Record<string, ParamValue> | ParamValue[] = root;
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const part = parts[i];
      const nextIsArray = !last && /^\d*$/.test(parts[i + 1]);
      if (Array.isArray(node)) {
        const idx = part === "" ? node.length : Number(part);
        if (last) node[idx] = value;
        else {
          node[idx] ??= nextIsArray ? [] : {};
          node = node[idx] as Record<string, ParamValue> | ParamValue[];
        }
      } else {
        if (last) {
          if (typeof node[part] === "object") throw invalidParam(rawKey, `Invalid value for ${rawKey}: mixes a value and nested parameters.`);
          node[part] = value;
        } else {
          const cur: ParamValue | undefined = node[part];
          if (cur === undefined) node[part] = nextIsArray ? [] : {};
          else if (typeof cur === "string") throw invalidParam(parts.slice(0, i + 1).join("."), `Invalid value for ${rawKey}: mixes a value and nested parameters.`);
          node = node[part] as Record<string, ParamValue> | ParamValue[];
        }
      }
    }
  }
  return root;
}

/** Throws parameter_unknown for the first parameter not in `allowed`. */
export function checkAllowed(params: Params, allowed: readonly string[]): void {
  for (const k of Object.keys(params)) if (!allowed.includes(k)) throw unknownParam(k);
}

/** A string parameter, or 400 if it is nested. */
export function asString(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalidParam(name, `Invalid string: ${name} must be a string.`);
  return v;
}

/** Parses an integer parameter; 400 parameter_invalid_integer naming it otherwise. */
export function parseInteger(value: ParamValue, name: string): number {
  if (typeof value !== "string" || !/^-?\d+$/.test(value.trim())) throw invalidInteger(name, typeof value === "string" ? value : JSON.stringify(value));
  return Number(value);
}

/** `limit`: 1-100, default 10; out of range → 400 parameter_invalid_integer naming `limit`. */
export function parseLimit(params: Params): number {
  const v = params.limit;
  if (v === undefined || v === "") return 10;
  const n = parseInteger(v, "limit");
  if (n < 1) throw invalidParam("limit", `This value must be greater than or equal to 1.`, "parameter_invalid_integer");
  if (n > 100) throw invalidParam("limit", `This value must be less than or equal to 100 (it currently is '${n}').`, "parameter_invalid_integer");
  return n;
}

/** A `created`-style filter: `created=N` or `created[gt|gte|lt|lte]=N` → inclusive range. */
export function parseRange(params: Params, name: string): CreatedRange | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v === "string") {
    const n = parseInteger(v, name);
    return { min: n, max: n };
  }
  if (Array.isArray(v)) throw invalidParam(name, `Invalid ${name}: must be an integer or a hash with gt, gte, lt, lte.`);
  const range = { min: -Infinity, max: Infinity };
  for (const [op, raw] of Object.entries(v)) {
    const n = parseInteger(raw, `${name}[${op}]`);
    if (op === "gt") range.min = Math.max(range.min, n + 1);
    else if (op === "gte") range.min = Math.max(range.min, n);
    else if (op === "lt") range.max = Math.min(range.max, n - 1);
    else if (op === "lte") range.max = Math.min(range.max, n);
    else throw unknownParam(`${name}[${op}]`);
  }
  return range;
}

/** `expand[]` as a list of paths (also accepts a single `expand=x`). */
export function parseExpand(params: Params): string[] {
  const v = params.expand;
  if (v === undefined) return [];
  const list = typeof v === "string" ? [v] : Array.isArray(v) ? v : null;
  if (!list || list.some((x) => typeof x !== "string")) throw invalidParam("expand", "Invalid array: expand must be a list of strings.");
  return (list as string[]).filter((x) => x !== undefined);
}

/** A list of strings (`types[0]=a&types[1]=b`). */
export function parseStringList(params: Params, name: string): string[] | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  const list = typeof v === "string" ? [v] : Array.isArray(v) ? v : null;
  if (!list || list.some((x) => typeof x !== "string")) throw invalidParam(name, `Invalid array: ${name} must be a list of strings.`);
  return list as string[];
}

export type { StripeApiError };
