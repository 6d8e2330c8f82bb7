/**
 * The JSON-Schema subset the conformance suite derives from the vendors' SDKs, and its validator.
 *
 * Schemas are plain JSON Schema (draft-07 keywords: `type`, `enum`, `properties`, `required`,
 * `additionalProperties`, `items`, `anyOf`, `oneOf`, `$ref`, `format`) plus two annotations:
 * - `discriminator` (OpenAPI style, `{propertyName, mapping: value → $ref}`) for Stripe's Event union,
 *   so only the branch of the event's `type` is generated and checked;
 * - `x-expandable: true` on an `anyOf` that is Stripe's `string | T` (an expandable reference).
 *
 * Definitions are produced lazily by a {@link SchemaSource} (a $ref is derived the first time it is
 * followed): the Stripe package alone declares thousands of interfaces.
 *
 * A {@link Violation} names the nearest *anchor* definition (a top-level vendor type such as
 * `Subscription` or `SimplePublicObject`) and the field path inside it (`items.data[].price`), so that
 * violations can be matched against the fields the connectors read (fields-read.ts) and the
 * allowlist (allowlist.json) whatever endpoint returned the object.
 */

export type JsonSchema = {
  $ref?: string;
  type?: "string" | "number" | "integer" | "boolean" | "null" | "object" | "array";
  enum?: (string | number | boolean | null)[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  discriminator?: { propertyName: string; mapping: Record<string, string> };
  "x-expandable"?: true;
  description?: string;
};

/** Produces definitions by name (`#/definitions/<name>`); `anchor` says whether violations inside restart their path. */
export type SchemaSource = {
  definition(name: string): JsonSchema;
  isAnchor(name: string): boolean;
};

export type ViolationKind = "type" | "required" | "unknown-field" | "enum" | "format" | "discriminator";

export type Violation = {
  /** Anchor definition the field belongs to, e.g. "Subscription", "SimplePublicObject". */
  anchor: string;
  /** Field path inside the anchor; array elements as `[]`, e.g. "items.data[].price". "" = the object itself. */
  field: string;
  kind: ViolationKind;
  message: string;
};

export const refName = (ref: string): string => ref.replace(/^#\/definitions\//, "");
export const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });

const typeOfValue = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** A short description of a schema for messages: "string | Customer | null". */
export function describe(s: JsonSchema, depth = 0): string {
  if (s.$ref) return refName(s.$ref);
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(" | ");
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return depth > 1 ? "union" : alts.map((a) => describe(a, depth + 1)).join(" | ");
  if (s.type === "array") return `Array<${s.items ? describe(s.items, depth + 1) : "unknown"}>`;
  if (s.type === "string" && s.format) return `string(${s.format})`;
  if (s.type) return s.type;
  return "unknown";
}

export type ValidateOptions = {
  /**
   * Coerce scalar strings (query-string parameters arrive as text): "12" is a number, "true" a
   * boolean. Off for JSON bodies.
   */
  coerceStrings?: boolean;
};

/**
 * Validates `value` against `schema`; returns every violation (empty = conforms).
 * `anchor`/`field` name where `value` sits when the schema is not a $ref (e.g. "ApiList<Subscription>").
 */
export function validate(value: unknown, schema: JsonSchema, src: SchemaSource, anchor: string, opts: ValidateOptions = {}, field = ""): Violation[] {
  const out: Violation[] = [];
  walk(value, schema, src, { anchor, field }, opts, out);
  return out;
}

type Loc = { anchor: string; field: string };

const join = (field: string, key: string) => (field ? `${field}.${key}` : key);

function walk(value: unknown, schema: JsonSchema, src: SchemaSource, loc: Loc, opts: ValidateOptions, out: Violation[]): void {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    const def = src.definition(name);
    // A value of the wrong JSON type is reported where it sits (SubscriptionItem.price: expected Price, got string).
    const accepts = baseTypes(def, src);
    if (accepts.size && !accepts.has(jsonType(value)) && !(opts.coerceStrings && typeof value === "string")) {
      out.push({ ...loc, kind: "type", message: `expected ${name.split("@")[0]}, got ${typeOfValue(value)}${sample(value)}` });
      return;
    }
    walk(value, def, src, src.isAnchor(name) ? { anchor: name, field: "" } : loc, opts, out);
    return;
  }
  if (schema.oneOf && schema.discriminator) {
    const { propertyName, mapping } = schema.discriminator;
    const v = value && typeof value === "object" ? (value as Record<string, unknown>)[propertyName] : undefined;
    const target = typeof v === "string" ? mapping[v] : undefined;
    if (!target) {
      out.push({ ...loc, field: join(loc.field, propertyName), kind: "discriminator", message: `${JSON.stringify(v)} is not one of the ${Object.keys(mapping).length} declared ${propertyName} values` });
      return;
    }
    walk(value, { $ref: target }, src, loc, opts, out);
    return;
  }
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) {
    let best: Violation[] | null = null;
    let bestMatchesType = false;
    for (const a of alts) {
      const errs: Violation[] = [];
      walk(value, a, src, loc, opts, errs);
      if (errs.length === 0) return;
      // Prefer the branch whose own type matches the value (an object checked against the object branch).
      const accepts = baseTypes(a, src);
      const matchesType = accepts.size === 0 || accepts.has(jsonType(value));
      if (best === null || (matchesType && !bestMatchesType) || (matchesType === bestMatchesType && errs.length < best.length)) {
        best = errs;
        bestMatchesType = matchesType;
      }
    }
    if (best && bestMatchesType) out.push(...best);
    else out.push({ ...loc, kind: "type", message: `expected ${describe(schema)}, got ${typeOfValue(value)}${sample(value)}` });
    return;
  }
  if (schema.enum) {
    let v = value;
    if (opts.coerceStrings && typeof v === "string") {
      if (schema.enum.includes(Number(v)) && v.trim() !== "") v = Number(v);
      else if (v === "true" || v === "false") v = schema.enum.includes(v === "true") ? v === "true" : v;
    }
    if (!schema.enum.includes(v as never)) {
      out.push({ ...loc, kind: schema.enum.every((e) => typeof e === "string") && typeof value === "string" ? "enum" : "type", message: `${JSON.stringify(value)} is not one of ${describe(schema)}` });
    }
    return;
  }
  switch (schema.type) {
    case undefined:
      return; // unknown / any
    case "null":
      if (value !== null) out.push({ ...loc, kind: "type", message: `expected null, got ${typeOfValue(value)}` });
      return;
    case "string":
      if (typeof value !== "string") out.push({ ...loc, kind: "type", message: `expected ${describe(schema)}, got ${typeOfValue(value)}${sample(value)}` });
      else if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) out.push({ ...loc, kind: "format", message: `${JSON.stringify(value)} is not a date-time` });
      else if (schema.format === "decimal" && !/^-?\d+(\.\d+)?$/.test(value)) out.push({ ...loc, kind: "format", message: `${JSON.stringify(value)} is not a decimal string` });
      return;
    case "number":
    case "integer": {
      const n = opts.coerceStrings && typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n)) out.push({ ...loc, kind: "type", message: `expected number, got ${typeOfValue(value)}${sample(value)}` });
      else if (schema.type === "integer" && !Number.isInteger(n)) out.push({ ...loc, kind: "type", message: `expected integer, got ${n}` });
      return;
    }
    case "boolean": {
      const ok = typeof value === "boolean" || (opts.coerceStrings && (value === "true" || value === "false"));
      if (!ok) out.push({ ...loc, kind: "type", message: `expected boolean, got ${typeOfValue(value)}${sample(value)}` });
      return;
    }
    case "array": {
      if (!Array.isArray(value)) {
        out.push({ ...loc, kind: "type", message: `expected ${describe(schema)}, got ${typeOfValue(value)}${sample(value)}` });
        return;
      }
      if (schema.items) for (const el of value) walk(el, schema.items, src, { anchor: loc.anchor, field: `${loc.field}[]` }, opts, out);
      return;
    }
    case "object": {
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        out.push({ ...loc, kind: "type", message: `expected ${describe(schema) === "object" ? "object" : describe(schema)}, got ${typeOfValue(value)}${sample(value)}` });
        return;
      }
      const obj = value as Record<string, unknown>;
      const props = schema.properties ?? {};
      for (const r of schema.required ?? []) {
        if (!(r in obj) || obj[r] === undefined) out.push({ ...loc, field: join(loc.field, r), kind: "required", message: `required field missing` });
      }
      for (const [k, v] of Object.entries(obj)) {
        if (v === undefined) continue;
        const ps = props[k];
        if (ps) walk(v, ps, src, { anchor: loc.anchor, field: join(loc.field, k) }, opts, out);
        else if (schema.additionalProperties === false) out.push({ ...loc, field: join(loc.field, k), kind: "unknown-field", message: `field not declared by the SDK type` });
        else if (schema.additionalProperties && typeof schema.additionalProperties === "object") walk(v, schema.additionalProperties, src, { anchor: loc.anchor, field: join(loc.field, "*") }, opts, out);
      }
      return;
    }
  }
}

/** The JSON types a schema can accept at its top level (empty = anything). */
function baseTypes(s: JsonSchema, src: SchemaSource, depth = 0): Set<string> {
  if (depth > 8) return new Set();
  if (s.$ref) return baseTypes(src.definition(refName(s.$ref)), src, depth + 1);
  if (s.discriminator) return new Set(["object"]);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const out = new Set<string>();
    for (const a of alts) {
      const b = baseTypes(a, src, depth + 1);
      if (b.size === 0) return b;
      for (const t of b) out.add(t);
    }
    return out;
  }
  if (s.enum) return new Set(s.enum.map((e) => jsonType(e)));
  if (!s.type) return new Set();
  return new Set([s.type === "integer" ? "number" : s.type]);
}

const jsonType = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

function sample(v: unknown): string {
  if (typeof v === "string") return ` ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number" || typeof v === "boolean") return ` ${v}`;
  return "";
}
