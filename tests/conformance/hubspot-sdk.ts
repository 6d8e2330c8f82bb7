/**
 * The HubSpot referee: JSON schemas derived at test time from `@hubspot/api-client`'s generated code
 * (node_modules/@hubspot/api-client/lib/codegen/**), never from HubSpot's proprietary spec collection.
 *
 * - Operations: each `apis/*Api.js` has a `…RequestFactory` whose methods build the request
 *   (`localVarPath = '/crm/v3/objects/{objectType}'`, `HttpMethod.GET`, `setQueryParam("limit", …)` /
 *   `appendQueryParam("properties", …)` with the serialised type, the JSON body's model in
 *   `ObjectSerializer.serialize(x, "PublicObjectSearchRequest", "")`, form fields in
 *   `localVarFormParams.append('grant_type', …)`), and a `…ResponseProcessor` whose
 *   `<method>WithHttpInfo` maps status codes to the response model (`isCodeInRange("200", …)` →
 *   `deserialize(…, "CollectionResponse…")`).
 * - Models: `models/<Name>.js` static `attributeTypeMap` [{name, baseName, type, format}] gives the
 *   wire names (`baseName`) and types (`string`, `number`, `boolean`, `Date`, `Array<T>`,
 *   `{ [key: string]: T; }`, model names, `…Enum`); `models/<Name>.d.ts` gives required vs optional
 *   (`'name'?:`) and the enums' values. Models are closed (`additionalProperties: false`).
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ref, type JsonSchema, type SchemaSource } from "./schema";

const require = createRequire(import.meta.url);
const CODEGEN = path.join(path.dirname(require.resolve("@hubspot/api-client")), "codegen");
export const HUBSPOT_SDK_VERSION: string = (JSON.parse(readFileSync(path.join(CODEGEN, "..", "..", "package.json"), "utf8")) as { version: string }).version;

export type HubspotOperation = {
  label: string;
  /** codegen folder relative to lib/codegen, e.g. "crm/objects". */
  pkg: string;
  api: string;
  methodName: string;
  method: string;
  template: string;
  regex: RegExp;
  specificity: number;
  /** query parameter → serialised type ("number", "Array<string>", "boolean" …). */
  query: Record<string, string>;
  /** JSON body model, or null. */
  bodyModel: string | null;
  /** form fields (application/x-www-form-urlencoded), or null. */
  form: string[] | null;
  /** status code ("200", "207", "0" = default) → model name. */
  responses: Record<string, string>;
};

function apiDirs(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    if (!f.isDirectory()) continue;
    const p = path.join(dir, f.name);
    if (f.name === "apis" && existsSync(path.join(dir, "models"))) out.push(dir);
    else if (f.name !== "models") apiDirs(p, out);
  }
  return out;
}

/** Method bodies of one class in a generated api file: name → source text. */
function methodsOf(src: string, className: string): Map<string, string> {
  const out = new Map<string, string>();
  const start = src.indexOf(`class ${className}`);
  if (start < 0) return out;
  const end = src.indexOf("\nexports.", start);
  const body = src.slice(start, end < 0 ? undefined : end);
  const re = /\n {4}(\w+)\(([^)]*)\) \{/g;
  const heads: { name: string; at: number }[] = [];
  for (let m = re.exec(body); m; m = re.exec(body)) heads.push({ name: m[1]!, at: m.index });
  heads.forEach((h, i) => out.set(h.name, body.slice(h.at, heads[i + 1]?.at ?? body.length)));
  return out;
}

/** Every operation the SDK's generated API classes can send. */
export function hubspotOperations(): HubspotOperation[] {
  const ops: HubspotOperation[] = [];
  for (const dir of apiDirs(CODEGEN)) {
    const pkg = path.relative(CODEGEN, dir);
    for (const f of readdirSync(path.join(dir, "apis"))) {
      if (!/Api\.js$/.test(f) || f === "baseapi.js") continue;
      const api = f.replace(/\.js$/, "");
      const src = readFileSync(path.join(dir, "apis", f), "utf8");
      const factory = methodsOf(src, `${api}RequestFactory`);
      const processor = methodsOf(src, `${api}ResponseProcessor`);
      for (const [methodName, text] of factory) {
        const p = /localVarPath = '([^']+)'/.exec(text);
        const m = /HttpMethod\.(\w+)/.exec(text);
        if (!p || !m) continue;
        const template = p[1]!;
        const query: Record<string, string> = {};
        for (const q of text.matchAll(/if \((\w+) !== undefined\) \{\s*(?:requestContext\.setQueryParam\("(\w+)", ObjectSerializer_1\.ObjectSerializer\.serialize\(\w+, "([^"]+)"|const serializedParams = ObjectSerializer_1\.ObjectSerializer\.serialize\(\w+, "([^"]+)"[^]*?appendQueryParam\("(\w+)")/g)) {
          if (q[2]) query[q[2]] = q[3]!;
          else if (q[5]) query[q[5]] = q[4]!;
        }
        const body = /ObjectSerializer\.stringify\(ObjectSerializer_1\.ObjectSerializer\.serialize\(\w+, "([^"]+)"/.exec(text);
        const form = [...text.matchAll(/localVarFormParams\.append\('(\w+)'/g)].map((x) => x[1]!);
        const responses: Record<string, string> = {};
        const proc = processor.get(`${methodName}WithHttpInfo`) ?? "";
        for (const r of proc.matchAll(/isCodeInRange\)\("(\d+)", response\.httpStatusCode\)\) \{\s*const body = ObjectSerializer_1\.ObjectSerializer\.deserialize\(ObjectSerializer_1\.ObjectSerializer\.parse\(yield response\.body\.text\(\), contentType\), "([^"]+)"/g)) {
          responses[r[1]!] = r[2]!;
        }
        const literal = template.replace(/\{\w+\}/g, "");
        const regex = new RegExp(`^${template.split(/\{\w+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, "\\$&")).join("[^/]+")}$`);
        ops.push({ label: `${m[1]} ${template}`, pkg, api, methodName, method: m[1]!, template, regex, specificity: literal.length, query, bodyModel: body?.[1] ?? null, form: form.length ? form : null, responses });
      }
    }
  }
  return ops;
}

/** The most specific operation for a request, or null (an endpoint the SDK does not wrap). */
export function matchHubspotOperation(ops: HubspotOperation[], method: string, pathname: string): HubspotOperation | null {
  let best: HubspotOperation | null = null;
  for (const o of ops) if (o.method === method && o.regex.test(pathname) && (!best || o.specificity > best.specificity)) best = o;
  return best;
}

type AttributeType = { name: string; baseName: string; type: string; format: string };

/** Definitions `<Model>@<pkg>` built from the generated models; every model is an anchor. */
export class HubspotSchemas implements SchemaSource {
  private readonly built = new Map<string, JsonSchema>();

  isAnchor(): boolean {
    return true;
  }

  /** `$ref` for a model of a codegen package. */
  model(pkg: string, name: string): JsonSchema {
    return ref(`${name}@${pkg}`);
  }

  definition(defName: string): JsonSchema {
    const hit = this.built.get(defName);
    if (hit) return hit;
    const [name, pkg] = defName.split("@") as [string, string];
    const dir = path.join(CODEGEN, pkg, "models");
    const out: JsonSchema = {};
    this.built.set(defName, out);
    const enums = this.enums(pkg, name);
    if (enums) {
      Object.assign(out, { enum: enums });
      return out;
    }
    const js = path.join(dir, `${name}.js`);
    if (!existsSync(js)) throw new Error(`no HubSpot model ${name} in ${pkg}`);
    const cls = (require(js) as Record<string, { attributeTypeMap?: AttributeType[] }>)[name];
    const map = cls?.attributeTypeMap ?? [];
    const dts = readFileSync(path.join(dir, `${name}.d.ts`), "utf8");
    const optional = new Set([...dts.matchAll(/^\s+'(\w+)'\?:/gm)].map((m) => m[1]!));
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const a of map) {
      properties[a.baseName] = this.typeSchema(pkg, name, a.type, a.format);
      if (!optional.has(a.name)) required.push(a.baseName);
    }
    Object.assign(out, { type: "object", properties, required, additionalProperties: false } satisfies JsonSchema);
    return out;
  }

  /** Values of `export declare enum <name>` in the model's own .d.ts (enums live beside their model). */
  private enums(pkg: string, name: string): string[] | null {
    if (!name.endsWith("Enum")) return null;
    const dir = path.join(CODEGEN, pkg, "models");
    for (const f of readdirSync(dir)) {
      if (!f.endsWith(".d.ts")) continue;
      const src = readFileSync(path.join(dir, f), "utf8");
      const m = new RegExp(`export declare enum ${name} \\{([^}]*)\\}`).exec(src);
      if (m) return [...m[1]!.matchAll(/= "([^"]*)"/g)].map((x) => x[1]!);
    }
    return null;
  }

  /** An attributeTypeMap type string → schema. */
  typeSchema(pkg: string, owner: string, type: string, format = ""): JsonSchema {
    const t = type.trim();
    const top = splitTop(t, "|");
    if (top.length > 1) return { anyOf: top.map((x) => this.typeSchema(pkg, owner, x)) };
    if (t.startsWith("Array<") && t.endsWith(">")) return { type: "array", items: this.typeSchema(pkg, owner, t.slice(6, -1)) };
    const idx = /^\{ \[key: string\]: (.+); \}$/.exec(t);
    if (idx) return { type: "object", properties: {}, additionalProperties: this.typeSchema(pkg, owner, idx[1]!) };
    switch (t) {
      case "string": return format === "date-time" ? { type: "string", format: "date-time" } : { type: "string" };
      case "number": return /int/.test(format) ? { type: "integer" } : { type: "number" };
      case "boolean": return { type: "boolean" };
      case "null": return { type: "null" };
      case "Date": return { type: "string", format: "date-time" };
      case "any": case "object": return {};
    }
    return ref(`${t}@${pkg}`);
  }
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "<" || ch === "{") depth++;
    if (ch === ">" || ch === "}") depth--;
    if (ch === sep && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  out.push(cur.trim());
  return out.filter(Boolean);
}
