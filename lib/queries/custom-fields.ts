/**
 * Custom property mappings as the console shows them (issue 18: they were saved and synced but never
 * shown). An admin maps HubSpot company properties to account fields (Connection.settings.propertyMappings
 * {hubspotProperty: accountField}, lib/connectors/hubspot/mappings.ts); identity resolution copies the values
 * into Account.customFields {accountField: value}. This module lists the mapped fields of an organization, reads
 * the values of a page of accounts, and filters accounts on one field's value (the accounts table's optional
 * columns and filter: `?columns=field1,field2&custom_field=field:value`).
 */
import type { Db } from "@/lib/db";
import { providerOf } from "@/lib/db/prisma";
import { chunks } from "@/lib/db/chunks";
import type { Prisma } from "@/lib/generated/sqlite/client";

/** Account field names (the keys of Account.customFields), as lib/connectors/hubspot/mappings.ts ZAccountField. */
export const ACCOUNT_FIELD_RE = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

export type MappedField = { field: string; hubspotProperties: string[] };

/** The organization's mapped account fields, by name, with the HubSpot properties behind each (all its HubSpot connections). */
export async function listMappedFields(db: Db, organizationId: string): Promise<MappedField[]> {
  const conns = await db.connection.findMany({ where: { organizationId, provider: "hubspot", status: { not: "disconnected" } }, select: { settings: true } });
  const byField = new Map<string, Set<string>>();
  for (const c of conns) {
    const m = ((c.settings ?? {}) as { propertyMappings?: Record<string, string> }).propertyMappings ?? {};
    for (const [prop, field] of Object.entries(m)) {
      if (!ACCOUNT_FIELD_RE.test(field)) continue;
      if (!byField.has(field)) byField.set(field, new Set());
      byField.get(field)!.add(prop);
    }
  }
  return [...byField.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([field, props]) => ({ field, hubspotProperties: [...props].sort() }));
}

/** Account.customFields of `accountIds` (one organization's), as {accountId: {field: value}}. */
export async function readCustomFields(db: Db, organizationId: string, accountIds: string[]): Promise<Map<string, Record<string, string | null>>> {
  const out = new Map<string, Record<string, string | null>>();
  for (const ids of chunks(accountIds, 500)) {
    const rows = await db.account.findMany({ where: { organizationId, id: { in: ids } }, select: { id: true, customFields: true } });
    for (const r of rows) out.set(r.id, (r.customFields as Record<string, string | null> | null) ?? {});
  }
  return out;
}

/** Most accounts one custom-field filter hands on as an id list. */
const MAX_IDS = 50_000;

/**
 * `field:value` → the condition "this account's custom field equals value" (case-insensitive, trimmed), as
 * an id list read by one JSON-path statement (SQLite json_extract / PostgreSQL ->>): Prisma's JSON path
 * filters are not available on SQLite. `field:` (empty value) matches accounts where the field is empty or
 * missing. Null when `filter` is absent; a malformed filter or unknown field name matches nothing.
 */
export async function customFieldWhere(db: Db, organizationId: string, filter: string | undefined): Promise<Prisma.AccountWhereInput | null> {
  if (!filter) return null;
  const i = filter.indexOf(":");
  const field = i < 0 ? filter : filter.slice(0, i);
  const value = (i < 0 ? "" : filter.slice(i + 1)).trim().toLowerCase();
  if (!ACCOUNT_FIELD_RE.test(field)) return { id: { in: [] } };
  const pg = providerOf(db) === "postgresql";
  const expr = pg ? `("customFields"->>'${field}')` : `json_extract("customFields", '$.${field}')`;
  const cond = value ? `lower(trim(${expr})) = ${pg ? "$2" : "?"}` : `(${expr} IS NULL OR trim(${expr}) = '')`;
  const sql = `SELECT "id" FROM "Account" WHERE "organizationId" = ${pg ? "$1" : "?"} AND "archivedAt" IS NULL AND ${cond} LIMIT ${MAX_IDS}`;
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(sql, organizationId, ...(value ? [value] : []));
  return { id: { in: rows.map((r) => r.id) } };
}
