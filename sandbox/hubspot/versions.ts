/**
 * HubSpot's date-versioned API paths, served beside the legacy v3/v4 ones.
 *
 * Since 2026-03 HubSpot's REST APIs carry a date version in the path: `/api-name/YYYY-MM/resource`, e.g.
 * `GET /crm/objects/2026-03/contacts` for `GET /crm/v3/objects/contacts`, and
 * `POST /crm/associations/2026-03/{from}/{to}/batch/read` for the v4 batch read
 * (developers.hubspot.com/docs/api-reference/2026-03/overview; .../2026-03/crm/associations/associate-records/
 * batch/get-associations; .../2026-03/authentication/oauth-tokens/token-introspect). A new version ships each
 * March and September and is supported for 18 months; v1-v4 lose support in 2027
 * (developers.hubspot.com/docs/api-reference/legacy/migration-guide).
 *
 * The sandbox answers a dated path with the same handler as its legacy equivalent: the shapes the
 * connectors read did not change between v3 and 2026-03/2026-09 for the endpoints below. An unknown date
 * version is a 404, as on HubSpot.
 */

/** Date versions the sandbox serves. */
export const HUBSPOT_DATED_VERSIONS = ["2026-03", "2026-09"] as const;

const DATED = /^\/(crm\/objects|crm\/associations|crm\/properties|crm\/owners|account-info|oauth)\/(\d{4}-\d{2})(\/.*)?$/;

/**
 * The legacy path a request path stands for: itself when it is not date-versioned, the v3/v4 equivalent
 * when it is, null for an unknown date version or a dated path with no legacy equivalent here.
 *   /crm/objects/2026-03/companies                        → /crm/v3/objects/companies
 *   /crm/objects/2026-03/companies/1/associations/contacts → /crm/v4/objects/companies/1/associations/contacts
 *   /crm/associations/2026-03/contacts/companies/batch/read → /crm/v4/associations/contacts/companies/batch/read
 *   /crm/properties/2026-03/companies                     → /crm/v3/properties/companies
 *   /crm/owners/2026-03/                                  → /crm/v3/owners/
 *   /account-info/2026-03/details                         → /account-info/v3/details
 *   /oauth/2026-03/token, /oauth/2026-03/token/introspect → /oauth/v3/token, /oauth/v3/token/introspect
 */
export function legacyPath(path: string): string | null {
  const m = DATED.exec(path);
  if (!m) return path;
  if (!(HUBSPOT_DATED_VERSIONS as readonly string[]).includes(m[2])) return null;
  const rest = m[3] ?? "";
  switch (m[1]) {
    case "crm/objects":
      return /^\/[^/]+\/[^/]+\/associations\/[^/]+\/?$/.test(rest) ? `/crm/v4/objects${rest}` : `/crm/v3/objects${rest}`;
    case "crm/associations":
      return `/crm/v4/associations${rest}`;
    case "crm/properties":
      return `/crm/v3/properties${rest}`;
    case "crm/owners":
      return `/crm/v3/owners${rest || "/"}`;
    case "account-info":
      return `/account-info/v3${rest}`;
    case "oauth":
      return rest === "/token" || rest === "/token/introspect" ? `/oauth/v3${rest}` : null;
    default:
      return null;
  }
}
