/**
 * The Stripe referee: JSON schemas derived at test time from the pinned `stripe` package
 * (node_modules/stripe, 23.1.0 → API version in `cjs/apiVersion.js`).
 *
 * - Endpoints: every resource method in `cjs/resources/**.js` is `this._makeRequest(METHOD, PATH, …)`;
 *   the method of the same name on the resource class in the matching `.d.ts` gives the parameter
 *   type (e.g. `SubscriptionListParams`) and the return type (`ApiListPromise<Subscription>`,
 *   `Promise<Response<Invoice>>`).
 * - Types → JSON Schema with the TypeScript 5.9 compiler API (checker): property names, optional vs
 *   required (`?`), `| null`, primitives, string-literal unions (`enum`), nested interfaces and
 *   namespaces (`Subscription.AutomaticTax` → `$ref`), index signatures (`Metadata` →
 *   `additionalProperties`), `Decimal` (a decimal string on the wire), `string | T` (an expandable
 *   reference, marked `x-expandable`), and the `Event` union (a discriminator on `type`).
 *   Interfaces are closed (`additionalProperties: false`): a field the pinned types do not declare is
 *   a violation (Stripe's types are generated from its OpenAPI spec for exactly this version).
 * - Expansion paths (`expand[]`) are resolved against the response type: every segment must exist,
 *   the last must be expandable, and at most four segments (https://docs.stripe.com/expand: "You can
 *   expand recursively … to a maximum of four levels").
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import ts from "typescript";
import { ref, refName, type JsonSchema, type SchemaSource, type Violation } from "./schema";

const require = createRequire(import.meta.url);
/** node_modules/stripe (the package's `exports` hide package.json, so resolve its main entry and go up). */
const STRIPE_DIR = path.resolve(path.dirname(require.resolve("stripe")), "..");
const RES_DIR = path.join(STRIPE_DIR, "cjs", "resources");

/** The API version the pinned SDK sends (its types describe this version only). */
export const STRIPE_SDK_API_VERSION: string = (require(path.join(STRIPE_DIR, "cjs", "apiVersion.js")) as { ApiVersion: string }).ApiVersion;
export const STRIPE_SDK_VERSION: string = (require(path.join(STRIPE_DIR, "package.json")) as { version: string }).version;

/** Stripe's documented maximum expansion depth (https://docs.stripe.com/expand). */
export const MAX_EXPAND_DEPTH = 4;

export type StripeOperation = {
  /** "GET /v1/subscriptions/{id}" */
  label: string;
  method: string;
  template: string;
  regex: RegExp;
  /** Literal characters in the template (more = more specific). */
  specificity: number;
  dts: string;
  methodName: string;
};

function walkFiles(dir: string, ext: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) walkFiles(p, ext, out);
    else if (f.endsWith(ext) && !f.endsWith(".d.ts") && !f.endsWith(".map")) out.push(p);
  }
  return out;
}

/** Every `_makeRequest(METHOD, PATH)` of the SDK's resources. */
export function stripeOperations(): StripeOperation[] {
  const ops: StripeOperation[] = [];
  for (const js of walkFiles(RES_DIR, ".js")) {
    const src = readFileSync(js, "utf8");
    // Each method body (4-space indented `name(…) {` … `    }`) holds one `this._makeRequest('METHOD', 'path' | `path`, …)`.
    const re = /\n {4}(\w+)\([^)]*\) \{\n([^]*?)\n {4}\}/g;
    for (let mm = re.exec(src); mm; mm = re.exec(src)) {
      const m = /this\._makeRequest\('(\w+)', ([`'])([^`']+)\2/.exec(mm[2]!);
      if (!m) continue;
      const methodName = mm[1]!;
      const [, method, , raw] = m;
      const template = raw!.replace(/\$\{encodeURIComponent\((\w+)\)\}/g, "{$1}");
      const literal = template.replace(/\{\w+\}/g, "");
      const regex = new RegExp(`^${template.split(/\{\w+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, "\\$&")).join("[^/]+")}$`);
      ops.push({ label: `${method} ${template}`, method: method!, template, regex, specificity: literal.length, dts: js.replace(/\.js$/, ".d.ts"), methodName: methodName! });
    }
  }
  return ops;
}

/** The most specific operation for a request, or null. */
export function matchStripeOperation(ops: StripeOperation[], method: string, pathname: string): StripeOperation | null {
  let best: StripeOperation | null = null;
  for (const o of ops) if (o.method === method && o.regex.test(pathname) && (!best || o.specificity > best.specificity)) best = o;
  return best;
}

type Def = { type: ts.Type } | { schema: JsonSchema };

/**
 * The compiled Stripe type declarations and a lazy JSON-Schema registry over them.
 * Construction parses the package's declarations (~3-10 s).
 */
export class StripeSchemas implements SchemaSource {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  private readonly defs = new Map<string, Def>();
  private readonly built = new Map<string, JsonSchema>();
  private readonly opTypes = new Map<string, { params: JsonSchema | null; response: JsonSchema; responseName: string }>();
  private readonly anchors = new Set<string>();

  constructor() {
    const roots = readdirSync(RES_DIR).filter((f) => f.endsWith(".d.ts")).map((f) => path.join(RES_DIR, f));
    const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], strict: true, types: [], skipLibCheck: true, noEmit: true };
    const host = ts.createCompilerHost(options);
    // Most of the 9 MB of declarations are doc comments, which the schemas do not need: skip parsing them.
    host.jsDocParsingMode = ts.JSDocParsingMode.ParseNone;
    this.program = ts.createProgram({ rootNames: [...roots, path.join(STRIPE_DIR, "cjs", "lib.d.ts")], options, host });
    this.checker = this.program.getTypeChecker();
  }

  isAnchor(name: string): boolean {
    return this.anchors.has(name);
  }

  definition(name: string): JsonSchema {
    const done = this.built.get(name);
    if (done) return done;
    const d = this.defs.get(name);
    if (!d) throw new Error(`no Stripe definition ${name}`);
    if ("schema" in d) return d.schema;
    const placeholder: JsonSchema = {};
    this.built.set(name, placeholder); // recursion guard: filled in place below
    Object.assign(placeholder, this.structural(d.type));
    return placeholder;
  }

  /** Parameter and response schemas of an SDK operation (from the resource class method's signature). */
  operationTypes(op: StripeOperation): { params: JsonSchema | null; response: JsonSchema; responseName: string } {
    const key = `${op.dts}#${op.methodName}`;
    const hit = this.opTypes.get(key);
    if (hit) return hit;
    const sf = this.program.getSourceFile(op.dts);
    if (!sf) throw new Error(`stripe declarations not loaded: ${op.dts}`);
    const mod = this.checker.getSymbolAtLocation(sf)!;
    let sig: ts.Signature | undefined;
    for (const s of this.checker.getExportsOfModule(mod)) {
      if (!(s.flags & ts.SymbolFlags.Class)) continue;
      const m = this.checker.getDeclaredTypeOfSymbol(s).getProperty(op.methodName);
      if (m) {
        sig = this.checker.getTypeOfSymbol(m).getCallSignatures()[0];
        break;
      }
    }
    if (!sig) throw new Error(`no SDK method ${op.methodName} in ${op.dts}`);
    const p = sig.getParameters().find((x) => x.name === "params");
    const params = p ? this.schemaOf(this.checker.getNonNullableType(this.checker.getTypeOfSymbol(p))) : null;
    let ret = this.checker.getAwaitedType(sig.getReturnType()) ?? sig.getReturnType();
    // Response<T> = T & { lastResponse }: keep T.
    if (ret.flags & ts.TypeFlags.Intersection) {
      const parts = (ret as ts.IntersectionType).types.filter((t) => !t.getProperty("lastResponse"));
      if (parts.length === 1) ret = parts[0]!;
    }
    const response = this.schemaOf(ret);
    const out = { params, response, responseName: response.$ref ? refName(response.$ref) : this.checker.typeToString(ret) };
    this.opTypes.set(key, out);
    return out;
  }

  /** A type by its qualified name in a resource file, e.g. ("Events.d.ts", "Event"). */
  namedType(file: string, name: string): JsonSchema {
    const sf = this.program.getSourceFile(path.join(RES_DIR, file))!;
    const sym = this.checker.getExportsOfModule(this.checker.getSymbolAtLocation(sf)!).find((s) => s.name === name);
    if (!sym) throw new Error(`no ${name} in ${file}`);
    return this.schemaOf(this.checker.getDeclaredTypeOfSymbol(sym));
  }

  // ───────────── type → schema ─────────────

  /** Display name of a symbol: namespaces joined by dots; a sub-folder resource is prefixed ("Billing/"). */
  private symbolName(sym: ts.Symbol): string {
    const fq = this.checker.getFullyQualifiedName(sym);
    const m = /^"([^"]+)"\.(.+)$/.exec(fq);
    if (!m) return fq;
    const rel = path.relative(RES_DIR, m[1]!);
    const dir = rel.startsWith("..") ? "" : path.dirname(rel);
    return dir && dir !== "." ? `${dir}/${m[2]}` : m[2]!;
  }

  private typeName(t: ts.Type): string | null {
    const alias = t.aliasSymbol;
    if (alias && alias.name !== "Emptyable") {
      const args = t.aliasTypeArguments ?? [];
      if (alias.name === "Partial" && args.length === 1) return `Partial<${this.typeName(args[0]!) ?? "?"}>`;
      return args.length ? `${this.symbolName(alias)}<${args.map((a) => this.typeName(a) ?? this.checker.typeToString(a)).join(", ")}>` : this.symbolName(alias);
    }
    if (!(t.flags & ts.TypeFlags.Object)) return null;
    const o = t as ts.ObjectType;
    const sym = t.getSymbol();
    if (!sym || sym.name === "__type" || sym.name === "__object") return null;
    if (o.objectFlags & ts.ObjectFlags.Reference) {
      const r = t as ts.TypeReference;
      const args = this.checker.getTypeArguments(r);
      if (args.length && r.target !== t) return `${this.symbolName(sym)}<${args.map((a) => this.typeName(a) ?? this.checker.typeToString(a)).join(", ")}>`;
    }
    if (o.objectFlags & (ts.ObjectFlags.Interface | ts.ObjectFlags.Class | ts.ObjectFlags.Reference)) return this.symbolName(sym);
    return null;
  }

  schemaOf(t: ts.Type): JsonSchema {
    const f = t.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (f & ts.TypeFlags.String) return { type: "string" };
    if (f & ts.TypeFlags.Number) return { type: "number" };
    if (f & ts.TypeFlags.Boolean) return { type: "boolean" };
    if (f & ts.TypeFlags.Null) return { type: "null" };
    if (f & ts.TypeFlags.StringLiteral) return { enum: [(t as ts.StringLiteralType).value] };
    if (f & ts.TypeFlags.NumberLiteral) return { enum: [(t as ts.NumberLiteralType).value] };
    if (f & ts.TypeFlags.BooleanLiteral) return { enum: [(t as unknown as { intrinsicName: string }).intrinsicName === "true"] };
    // Decimal (Decimal.d.ts: a branded class type) travels as a decimal string ("1999.5").
    if (t.aliasSymbol?.name === "Decimal" && t.aliasSymbol.declarations?.some((d) => d.getSourceFile().fileName.endsWith("Decimal.d.ts"))) return { type: "string", format: "decimal" };
    if (f & ts.TypeFlags.Union) return this.unionSchema(t as ts.UnionType);
    if (f & ts.TypeFlags.Object || f & ts.TypeFlags.Intersection) {
      if (this.checker.isArrayType(t) || this.checker.isTupleType(t)) {
        const [el] = this.checker.getTypeArguments(t as ts.TypeReference);
        return { type: "array", items: el ? this.schemaOf(el) : {} };
      }
      const sym = t.getSymbol();
      if (sym?.name === "Decimal" && sym.declarations?.some((d) => d.getSourceFile().fileName.endsWith("Decimal.d.ts"))) return { type: "string", format: "decimal" };
      if (t.getCallSignatures().length && !t.getProperties().length) return {};
      const name = this.typeName(t);
      if (name) {
        if (!this.defs.has(name)) {
          this.defs.set(name, { type: t });
          // Anchors: top-level interfaces of the resources (Subscription, Price, CustomerUpdatedEvent …).
          if (!name.includes(".") && !name.includes("<") && !name.includes("/") && sym && sym.flags & ts.SymbolFlags.Interface) this.anchors.add(name);
        }
        return ref(name);
      }
      return this.structural(t);
    }
    return {};
  }

  private unionSchema(u: ts.UnionType): JsonSchema {
    const name = u.aliasSymbol ? this.typeName(u) : null;
    const members = u.types.filter((m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
    // A large named union of object types sharing a string-literal `type` (Stripe's Event): discriminate.
    if (name && members.length > 2 && members.every((m) => m.flags & ts.TypeFlags.Object)) {
      const mapping: Record<string, string> = {};
      let ok = true;
      for (const m of members) {
        const p = m.getProperty("type");
        const pt = p ? this.checker.getTypeOfSymbol(p) : null;
        const mref = this.schemaOf(m);
        if (!pt || !(pt.flags & ts.TypeFlags.StringLiteral) || !mref.$ref || mapping[(pt as ts.StringLiteralType).value]) {
          ok = false;
          break;
        }
        mapping[(pt as ts.StringLiteralType).value] = mref.$ref;
      }
      if (ok) {
        if (!this.defs.has(name)) this.defs.set(name, { schema: { oneOf: Object.values(mapping).map(($ref) => ({ $ref })), discriminator: { propertyName: "type", mapping } } });
        return ref(name);
      }
    }
    const lits: (string | number | boolean)[] = [];
    const rest: JsonSchema[] = [];
    for (const m of members) {
      const s = this.schemaOf(m);
      if (s.enum && !s.type) lits.push(...(s.enum as (string | number | boolean)[]));
      else rest.push(s);
    }
    if (lits.includes(true) && lits.includes(false)) {
      rest.push({ type: "boolean" });
      lits.splice(0, lits.length, ...lits.filter((l) => typeof l !== "boolean"));
    }
    const alts = [...(lits.length ? [{ enum: lits }] : []), ...rest];
    if (alts.length === 1) return alts[0]!;
    const out: JsonSchema = { anyOf: alts };
    if (rest.some((r) => r.type === "string" && !r.format) && rest.some((r) => r.$ref)) out["x-expandable"] = true;
    return out;
  }

  /** An object type's properties (closed unless it has a string index signature). */
  private structural(t: ts.Type): JsonSchema {
    if (t.flags & ts.TypeFlags.Union) return this.unionSchema(t as ts.UnionType);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const p of this.checker.getPropertiesOfType(t)) {
      if (p.name === "lastResponse" || p.name.startsWith("__@")) continue;
      const pt = this.checker.getTypeOfSymbol(p);
      if (pt.getCallSignatures().length && !(pt.flags & ts.TypeFlags.Union)) continue; // methods
      properties[p.name] = this.schemaOf(pt);
      if (!(p.flags & ts.SymbolFlags.Optional)) required.push(p.name);
    }
    const idx = this.checker.getIndexInfosOfType(t).find((i) => i.keyType.flags & ts.TypeFlags.String);
    return { type: "object", properties, required, additionalProperties: idx ? this.schemaOf(idx.type) : false };
  }
}

// ───────────── requests ─────────────

/**
 * Decodes Stripe's form/query encoding (`expand[0]=a`, `expand[]=a`, `created[gte]=1`, `metadata[k]=v`)
 * into nested objects and arrays.
 */
export function decodeStripeParams(search: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of search) {
    const parts = key.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(parts[i + 1]!);
      if (Array.isArray(node)) {
        const idx = part === "" ? node.length : Number(part);
        if (last) node[idx] = value;
        else node = (node[idx] ??= nextIsIndex ? [] : {}) as Record<string, unknown> | unknown[];
      } else {
        if (last) node[part] = value;
        else node = (node[part] ??= nextIsIndex ? [] : {}) as Record<string, unknown> | unknown[];
      }
    });
  }
  return root;
}

/** Checks one `expand[]` path against the response schema (segments exist, last expandable, depth ≤ 4). */
export function checkExpandPath(expandPath: string, response: JsonSchema, src: SchemaSource, paramsAnchor: string): Violation[] {
  const segs = expandPath.split(".");
  const out: Violation[] = [];
  const v = (message: string): Violation => ({ anchor: paramsAnchor, field: "expand[]", kind: "type", message: `${JSON.stringify(expandPath)}: ${message}` });
  if (segs.length > MAX_EXPAND_DEPTH) out.push(v(`expansion depth ${segs.length} exceeds Stripe's maximum of ${MAX_EXPAND_DEPTH} (real API: 400)`));
  const deref = (s: JsonSchema): JsonSchema => (s.$ref ? deref(src.definition(refName(s.$ref))) : s);
  const objectPart = (s: JsonSchema): JsonSchema | null => {
    const d = deref(s);
    if (d.type === "array" && d.items) return objectPart(d.items);
    if (d.type === "object") return d;
    for (const a of d.anyOf ?? []) {
      const o = objectPart(a);
      if (o) return o;
    }
    return null;
  };
  let cur: JsonSchema | null = objectPart(response);
  for (const [i, seg] of segs.entries()) {
    const prop: JsonSchema | undefined = cur?.properties?.[seg];
    if (!prop) {
      out.push(v(`"${segs.slice(0, i + 1).join(".")}" is not a field of the response type`));
      return out;
    }
    const d = deref(prop);
    if (i === segs.length - 1 && !d["x-expandable"]) out.push(v(`"${seg}" is not expandable in the SDK type`));
    cur = objectPart(prop);
  }
  return out;
}
