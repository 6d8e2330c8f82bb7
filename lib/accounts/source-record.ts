/**
 * The slice of a SourceRecord that identity resolution reads, and safe accessors for its
 * `properties` JSON (HubSpot company properties are strings; Stripe customers store
 * `{metadata, currency, created, …}` with `created` in epoch SECONDS).
 */
import type { MatchRule } from "@/lib/generated/sqlite/client";
import { normalizeDomain } from "./normalize";

/** HubSpot company. */
export const COMPANY = "company";
/** Stripe customer. */
export const CUSTOMER = "customer";

export type IdentitySource = {
  id: string;
  organizationId: string;
  connectionId: string;
  /** "company" | "customer" */
  objectType: string;
  externalId: string;
  accountId: string | null;
  name: string | null;
  domain: string | null;
  email: string | null;
  properties: unknown;
  matchRule: MatchRule | null;
  matchConfidence: number | null;
  isManual: boolean;
  sourceCreatedAt: Date | null;
  archivedAt: Date | null;
};

/** Prisma `select` that loads exactly an `IdentitySource`. */
export const IDENTITY_SOURCE_SELECT = {
  id: true, organizationId: true, connectionId: true, objectType: true, externalId: true, accountId: true,
  name: true, domain: true, email: true, properties: true, matchRule: true, matchConfidence: true,
  isManual: true, sourceCreatedAt: true, archivedAt: true,
} as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The properties object, or `{}` when the column is null / not an object. (A plain shape check
 * rather than a zod parse: it runs ~20 times per record on 100,000 records.)
 */
export function propertiesOf(source: Pick<IdentitySource, "properties">): Record<string, unknown> {
  return isPlainObject(source.properties) ? source.properties : {};
}

/** A property as a trimmed non-empty string (numbers are stringified), else null. */
export function stringProp(props: Record<string, unknown>, key: string): string | null {
  const v = props[key];
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v !== "string") return null;
  const t = v.trim();
  return t ? t : null;
}

/** A property parsed as a finite number (HubSpot sends "12000.5"), else null. */
export function numberProp(props: Record<string, unknown>, key: string): number | null {
  const s = stringProp(props, key);
  if (s === null) return null;
  const n = Number(s.replace(/,/g, ""));
  return Number.isFinite(n) ? n : null;
}

/**
 * A property parsed as a date: ISO strings, epoch milliseconds (HubSpot `createdate` may be either)
 * or, when `unit` is "s", epoch seconds (Stripe `created`). Null when absent or invalid.
 */
export function dateProp(props: Record<string, unknown>, key: string, unit: "ms" | "s" = "ms"): Date | null {
  const v = props[key];
  let d: Date | null = null;
  if (typeof v === "number" && Number.isFinite(v)) d = new Date(unit === "s" ? v * 1000 : v);
  else if (typeof v === "string" && v.trim()) {
    const t = v.trim();
    if (/^\d+$/.test(t)) d = new Date(unit === "s" ? Number(t) * 1000 : Number(t));
    else d = new Date(t);
  }
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

/** Stripe `metadata.hubspot_company_id` of a customer, trimmed, or null. */
export function hubspotCompanyIdOf(source: IdentitySource): string | null {
  const meta = propertiesOf(source).metadata;
  return isPlainObject(meta) ? stringProp(meta, "hubspot_company_id") : null;
}

/** Normalised domain of a HubSpot company: the column, else properties.domain / website. */
export function companyDomainOf(source: IdentitySource): string | null {
  const props = propertiesOf(source);
  return normalizeDomain(source.domain) ?? normalizeDomain(stringProp(props, "domain")) ?? normalizeDomain(stringProp(props, "website"));
}

/** When the record came into existence at its vendor (createdate / created / sourceCreatedAt). */
export function sourceCreatedOf(source: IdentitySource): Date | null {
  const props = propertiesOf(source);
  const candidates = [
    source.sourceCreatedAt,
    source.objectType === CUSTOMER ? dateProp(props, "created", "s") : dateProp(props, "createdate"),
  ].filter((d): d is Date => d !== null);
  if (candidates.length === 0) return null;
  return new Date(Math.min(...candidates.map((d) => d.getTime())));
}
