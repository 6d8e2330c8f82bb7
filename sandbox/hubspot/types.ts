/**
 * Shapes of the HubSpot part of a sandbox portfolio (the same shapes the portfolio module,
 * sandbox/portfolio, produces) and of the HubSpot sandbox's configuration.
 */

/** The CRM object types the sandbox serves under /crm/v3/objects/{type}. */
export const OBJECT_TYPES = ["companies", "contacts", "deals", "calls", "meetings", "notes", "tickets"] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export function isObjectType(s: string): s is ObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(s);
}

/** A CRM record as HubSpot's API returns it; `createdAt`/`updatedAt` are ISO-8601 strings. */
export type HubspotObject = {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived?: boolean;
  /** Associated record ids per target object type, e.g. `{ contacts: ["101", "102"] }`. */
  associations?: { [toType: string]: string[] };
};

/** A HubSpot owner (GET /crm/v3/owners/). */
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

/** The `hubspot` section of a portfolio. Object lists may be any iterable (lazy generators welcome). */
export type HubspotPortfolio = {
  portal: { id: number; name: string };
  owners: Iterable<HubspotOwner>;
} & { [K in ObjectType]: Iterable<HubspotObject> };

/** HubSpot rate limits (per token). */
export type HubspotLimits = {
  enabled: boolean;
  /** Requests per rolling 10 s for private-app tokens: 100 (Free/Starter), 190 (Pro/Ent), 250 (add-on). */
  tenSecondly: number;
  /** Requests per rolling 10 s for OAuth access tokens (HubSpot: 110 per installed account). */
  oauthTenSecondly: number;
  /** Search requests per second (HubSpot: ~5). */
  searchPerSecond: number;
  /** Requests per UTC day per token. */
  daily: number;
  /**
   * Associations per record per page in associations v4 reads (batch read `results[].paging.next.after`,
   * GET …/associations/{to} `paging.next.after`). HubSpot's GET endpoint takes `limit` ≤ 500; 500 here.
   */
  associationsPageSize: number;
};

export const DEFAULT_HUBSPOT_LIMITS: HubspotLimits = {
  enabled: true,
  tenSecondly: 100,
  oauthTenSecondly: 110,
  searchPerSecond: 5,
  daily: 250_000,
  associationsPageSize: 500,
};
