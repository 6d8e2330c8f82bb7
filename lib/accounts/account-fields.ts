/**
 * Pure: the Account columns that come from its source records (docs/identity.md "Account fields").
 *
 * - name: the primary HubSpot company's name, else the primary Stripe customer's name (then any
 *   name, then the customer's e-mail, then the external id). Never empty.
 * - domain: the primary company's normalised domain, else a customer's non-free-mail e-mail domain.
 * - industry, country, employeeCount (int), annualRevenue (float, the company's currency units),
 *   lifecycleStage: the first company (in priority order) that has the property.
 * - customerSince: the earliest createdate / created / sourceCreatedAt over ALL sources.
 * - ownerId: the first company whose `hubspot_owner_id` names an Owner of the same connection.
 * - archivedAt: the latest archivedAt when EVERY source is archived/deleted, else null.
 * - customFields: `Connection.settings.propertyMappings` {hubspotProperty: accountField} applied to
 *   the companies' properties (the primary company wins), or null when nothing is mapped.
 *
 * Priority: live records before archived ones, then the oldest (customerSince order), then id.
 */
import { COMPANY, companyDomainOf, numberProp, propertiesOf, sourceCreatedOf, stringProp, type IdentitySource } from "./source-record";
import { companyEmailDomain } from "./normalize";

export type AccountFields = {
  name: string;
  domain: string | null;
  industry: string | null;
  country: string | null;
  employeeCount: number | null;
  annualRevenue: number | null;
  lifecycleStage: string | null;
  customerSince: Date | null;
  ownerId: string | null;
  archivedAt: Date | null;
  customFields: Record<string, string | null> | null;
};

export type FieldContext = {
  /** `${connectionId}\u0000${ownerExternalId}` → Owner.id */
  ownerIdByKey: ReadonlyMap<string, string>;
  /** connectionId → {hubspotProperty: accountField} */
  propertyMappings: ReadonlyMap<string, Record<string, string>>;
};

/** Key of `FieldContext.ownerIdByKey`. */
export function ownerKey(connectionId: string, externalId: string): string {
  return `${connectionId}\u0000${externalId}`;
}

/** Sort sources by priority (see module comment); computes each creation time once. */
function sortByPriority(sources: IdentitySource[]): { sorted: IdentitySource[]; created: (Date | null)[] } {
  const keyed = sources.map((s) => ({ s, created: sourceCreatedOf(s) }));
  keyed.sort((a, b) => {
    const archived = Number(a.s.archivedAt !== null) - Number(b.s.archivedAt !== null);
    if (archived !== 0) return archived;
    const ta = a.created?.getTime() ?? Number.POSITIVE_INFINITY;
    const tb = b.created?.getTime() ?? Number.POSITIVE_INFINITY;
    if (ta !== tb) return ta < tb ? -1 : 1;
    return a.s.id < b.s.id ? -1 : a.s.id > b.s.id ? 1 : 0;
  });
  return { sorted: keyed.map((k) => k.s), created: keyed.map((k) => k.created) };
}

function firstOf<T>(list: IdentitySource[], pick: (s: IdentitySource) => T | null): T | null {
  for (const s of list) {
    const v = pick(s);
    if (v !== null) return v;
  }
  return null;
}

/**
 * Compute an account's source-derived fields.
 * @param sources all source records linked to the account (at least one).
 * @throws Error when `sources` is empty (an account without sources has nothing to derive).
 */
export function computeAccountFields(sources: IdentitySource[], ctx: FieldContext): AccountFields {
  if (sources.length === 0) throw new Error("computeAccountFields needs at least one source record");
  const { sorted, created: createdAll } = sortByPriority(sources);
  const companies = sorted.filter((s) => s.objectType === COMPANY);
  const others = sorted.filter((s) => s.objectType !== COMPANY);
  const companyProp = (key: string) => firstOf(companies, (c) => stringProp(propertiesOf(c), key));

  const trimmed = (v: string | null) => (v && v.trim() ? v.trim() : null);
  const name =
    firstOf(companies, (c) => trimmed(c.name) ?? stringProp(propertiesOf(c), "name")) ??
    firstOf(others, (s) => trimmed(s.name)) ??
    firstOf(others, (s) => trimmed(s.email)) ??
    sorted[0].externalId;

  const created = createdAll.filter((d): d is Date => d !== null);
  const customerSince = created.length ? new Date(Math.min(...created.map((d) => d.getTime()))) : null;

  const allArchived = sorted.every((s) => s.archivedAt !== null);
  const archivedAt = allArchived ? new Date(Math.max(...sorted.map((s) => s.archivedAt!.getTime()))) : null;

  const employees = firstOf(companies, (c) => numberProp(propertiesOf(c), "numberofemployees"));

  let customFields: Record<string, string | null> | null = null;
  for (const c of [...companies].reverse()) {
    const mapping = ctx.propertyMappings.get(c.connectionId);
    if (!mapping) continue;
    const props = propertiesOf(c);
    for (const [hubspotProperty, accountField] of Object.entries(mapping).sort(([a], [b]) => (a < b ? -1 : 1))) {
      customFields ??= {};
      const value = stringProp(props, hubspotProperty);
      if (value !== null || !(accountField in customFields)) customFields[accountField] = value;
    }
  }

  return {
    name,
    domain: firstOf(companies, companyDomainOf) ?? firstOf(others, (s) => companyEmailDomain(s.email)),
    industry: companyProp("industry"),
    country: companyProp("country") ?? firstOf(others, (s) => countryOfCustomer(s)),
    employeeCount: employees === null ? null : Math.round(employees),
    annualRevenue: firstOf(companies, (c) => numberProp(propertiesOf(c), "annualrevenue")),
    lifecycleStage: companyProp("lifecyclestage"),
    customerSince,
    ownerId: firstOf(companies, (c) => {
      const ext = stringProp(propertiesOf(c), "hubspot_owner_id");
      return ext ? (ctx.ownerIdByKey.get(ownerKey(c.connectionId, ext)) ?? null) : null;
    }),
    archivedAt,
    customFields: customFields ? sortKeys(customFields) : null,
  };
}

function countryOfCustomer(s: IdentitySource): string | null {
  const address = propertiesOf(s).address;
  if (address && typeof address === "object" && !Array.isArray(address)) {
    const country = (address as Record<string, unknown>).country;
    return typeof country === "string" && country.trim() ? country.trim() : null;
  }
  return null;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** True when two field sets are equal (dates by time, JSON by value). */
export function sameAccountFields(a: AccountFields, b: AccountFields): boolean {
  const keys = Object.keys(a) as (keyof AccountFields)[];
  return keys.every((k) => {
    const x = a[k];
    const y = b[k];
    if (x instanceof Date || y instanceof Date) return (x instanceof Date ? x.getTime() : x) === (y instanceof Date ? y.getTime() : y);
    if (k === "customFields") return canonicalJson(x) === canonicalJson(y);
    return x === y;
  });
}

/** JSON with object keys sorted (PostgreSQL jsonb does not keep key order). */
export function canonicalJson(v: unknown): string {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}
