/**
 * API JSON is snake_case everywhere (requests and responses); domain code is camelCase.
 * `toSnakeCase` converts object keys deeply for responses. Keys that are not plain camelCase
 * identifiers (e.g. "hs_lastmodifieddate", "cus_123", "Content-Type") are left untouched.
 * Dates become ISO strings.
 */
const CAMEL = /^[a-z][a-zA-Z0-9]*$/;

export function camelToSnake(key: string): string {
  return CAMEL.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;
}

/** Keys of these objects are data (vendor metadata, mappings), not field names: never converted. */
const OPAQUE_KEYS = new Set(["metadata", "properties", "custom_fields", "property_mappings", "weights", "mrr_by_currency", "raw", "payload"]);

export function toSnakeCase(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(toSnakeCase);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sk = camelToSnake(k);
      out[sk] = OPAQUE_KEYS.has(sk) ? v : toSnakeCase(v);
    }
    return out;
  }
  return value;
}
