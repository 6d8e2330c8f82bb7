/**
 * The sandbox portfolio format (docs/sandbox.md, "Portfolio format"): one JSON document holding
 * the sandbox's clock, optional credentials and limits, the HubSpot records and the Stripe records
 * the two servers serve, plus an optional `groundTruth` block (ignored by the servers; used by
 * tests to check identity resolution).
 *
 * - HubSpot records are CRM v3 objects as the API returns them: `{id, properties, createdAt,
 *   updatedAt, archived?, associations?}`; every property value is a string (or null), ids are
 *   numeric strings, times are ISO-8601 strings.
 * - Stripe records are API objects (version basil+) validated by the Stripe sandbox's own schema
 *   (`ZStripePortfolio` in sandbox/stripe/portfolio.ts): amounts in cents, times in epoch seconds.
 *
 * {@link parsePortfolio} validates with zod and checks references; the first problem is thrown as
 * a {@link PortfolioError} naming the record (e.g. `hubspot.companies[3]`) and the field
 * (e.g. `properties.name`).
 */
import { z } from "zod";
import { ZStripePortfolio, parseStripePortfolio, StripePortfolioError, type StripePortfolio } from "../stripe/portfolio";

export type { StripePortfolio };

/** A HubSpot CRM record as `GET /crm/v3/objects/{type}` returns it (plus its associations). */
export type HubspotObject = {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived?: boolean;
  /** Associated record ids per target type: "companies" | "contacts" | "deals" | … */
  associations?: { [toType: string]: string[] };
};

/** A HubSpot owner as `GET /crm/v3/owners/` returns it. */
export type HubspotOwner = {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  archived?: boolean;
  createdAt: string;
  updatedAt: string;
};

/** The HubSpot object lists of a portfolio, in the order the servers load them. */
export const HUBSPOT_OBJECT_TYPES = ["companies", "contacts", "deals", "calls", "meetings", "notes", "tickets"] as const;
export type HubspotObjectType = (typeof HUBSPOT_OBJECT_TYPES)[number];

/** The `hubspot` section of a portfolio. */
export type HubspotSection = {
  portal: { id: number; name: string };
  owners: HubspotOwner[];
} & { [K in HubspotObjectType]: HubspotObject[] };

/** How a Stripe customer is meant to be resolved to a HubSpot company (ground truth for tests). */
export type IdentityCategory =
  /** Customer e-mail at the company's domain, same name. Expected: merged by domain. */
  | "domain_same_name"
  /** Customer e-mail at the company's domain, Stripe name spelled differently. Expected: merged by domain. */
  | "domain_different_name"
  /** Free-mail e-mail, same normalised name. Expected: review candidate (name match only). */
  | "name_only"
  /** Free-mail e-mail and a different name, `metadata.hubspot_company_id` set. Expected: merged by explicit link. */
  | "metadata_link"
  /** Company domain shared by two HubSpot companies. Expected: review candidate (ambiguous domain). */
  | "ambiguous_domain"
  /** Customer only in Stripe. Expected: an account of its own. */
  | "stripe_only"
  /** Company only in HubSpot (including the extra companies of the ambiguous cases). Expected: an account of its own. */
  | "hubspot_only";

/** One intended account of the ground truth. */
export type GroundTruthAccount = {
  /** Source key of the account (RavenStack `account_id`, or `syn-<n>` for synthetic portfolios). */
  key: string;
  category: IdentityCategory;
  /** The HubSpot company this account is (null for Stripe-only). */
  hubspotCompanyId: string | null;
  /** The Stripe customer this account is (null for HubSpot-only). */
  stripeCustomerId: string | null;
  /** Other HubSpot companies a resolver will see as candidates (ambiguous cases). */
  candidateCompanyIds?: string[];
  /** The rule that should link the two records, or null when nothing should be linked automatically. */
  expectedRule: "metadata" | "domain" | "name" | null;
  /** merged: one account automatically; review: listed for an admin, not merged; single: one-system account. */
  expectedOutcome: "merged" | "review" | "single";
  /** All revenue ended (RavenStack: accounts.churn_flag). */
  churned: boolean;
  /** ISO time the last subscription ended, for churned accounts. */
  churnedAt: string | null;
};

/** The `groundTruth` block (ignored by the servers). */
export type GroundTruth = {
  source: string;
  /** Number of accounts per identity category. */
  counts: Record<IdentityCategory, number>;
  accounts: GroundTruthAccount[];
  /** Free-form notes about the mapping (e.g. RavenStack churn definition), for humans. */
  notes?: Record<string, string | number>;
};

/** A whole sandbox portfolio (docs/sandbox.md). */
export type Portfolio = {
  version: 1;
  /** Sandbox "now" at start (ISO-8601) and clock speed (1 = real time). */
  clock: { now: string; speed?: number };
  /** Pinned credentials (tokens, keys, OAuth clients); anything missing is generated by the servers. */
  credentials?: Record<string, unknown>;
  /** Rate-limit overrides; see the servers' docs. */
  limits?: Record<string, unknown>;
  hubspot: HubspotSection;
  stripe: StripePortfolio;
  /** Intended identity resolution (tests only; ignored by the servers). */
  groundTruth?: GroundTruth;
};

/** A malformed portfolio: `recordPath` names the record (e.g. "hubspot.companies[3]"), `field` the field. */
export class PortfolioError extends Error {
  readonly recordPath: string;
  readonly field: string;
  constructor(recordPath: string, field: string, problem: string, recordId?: string) {
    super(`Invalid portfolio: ${recordPath}${recordId ? ` (id ${recordId})` : ""}, field "${field}": ${problem}`);
    this.name = "PortfolioError";
    this.recordPath = recordPath;
    this.field = field;
  }
}

const isoTime = z.iso.datetime({ offset: true, message: "expected an ISO-8601 date-time such as 2025-01-31T12:00:00Z" });
const numericId = z.string().regex(/^[1-9]\d{0,15}$/, "expected a numeric string id such as \"1201\"");

const ZHubspotObject = z.object({
  id: numericId,
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: isoTime,
  updatedAt: isoTime,
  archived: z.boolean().optional(),
  associations: z.partialRecord(z.enum(HUBSPOT_OBJECT_TYPES), z.array(numericId)).optional(),
});

const ZHubspotOwner = z.object({
  id: numericId,
  email: z.email(),
  firstName: z.string(),
  lastName: z.string(),
  userId: z.number().int().nonnegative(),
  archived: z.boolean().optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

const ZHubspotSection = z.object({
  portal: z.object({ id: z.number().int().positive(), name: z.string().min(1) }),
  owners: z.array(ZHubspotOwner),
  companies: z.array(ZHubspotObject),
  contacts: z.array(ZHubspotObject),
  deals: z.array(ZHubspotObject),
  calls: z.array(ZHubspotObject),
  meetings: z.array(ZHubspotObject),
  notes: z.array(ZHubspotObject),
  tickets: z.array(ZHubspotObject),
});

const ZPortfolio = z.object({
  version: z.literal(1),
  clock: z.object({ now: isoTime, speed: z.number().positive().optional() }),
  credentials: z.record(z.string(), z.unknown()).optional(),
  limits: z.record(z.string(), z.unknown()).optional(),
  hubspot: ZHubspotSection,
  stripe: ZStripePortfolio,
  groundTruth: z.unknown().optional(),
});

/** Splits a zod path into the record ("hubspot.companies[3]") and the field within it ("properties.name"). */
function splitPath(path: (string | number)[]): { recordPath: string; field: string } {
  const idx = path.findIndex((p) => typeof p === "number");
  const fmt = (parts: (string | number)[]) =>
    parts.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
  if (idx === -1) {
    if (path.length <= 1) return { recordPath: "(portfolio)", field: path.length ? String(path[0]) : "(root)" };
    return { recordPath: fmt(path.slice(0, -1)), field: String(path[path.length - 1]) };
  }
  const rest = path.slice(idx + 1);
  return { recordPath: fmt(path.slice(0, idx + 1)), field: rest.length ? fmt(rest).replace(/^\./, "") : "(record)" };
}

function recordIdAt(json: unknown, path: (string | number)[]): string | undefined {
  const idx = path.findIndex((p) => typeof p === "number");
  if (idx === -1) return undefined;
  let cur: unknown = json;
  for (const p of path.slice(0, idx + 1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  const id = cur && typeof cur === "object" ? (cur as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : undefined;
}

/**
 * Validates a parsed JSON portfolio (shapes with zod, then references: unique ids per HubSpot type,
 * associations and `hubspot_owner_id` pointing at existing records; Stripe references are checked
 * by the Stripe sandbox's `parseStripePortfolio`).
 * @returns the same data, typed.
 * @throws PortfolioError naming the first bad record and field.
 */
export function parsePortfolio(json: unknown): Portfolio {
  const res = ZPortfolio.safeParse(json);
  if (!res.success) {
    const issue = res.error.issues[0];
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    const { recordPath, field } = splitPath(path);
    throw new PortfolioError(recordPath, field, issue.message, recordIdAt(json, path));
  }
  const p = res.data as unknown as Portfolio;
  try {
    parseStripePortfolio(p.stripe);
  } catch (e) {
    if (e instanceof StripePortfolioError) {
      const { recordPath, field } = splitPath(["stripe", ...e.path]);
      throw new PortfolioError(recordPath, field, e.message, recordIdAt(p.stripe, e.path));
    }
    throw e;
  }
  checkHubspotReferences(p.hubspot);
  return p;
}

function checkHubspotReferences(h: HubspotSection): void {
  const ids: Record<string, Set<string>> = {};
  for (const type of HUBSPOT_OBJECT_TYPES) {
    const seen = new Set<string>();
    h[type].forEach((o, i) => {
      if (seen.has(o.id)) throw new PortfolioError(`hubspot.${type}[${i}]`, "id", `duplicate id ${o.id}`, o.id);
      seen.add(o.id);
    });
    ids[type] = seen;
  }
  const owners = new Set(h.owners.map((o) => o.id));
  for (const type of HUBSPOT_OBJECT_TYPES) {
    h[type].forEach((o, i) => {
      const owner = o.properties.hubspot_owner_id;
      if (owner && !owners.has(owner)) {
        throw new PortfolioError(`hubspot.${type}[${i}]`, "properties.hubspot_owner_id", `no owner with id ${owner}`, o.id);
      }
      for (const [toType, list] of Object.entries(o.associations ?? {})) {
        for (const to of list) {
          if (!ids[toType]?.has(to)) {
            throw new PortfolioError(`hubspot.${type}[${i}]`, `associations.${toType}`, `no ${toType} record with id ${to}`, o.id);
          }
        }
      }
    });
  }
}
