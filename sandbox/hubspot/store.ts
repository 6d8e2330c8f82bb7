/**
 * In-memory CRM data of the HubSpot sandbox, stored compactly: one record per object holds a
 * numeric id, created/updated epoch-ms numbers and a positional array of property values
 * (columns shared per object type). Derived properties (`hs_object_id`, `createdate`,
 * `hs_lastmodifieddate` / contacts' `lastmodifieddate`) are computed on read, never stored.
 */
import {
  defaultGroup, derivedProperties, inferType, lastModifiedProperty, makeProperty, seedProperties,
  type PropertyDef, type PropertyGroup,
} from "./properties";
import { OBJECT_TYPES, type HubspotObject, type HubspotOwner, type HubspotPortfolio, type ObjectType } from "./types";

/** One stored record. `values[i]` is the value of `TypeStore.propNames[i]` (undefined = never set). */
export type Rec = { id: number; created: number; updated: number; archivedAt: number | null; values: (string | null | undefined)[] };

/** Thrown when portfolio data cannot be stored; names the record and field. */
export class HubspotDataError extends Error {
  constructor(public readonly record: string, public readonly field: string, message: string) {
    super(`${record}: ${field}: ${message}`);
    this.name = "HubspotDataError";
  }
}

/** Records, property definitions and groups of one object type. */
export class TypeStore {
  readonly propNames: string[] = [];
  readonly propIndex = new Map<string, number>();
  readonly defs = new Map<string, PropertyDef>();
  readonly groups = new Map<string, PropertyGroup>();
  readonly recs = new Map<number, Rec>();
  /** Ids in ascending order, archived ones included. */
  readonly order: number[] = [];
  private sorted = true;
  nextId = 1;
  readonly derived: Set<string>;
  readonly lastModified: string;

  constructor(readonly type: ObjectType, at: string) {
    this.derived = new Set(derivedProperties(type));
    this.lastModified = lastModifiedProperty(type);
    const g = defaultGroup(type);
    this.groups.set(g.name, g);
    for (const d of seedProperties(type, at)) this.defs.set(d.name, d);
  }

  /** Column index of a property, creating the column if needed. */
  col(name: string): number {
    let i = this.propIndex.get(name);
    if (i === undefined) {
      i = this.propNames.length;
      this.propNames.push(name);
      this.propIndex.set(name, i);
    }
    return i;
  }

  /** A property's stored value for a record (null when unset or unknown). */
  get(rec: Rec, name: string): string | null {
    if (name === "hs_object_id") return String(rec.id);
    if (name === "createdate") return new Date(rec.created).toISOString();
    if (name === this.lastModified) return new Date(rec.updated).toISOString();
    const i = this.propIndex.get(name);
    if (i === undefined) return null;
    return rec.values[i] ?? null;
  }

  set(rec: Rec, name: string, value: string | null): void {
    rec.values[this.col(name)] = value;
  }

  insert(rec: Rec): void {
    if (this.recs.has(rec.id)) throw new Error(`duplicate id ${rec.id}`);
    this.recs.set(rec.id, rec);
    if (this.order.length && this.order[this.order.length - 1] > rec.id) this.sorted = false;
    this.order.push(rec.id);
    if (rec.id >= this.nextId) this.nextId = rec.id + 1;
  }

  /** Ids ascending (sorts lazily after out-of-order inserts). */
  ids(): number[] {
    if (!this.sorted) {
      this.order.sort((a, b) => a - b);
      this.sorted = true;
    }
    return this.order;
  }

  /** Index of the first id >= `id` in ids(). */
  lowerBound(id: number): number {
    const a = this.ids();
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Defines a property if missing (type inferred from a sample value). */
  ensureDef(name: string, sample: string | null, at: string): void {
    if (this.defs.has(name)) return;
    this.defs.set(name, makeProperty(name, inferType(name, sample), { groupName: defaultGroup(this.type).name, hubspotDefined: false, at }));
  }
}

function parseTime(v: unknown, record: string, field: string): number {
  if (typeof v !== "string" || !v) throw new HubspotDataError(record, field, "expected an ISO-8601 timestamp");
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new HubspotDataError(record, field, `not a timestamp: ${JSON.stringify(v)}`);
  return ms;
}

/** Association type ids HubSpot defines for the default (unlabelled) association between two types. */
const ASSOC_TYPE_IDS: Record<string, number> = {
  "contacts>companies": 279, "companies>contacts": 280, "deals>companies": 341, "companies>deals": 342,
  "contacts>deals": 4, "deals>contacts": 3, "tickets>companies": 339, "companies>tickets": 340,
  "tickets>contacts": 16, "contacts>tickets": 15, "deals>tickets": 27, "tickets>deals": 28,
  "calls>contacts": 194, "contacts>calls": 193, "calls>companies": 182, "companies>calls": 181,
  "meetings>contacts": 200, "contacts>meetings": 199, "meetings>companies": 188, "companies>meetings": 187,
  "notes>contacts": 202, "contacts>notes": 201, "notes>companies": 190, "companies>notes": 189,
  "calls>deals": 206, "deals>calls": 205, "meetings>deals": 212, "deals>meetings": 211, "notes>deals": 214, "deals>notes": 213,
};

/** The HubSpot-defined association type id from one type to another (0 when HubSpot defines none we know). */
export function associationTypeId(from: ObjectType, to: ObjectType): number {
  return ASSOC_TYPE_IDS[`${from}>${to}`] ?? 0;
}

/** Singular form used in association type names and webhook subscription types. */
export const SINGULAR: Record<ObjectType, string> = {
  companies: "company", contacts: "contact", deals: "deal", calls: "call", meetings: "meeting", notes: "note", tickets: "ticket",
};

/** Owners kept in portfolio order. */
export type OwnerRec = HubspotOwner & { archived: boolean };

/** All CRM data of one portal. */
export class HubspotStore {
  readonly types: Record<ObjectType, TypeStore>;
  readonly owners: OwnerRec[] = [];
  /** `${from}>${to}` → fromId → toIds (kept symmetric). */
  private readonly assoc = new Map<string, Map<number, number[]>>();
  /** Bumped on every write; search caches key on it. */
  version = 0;

  constructor(at: string) {
    const t = {} as Record<ObjectType, TypeStore>;
    for (const type of OBJECT_TYPES) t[type] = new TypeStore(type, at);
    this.types = t;
  }

  /**
   * Loads a portfolio's HubSpot section. Iterates each object list once (lazy generators keep
   * memory flat). @throws HubspotDataError naming the first bad record and field.
   */
  static fromPortfolio(p: HubspotPortfolio, at: string): HubspotStore {
    const s = new HubspotStore(at);
    let i = 0;
    for (const o of p.owners) {
      const where = `hubspot.owners[${i++}]`;
      if (!o || typeof o.id !== "string" || !/^\d+$/.test(o.id)) throw new HubspotDataError(where, "id", "expected a numeric string");
      if (typeof o.email !== "string") throw new HubspotDataError(where, "email", "expected a string");
      s.owners.push({ ...o, archived: o.archived ?? false });
    }
    const pending: [ObjectType, number, Record<string, string[]>][] = [];
    for (const type of OBJECT_TYPES) {
      const ts = s.types[type];
      let n = 0;
      for (const o of p[type] as Iterable<HubspotObject>) {
        const where = `hubspot.${type}[${n++}]`;
        s.ingest(ts, o, where, at);
        if (o.associations) pending.push([type, Number(o.id), o.associations]);
      }
    }
    for (const [type, id, assocs] of pending) {
      for (const [toType, ids] of Object.entries(assocs)) {
        if (!(toType in s.types)) throw new HubspotDataError(`hubspot.${type} id ${id}`, `associations.${toType}`, "unknown object type");
        for (const to of ids) {
          const toId = Number(to);
          if (!s.types[toType as ObjectType].recs.has(toId)) {
            throw new HubspotDataError(`hubspot.${type} id ${id}`, `associations.${toType}`, `no ${toType} record with id ${to}`);
          }
          s.associate(type, id, toType as ObjectType, toId);
        }
      }
    }
    return s;
  }

  private ingest(ts: TypeStore, o: HubspotObject, where: string, at: string): void {
    if (!o || typeof o !== "object") throw new HubspotDataError(where, "(record)", "expected an object");
    if (typeof o.id !== "string" || !/^[1-9]\d{0,15}$/.test(o.id)) throw new HubspotDataError(where, "id", "expected a numeric string id");
    if (!o.properties || typeof o.properties !== "object") throw new HubspotDataError(where, "properties", "expected an object of strings");
    const created = parseTime(o.createdAt, where, "createdAt");
    const updated = parseTime(o.updatedAt, where, "updatedAt");
    const id = Number(o.id);
    if (ts.recs.has(id)) throw new HubspotDataError(where, "id", `duplicate id ${o.id}`);
    const rec: Rec = { id, created, updated, archivedAt: o.archived ? updated : null, values: [] };
    for (const [k, v] of Object.entries(o.properties)) {
      if (ts.derived.has(k)) continue;
      if (v !== null && typeof v !== "string") throw new HubspotDataError(where, `properties.${k}`, "property values are strings or null");
      ts.ensureDef(k, v, at);
      ts.set(rec, k, v);
    }
    ts.insert(rec);
  }

  /** Links two records both ways (idempotent). */
  associate(from: ObjectType, fromId: number, to: ObjectType, toId: number): void {
    const add = (a: ObjectType, ai: number, b: ObjectType, bi: number) => {
      const key = `${a}>${b}`;
      let m = this.assoc.get(key);
      if (!m) this.assoc.set(key, (m = new Map()));
      const list = m.get(ai);
      if (!list) m.set(ai, [bi]);
      else if (!list.includes(bi)) list.push(bi);
    };
    add(from, fromId, to, toId);
    add(to, toId, from, fromId);
  }

  /** Ids of `to` records associated with a record (empty when none). */
  associated(from: ObjectType, fromId: number, to: ObjectType): number[] {
    return this.assoc.get(`${from}>${to}`)?.get(fromId) ?? [];
  }

  /** Counts of live (not archived) records per type. */
  counts(): Record<ObjectType, number> {
    const out = {} as Record<ObjectType, number>;
    for (const type of OBJECT_TYPES) {
      let n = 0;
      for (const r of this.types[type].recs.values()) if (r.archivedAt === null) n++;
      out[type] = n;
    }
    return out;
  }
}
