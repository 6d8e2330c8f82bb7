/**
 * The HubSpot API version the connector speaks — the ONE place to change it.
 *
 * HubSpot moved from numbered paths (`/crm/v3/objects/companies`, `/crm/v4/associations/…`) to date versions
 * in the path (`/crm/objects/2026-03/companies`, pattern `/api-name/YYYY-MM/resource`,
 * developers.hubspot.com/docs/api-reference/2026-03/overview). A version ships each March and September and is
 * supported 18 months; v1-v4 lose support in September 2027 (associations v4 on 2027-03-30)
 * (developers.hubspot.com/docs/api-reference/legacy/migration-guide, .../developer-tooling/platform/versioning).
 *
 * `@hubspot/api-client` 14.0.1 (pinned) builds the legacy paths. So we keep using the SDK and rewrite each
 * request's path to the configured version: an SDK middleware (`versionMiddleware`, `pre` hook, which every
 * generated API runs before sending) for SDK calls, `versionedPath` for our raw `apiRequest` calls (which bypass
 * middleware). With `HUBSPOT_API_VERSION = "v3"` both are the identity.
 *
 * Moving to the date-versioned API = setting `HUBSPOT_API_VERSION = "2026-03"` (or a later "YYYY-MM") and
 * running the HubSpot tests: the sandbox serves both path families (sandbox/hubspot/versions.ts) and
 * tests/connectors/hubspot-api-version.test.ts syncs through the dated paths. Before doing it for real, read the
 * version's changelog: from 2026-09 HubSpot applies admin-configured validation rules to every CRM write
 * (write-back), and the shapes we read must be re-checked against the new version's reference.
 */

/** "v3" (legacy numbered paths) or a HubSpot date version "YYYY-MM". */
export type HubspotApiVersion = "v3" | `${number}-${"03" | "09"}`;

/** The version every HubSpot request of the connector uses. Change it here, nowhere else. */
export const HUBSPOT_API_VERSION: HubspotApiVersion = "v3";

/** Legacy path prefix → dated path family (`{v}` = the date version). Order matters: the first match wins. */
const RULES: [RegExp, (v: string, rest: string) => string][] = [
  // GET /crm/v4/objects/{from}/{id}/associations/{to} → /crm/objects/{v}/{from}/{id}/associations/{to}
  [/^\/crm\/v4\/objects(\/.*)$/, (v, rest) => `/crm/objects/${v}${rest}`],
  [/^\/crm\/v3\/objects(\/.*)?$/, (v, rest) => `/crm/objects/${v}${rest}`],
  [/^\/crm\/v4\/associations(\/.*)?$/, (v, rest) => `/crm/associations/${v}${rest}`],
  [/^\/crm\/v3\/properties(\/.*)?$/, (v, rest) => `/crm/properties/${v}${rest}`],
  [/^\/crm\/v3\/owners(\/.*)?$/, (v, rest) => `/crm/owners/${v}${rest || "/"}`],
  [/^\/account-info\/v3(\/.*)?$/, (v, rest) => `/account-info/${v}${rest}`],
  [/^\/oauth\/v3\/token(\/introspect)?$/, (v, rest) => `/oauth/${v}/token${rest}`],
];

/**
 * The path to call for a legacy (v3/v4) API path under `version`: unchanged for "v3" and for paths with no
 * dated equivalent here (e.g. the private-app token info, the v1 OAuth token exchange); otherwise the dated path.
 * A query string is kept as is.
 *   versionedPath("/crm/v3/objects/companies?limit=1", "2026-03") → "/crm/objects/2026-03/companies?limit=1"
 */
export function versionedPath(path: string, version: HubspotApiVersion = HUBSPOT_API_VERSION): string {
  if (version === "v3") return path;
  const q = path.indexOf("?");
  const pathname = q === -1 ? path : path.slice(0, q);
  const query = q === -1 ? "" : path.slice(q);
  for (const [re, to] of RULES) {
    const m = re.exec(pathname);
    if (m) return to(version, m[1] ?? "") + query;
  }
  return path;
}

type SdkRequestContext = { getUrl(): string; setUrl(url: string): void };

/**
 * An `@hubspot/api-client` middleware that rewrites every SDK request to `version` (identity for "v3").
 * `basePath` is the client's base URL; only the part of the path after it is rewritten.
 */
export function versionMiddleware(basePath: string, version: HubspotApiVersion = HUBSPOT_API_VERSION): { pre(ctx: unknown): unknown; post(ctx: unknown): unknown } {
  const prefix = new URL(basePath).pathname.replace(/\/$/, "");
  return {
    pre(ctx: unknown) {
      if (version === "v3") return ctx;
      const c = ctx as SdkRequestContext;
      const u = new URL(c.getUrl());
      if (!u.pathname.startsWith(prefix)) return ctx;
      const rewritten = versionedPath(u.pathname.slice(prefix.length), version);
      if (rewritten !== u.pathname.slice(prefix.length)) {
        u.pathname = prefix + rewritten;
        c.setUrl(u.toString());
      }
      return ctx;
    },
    post(ctx: unknown) {
      return ctx;
    },
  };
}
