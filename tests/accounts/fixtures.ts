/**
 * Fixtures for identity-resolution tests: an organization with HubSpot and Stripe connections,
 * and helpers that upsert source records the way the connectors do (keyed by connection +
 * object type + external id, never touching accountId).
 */
import { randomUUID } from "node:crypto";
import type { Db } from "@/lib/db/prisma";
import type { Prisma } from "@/lib/generated/sqlite/client";

export type Org = { organizationId: string; hubspotId: string; stripeId: string };

export async function createOrg(db: Db, opts: { propertyMappings?: Record<string, string> } = {}): Promise<Org> {
  const slug = `org-${randomUUID().slice(0, 8)}`;
  const org = await db.organization.create({ data: { name: slug, slug } });
  const hubspot = await db.connection.create({
    data: {
      organizationId: org.id, provider: "hubspot", externalAccountId: `portal-${slug}`, displayName: "HubSpot",
      settings: opts.propertyMappings ? { writeBack: false, propertyMappings: opts.propertyMappings } : undefined,
    },
  });
  const stripe = await db.connection.create({
    data: { organizationId: org.id, provider: "stripe", externalAccountId: `acct_${slug}`, displayName: "Stripe" },
  });
  return { organizationId: org.id, hubspotId: hubspot.id, stripeId: stripe.id };
}

export async function addConnection(db: Db, org: Org, provider: "hubspot" | "stripe"): Promise<string> {
  const c = await db.connection.create({
    data: { organizationId: org.organizationId, provider, externalAccountId: `${provider}-${randomUUID().slice(0, 8)}`, displayName: provider },
  });
  return c.id;
}

export type CompanyInput = {
  externalId: string;
  name?: string | null;
  domain?: string | null;
  properties?: Record<string, string | null>;
  archivedAt?: Date | null;
  connectionId?: string;
};

/** Upsert a HubSpot company source record (what the HubSpot connector does). */
export async function upsertCompany(db: Db, org: Org, c: CompanyInput) {
  const connectionId = c.connectionId ?? org.hubspotId;
  const data = {
    name: c.name ?? null,
    domain: c.domain ?? null,
    properties: { name: c.name ?? null, domain: c.domain ?? null, ...(c.properties ?? {}) } as Prisma.InputJsonValue,
    archivedAt: c.archivedAt ?? null,
  };
  return db.sourceRecord.upsert({
    where: { connectionId_objectType_externalId: { connectionId, objectType: "company", externalId: c.externalId } },
    create: { organizationId: org.organizationId, connectionId, objectType: "company", externalId: c.externalId, ...data },
    update: data,
  });
}

export type CustomerInput = {
  externalId: string;
  name?: string | null;
  email?: string | null;
  metadata?: Record<string, string>;
  created?: number;
  archivedAt?: Date | null;
  connectionId?: string;
};

/** Upsert a Stripe customer source record (what the Stripe connector does). */
export async function upsertCustomer(db: Db, org: Org, c: CustomerInput) {
  const connectionId = c.connectionId ?? org.stripeId;
  const data = {
    name: c.name ?? null,
    email: c.email ?? null,
    properties: { metadata: c.metadata ?? {}, currency: "usd", ...(c.created ? { created: c.created } : {}) },
    archivedAt: c.archivedAt ?? null,
  };
  return db.sourceRecord.upsert({
    where: { connectionId_objectType_externalId: { connectionId, objectType: "customer", externalId: c.externalId } },
    create: { organizationId: org.organizationId, connectionId, objectType: "customer", externalId: c.externalId, ...data },
    update: data,
  });
}

/** The source record and its account (throws when missing). */
export async function recordOf(db: Db, org: Org, objectType: "company" | "customer", externalId: string, connectionId?: string) {
  const conn = connectionId ?? (objectType === "company" ? org.hubspotId : org.stripeId);
  return db.sourceRecord.findUniqueOrThrow({
    where: { connectionId_objectType_externalId: { connectionId: conn, objectType, externalId } },
    include: { account: true },
  });
}

/** Snapshot of all links of an organization, for "nothing changed" assertions. */
export async function linkSnapshot(db: Db, org: Org) {
  const [records, accounts, candidates] = await Promise.all([
    db.sourceRecord.findMany({
      where: { organizationId: org.organizationId },
      select: { id: true, accountId: true, matchRule: true, matchConfidence: true, isManual: true, matchedAt: true },
      orderBy: { id: "asc" },
    }),
    db.account.findMany({ where: { organizationId: org.organizationId }, orderBy: { id: "asc" } }),
    db.matchCandidate.findMany({ where: { organizationId: org.organizationId }, orderBy: { id: "asc" } }),
  ]);
  return { records, accounts, candidates };
}
