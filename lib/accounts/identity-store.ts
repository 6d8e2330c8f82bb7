/**
 * Database side of identity resolution: loading the organization's records and applying plans
 * with set-based statements (one statement per chunk of rows or per table, never one per row
 * for links and child rows). Works on SQLite and PostgreSQL (quoted Prisma table names, no
 * provider-specific SQL). Every function takes a transaction client (or the Db itself).
 */
import { randomBytes } from "node:crypto";
import { Prisma, type MatchRule } from "@/lib/generated/sqlite/client";
import type { Db, Tx } from "@/lib/db/prisma";
import { chunks } from "@/lib/db/chunks";
import { canonicalJson, computeAccountFields, ownerKey, sameAccountFields, type AccountFields, type FieldContext } from "./account-fields";
import { IDENTITY_SOURCE_SELECT, type IdentitySource } from "./source-record";
import { pairKey, type CandidateProposal, type LinkAssignment } from "./plan-identity-links";
import { z } from "zod";

export type DbClient = Db | Tx;

/** Rows per raw multi-row statement (3 bound parameters per row: far below both databases' limits). */
export const CHUNK = 1000;
/** Ids per Prisma `in` filter: Prisma caps bound parameters at 999 per query on SQLite (ids + a few data values). */
export const IN_CHUNK = 900;

/** A new cuid-like account id (time-ordered prefix + 64 random bits). */
export function newAccountId(): string {
  return `c${Date.now().toString(36)}${randomBytes(8).toString("hex")}`;
}

/** All source records of an organization (every connection, archived included). */
export async function loadSources(db: DbClient, organizationId: string): Promise<IdentitySource[]> {
  return db.sourceRecord.findMany({ where: { organizationId }, select: IDENTITY_SOURCE_SELECT, orderBy: { id: "asc" } });
}

/** Keys `pairKey(sourceRecordId, accountId)` of rejected candidates of an organization. */
export async function loadRejectedPairs(db: DbClient, organizationId: string): Promise<Set<string>> {
  const rows = await db.matchCandidate.findMany({
    where: { organizationId, status: "rejected" },
    select: { sourceRecordId: true, accountId: true },
  });
  return new Set(rows.map((r) => pairKey(r.sourceRecordId, r.accountId)));
}

const settingsSchema = z
  .object({ propertyMappings: z.record(z.string(), z.string()).optional() })
  .passthrough();

/** Owners and property mappings needed to compute account fields. */
export async function loadFieldContext(db: DbClient, organizationId: string): Promise<FieldContext> {
  const [owners, connections] = await Promise.all([
    db.owner.findMany({ where: { organizationId }, select: { id: true, connectionId: true, externalId: true } }),
    db.connection.findMany({ where: { organizationId, provider: "hubspot" }, select: { id: true, settings: true } }),
  ]);
  const propertyMappings = new Map<string, Record<string, string>>();
  for (const c of connections) {
    const parsed = settingsSchema.safeParse(c.settings);
    const mapping = parsed.success ? parsed.data.propertyMappings : undefined;
    if (mapping && Object.keys(mapping).length > 0) propertyMappings.set(c.id, mapping);
  }
  return { ownerIdByKey: new Map(owners.map((o) => [ownerKey(o.connectionId, o.externalId), o.id])), propertyMappings };
}

/**
 * Point source records at their accounts and store rule/confidence/matchedAt: one raw UPDATE per
 * (rule, confidence) group and 1,000 records — `accountId` via `CASE "id" WHEN … THEN … END`, the
 * rest as plain parameters (PostgreSQL types a bare parameter from its column, so the MatchRule
 * enum needs no cast; Dates are bound in each database's DateTime format).
 */
export async function applyAssignments(db: DbClient, assignments: LinkAssignment[], now: Date): Promise<void> {
  const groups = new Map<string, { rule: MatchRule; confidence: number; rows: LinkAssignment[] }>();
  for (const a of assignments) {
    const key = `${a.rule}|${a.confidence}`;
    const g = groups.get(key) ?? { rule: a.rule, confidence: a.confidence, rows: [] };
    g.rows.push(a);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    for (const part of chunks(g.rows, CHUNK)) {
      const cases = Prisma.join(part.map((a) => Prisma.sql`WHEN ${a.sourceRecordId} THEN ${a.accountId}`), " ");
      const ids = Prisma.join(part.map((a) => a.sourceRecordId));
      await db.$executeRaw`UPDATE "SourceRecord" SET "accountId" = CASE "id" ${cases} END, "matchRule" = ${g.rule}, "matchConfidence" = ${g.confidence}, "matchedAt" = ${now}, "updatedAt" = ${now} WHERE "id" IN (${ids})`;
    }
  }
}

type ChildTable = { table: "Contact" | "Deal" | "Engagement" | "Ticket" | "Subscription" | "Invoice" | "Charge"; key: "companyExternalId" | "customerExternalId"; objectType: "company" | "customer" };

/** Child tables and the source-record key that links them. */
export const CHILD_TABLES: readonly ChildTable[] = [
  { table: "Contact", key: "companyExternalId", objectType: "company" },
  { table: "Deal", key: "companyExternalId", objectType: "company" },
  { table: "Engagement", key: "companyExternalId", objectType: "company" },
  { table: "Ticket", key: "companyExternalId", objectType: "company" },
  { table: "Subscription", key: "customerExternalId", objectType: "customer" },
  { table: "Invoice", key: "customerExternalId", objectType: "customer" },
  { table: "Charge", key: "customerExternalId", objectType: "customer" },
];

/**
 * Set `accountId` of every child row (contacts, deals, engagements, tickets by (connectionId,
 * companyExternalId); subscriptions, invoices, charges by (connectionId, customerExternalId)) to
 * the account of its source record, or NULL when no linked source record exists. Two statements
 * per table, both set-based and touching only rows that change: an UPDATE … FROM join with
 * SourceRecord (a hash join on PostgreSQL; SQLite ≥ 3.33 supports UPDATE … FROM), and an
 * anti-join (NOT EXISTS) that clears rows whose source record is gone or unlinked.
 * @param connectionIds limit to these connections; null = every connection of the organization.
 * @returns the number of child rows whose accountId changed.
 */
export async function relinkChildRecords(db: DbClient, organizationId: string, connectionIds: string[] | null): Promise<number> {
  if (connectionIds && connectionIds.length === 0) return 0;
  let total = 0;
  for (const t of CHILD_TABLES) {
    const table = Prisma.raw(`"${t.table}"`);
    const col = (c: string) => Prisma.raw(`"${t.table}"."${c}"`);
    const connFilter = connectionIds ? Prisma.sql`AND ${col("connectionId")} IN (${Prisma.join(connectionIds)})` : Prisma.empty;
    const joins = Prisma.sql`s."connectionId" = ${col("connectionId")} AND s."objectType" = ${t.objectType} AND s."externalId" = ${col(t.key)}`;
    // Not `s."accountId" IS NOT NULL`: right after a first sync, PostgreSQL's statistics still say
    // every accountId is NULL and it would pick the accountId index for a 20,000 × 40,000 nested loop.
    const linked = Prisma.sql`COALESCE(s."accountId", '') <> ''`;
    total += await db.$executeRaw`UPDATE ${table} SET "accountId" = s."accountId" FROM "SourceRecord" s
      WHERE ${joins} AND ${linked} AND ${col("organizationId")} = ${organizationId} ${connFilter}
      AND ${col("accountId")} IS DISTINCT FROM s."accountId"`;
    total += await db.$executeRaw`UPDATE ${table} SET "accountId" = NULL
      WHERE ${col("organizationId")} = ${organizationId} ${connFilter} AND ${col("accountId")} IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM "SourceRecord" s WHERE ${joins} AND ${linked})`;
  }
  return total;
}

const ACCOUNT_FIELD_SELECT = {
  id: true, name: true, domain: true, industry: true, country: true, employeeCount: true, annualRevenue: true,
  lifecycleStage: true, customerSince: true, ownerId: true, archivedAt: true, customFields: true,
} as const;

/** Columns of the raw multi-row INSERT of new accounts (15 bound parameters per row). */
const INSERT_COLUMNS = [
  "id", "organizationId", "name", "domain", "industry", "country", "employeeCount", "annualRevenue", "lifecycleStage",
  "ownerId", "customerSince", "archivedAt", "customFields", "createdAt", "updatedAt",
] as const;

/**
 * Create accounts with their source-derived fields already computed: one multi-row INSERT per
 * 200 accounts (Prisma's createMany is ~3x slower here because it binds every column of the model).
 * Dates are bound as Date (Prisma writes them in each database's DateTime format), JSON as text.
 * @param sourcesByAccount accountId → its source records AFTER the plan (must contain every id).
 */
export async function createAccounts(
  db: DbClient,
  organizationId: string,
  sourcesByAccount: ReadonlyMap<string, IdentitySource[]>,
  newAccountIds: string[],
  ctx: FieldContext,
  now = new Date(),
): Promise<void> {
  const columns = Prisma.raw(INSERT_COLUMNS.map((c) => `"${c}"`).join(", "));
  for (const part of chunks(newAccountIds, 200)) {
    const values = part.map((id) => {
      const f = computeAccountFields(sourcesByAccount.get(id)!, ctx);
      return Prisma.sql`(${Prisma.join([
        id, organizationId, f.name, f.domain, f.industry, f.country, f.employeeCount, f.annualRevenue, f.lifecycleStage,
        f.ownerId, f.customerSince, f.archivedAt, f.customFields === null ? null : JSON.stringify(f.customFields), now, now,
      ])})`;
    });
    await db.$executeRaw`INSERT INTO "Account" (${columns}) VALUES ${Prisma.join(values)}`;
  }
}

/**
 * Refresh the source-derived fields of existing accounts; writes only accounts whose fields differ,
 * and writes them set-based (see `bulkUpdateAccountFields`).
 * @param sourcesByAccount accountId → its source records AFTER the plan.
 * @param skip accounts not to look at (just created with fresh fields).
 * @returns ids of accounts that changed.
 */
export async function refreshAccounts(
  db: DbClient,
  organizationId: string,
  sourcesByAccount: ReadonlyMap<string, IdentitySource[]>,
  ctx: FieldContext,
  skip: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const updates: { id: string; want: AccountFields; have: AccountFields }[] = [];
  // One read of the organization's accounts beats thousands of `id IN (…)` lookups.
  const rows = await db.account.findMany({ where: { organizationId }, select: ACCOUNT_FIELD_SELECT });
  for (const row of rows) {
    const sources = sourcesByAccount.get(row.id);
    if (!sources || skip.has(row.id)) continue;
    const want = computeAccountFields(sources, ctx);
    const { id, ...rest } = row;
    const have: AccountFields = { ...rest, customFields: (rest.customFields ?? null) as AccountFields["customFields"] };
    if (!sameAccountFields(want, have)) updates.push({ id, want, have });
  }
  await bulkUpdateAccountFields(db, updates, new Date());
  return updates.map((u) => u.id);
}

/** Text columns written with `CASE "id" WHEN … THEN … END` (portable across SQLite/PostgreSQL). */
const TEXT_COLUMNS = ["name", "domain", "industry", "country", "lifecycleStage", "ownerId"] as const;
/** Numeric columns written with a CASE and a CAST both databases understand. */
const NUMBER_COLUMNS = [
  { key: "employeeCount", cast: "INTEGER" },
  { key: "annualRevenue", cast: "DOUBLE PRECISION" },
] as const;
/** Date/JSON columns: grouped by value and written with updateMany (Prisma encodes them per provider). */
const GROUPED_COLUMNS = ["customerSince", "archivedAt", "customFields"] as const;

function groupValueKey(v: AccountFields[(typeof GROUPED_COLUMNS)[number]]): string {
  if (v instanceof Date) return `d${v.getTime()}`;
  return `j${canonicalJson(v)}`;
}

/**
 * Write changed account fields without one query per account: per changed column, one CASE
 * UPDATE per 1,000 accounts (text and numbers) or one updateMany per distinct value (dates, JSON).
 * Only columns that differ are written. `updatedAt` is bumped with updateMany.
 */
export async function bulkUpdateAccountFields(
  db: DbClient,
  updates: { id: string; want: AccountFields; have: AccountFields }[],
  now: Date,
): Promise<void> {
  if (updates.length === 0) return;
  for (const col of TEXT_COLUMNS) {
    const rows = updates.filter((u) => u.want[col] !== u.have[col]);
    for (const part of chunks(rows, CHUNK)) {
      const cases = Prisma.join(part.map((u) => Prisma.sql`WHEN ${u.id} THEN ${u.want[col]}`), " ");
      await db.$executeRaw`UPDATE "Account" SET ${Prisma.raw(`"${col}"`)} = CASE "id" ${cases} END WHERE "id" IN (${Prisma.join(part.map((u) => u.id))})`;
    }
  }
  for (const { key, cast } of NUMBER_COLUMNS) {
    const rows = updates.filter((u) => u.want[key] !== u.have[key]);
    for (const part of chunks(rows, CHUNK)) {
      const cases = Prisma.join(part.map((u) => Prisma.sql`WHEN ${u.id} THEN CAST(${u.want[key]} AS ${Prisma.raw(cast)})`), " ");
      await db.$executeRaw`UPDATE "Account" SET ${Prisma.raw(`"${key}"`)} = CASE "id" ${cases} END WHERE "id" IN (${Prisma.join(part.map((u) => u.id))})`;
    }
  }
  for (const col of GROUPED_COLUMNS) {
    const groups = new Map<string, { value: AccountFields[typeof col]; ids: string[] }>();
    for (const u of updates) {
      const want = u.want[col];
      if (groupValueKey(want) === groupValueKey(u.have[col])) continue;
      const key = groupValueKey(want);
      const g = groups.get(key) ?? { value: want, ids: [] };
      g.ids.push(u.id);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      const data = col === "customFields" ? { customFields: (g.value as AccountFields["customFields"]) ?? Prisma.DbNull } : { [col]: g.value as Date | null };
      for (const ids of chunks(g.ids, IN_CHUNK)) await db.account.updateMany({ where: { id: { in: ids } }, data });
    }
  }
  for (const ids of chunks(updates.map((u) => u.id), CHUNK)) {
    await db.$executeRaw`UPDATE "Account" SET "updatedAt" = ${now} WHERE "id" IN (${Prisma.join(ids)})`;
  }
}

/**
 * Delete accounts that lost all their source records. Admin decisions (confirmed / rejected
 * candidates) that pointed at them move to the account that received their sources, so a
 * rejection keeps blocking the same customer; pending candidates go (resolution re-proposes).
 * Signals and scores of the deleted account are deleted with it (the signals engine recomputes
 * the surviving account).
 */
export async function deleteEmptiedAccounts(db: DbClient, emptied: { accountId: string; mergedInto: string | null }[], finalAccountOf: ReadonlyMap<string, string>): Promise<number> {
  if (emptied.length === 0) return 0;
  const decisions: { id: string; sourceRecordId: string; accountId: string }[] = [];
  for (const ids of chunks(emptied.map((e) => e.accountId), IN_CHUNK)) {
    decisions.push(...(await db.matchCandidate.findMany({
      where: { accountId: { in: ids }, status: { not: "pending" } },
      select: { id: true, sourceRecordId: true, accountId: true },
    })));
  }
  const target = new Map(emptied.map((e) => [e.accountId, e.mergedInto]));
  for (const d of decisions) {
    const to = target.get(d.accountId);
    if (!to || finalAccountOf.get(d.sourceRecordId) === to) continue;
    const clash = await db.matchCandidate.findUnique({ where: { sourceRecordId_accountId: { sourceRecordId: d.sourceRecordId, accountId: to } }, select: { id: true } });
    if (!clash) await db.matchCandidate.update({ where: { id: d.id }, data: { accountId: to } });
  }
  let deleted = 0;
  for (const ids of chunks(emptied.map((e) => e.accountId), IN_CHUNK)) {
    // Re-check inside the statement: never delete an account that still has a source record.
    deleted += (await db.account.deleteMany({ where: { id: { in: ids }, sourceRecords: { none: {} } } })).count;
  }
  return deleted;
}

/**
 * Make the organization's pending candidates equal `desired`: create missing ones, refresh
 * changed reasons, delete pending ones no longer proposed. Confirmed/rejected rows are never touched.
 * @returns the number of pending candidates afterwards.
 */
export async function syncPendingCandidates(db: DbClient, organizationId: string, desired: CandidateProposal[]): Promise<number> {
  const existing = await db.matchCandidate.findMany({
    where: { organizationId },
    select: { id: true, sourceRecordId: true, accountId: true, status: true, rule: true, confidence: true, reason: true },
  });
  const byPair = new Map(existing.map((c) => [pairKey(c.sourceRecordId, c.accountId), c]));
  const wanted = new Set<string>();
  const creates: Prisma.MatchCandidateCreateManyInput[] = [];
  let pending = 0;
  for (const d of desired) {
    const key = pairKey(d.sourceRecordId, d.accountId);
    if (wanted.has(key)) continue;
    wanted.add(key);
    const have = byPair.get(key);
    if (!have) {
      creates.push({ organizationId, sourceRecordId: d.sourceRecordId, accountId: d.accountId, rule: d.rule, confidence: d.confidence, reason: d.reason });
      pending++;
    } else if (have.status === "pending") {
      pending++;
      if (have.rule !== d.rule || have.confidence !== d.confidence || have.reason !== d.reason) {
        await db.matchCandidate.update({ where: { id: have.id }, data: { rule: d.rule, confidence: d.confidence, reason: d.reason } });
      }
    }
  }
  for (const part of chunks(creates, 500)) await db.matchCandidate.createMany({ data: part });
  const stale = existing.filter((c) => c.status === "pending" && !wanted.has(pairKey(c.sourceRecordId, c.accountId))).map((c) => c.id);
  for (const ids of chunks(stale, IN_CHUNK)) await db.matchCandidate.deleteMany({ where: { id: { in: ids } } });
  return pending;
}

/** Group records by their account after a plan. */
export function groupByAccount(sources: IdentitySource[], finalAccountOf: ReadonlyMap<string, string>): Map<string, IdentitySource[]> {
  const out = new Map<string, IdentitySource[]>();
  for (const s of sources) {
    const accountId = finalAccountOf.get(s.id) ?? s.accountId;
    if (!accountId) continue;
    const list = out.get(accountId);
    const updated = { ...s, accountId };
    if (list) list.push(updated);
    else out.set(accountId, [updated]);
  }
  return out;
}
