/**
 * HubSpot OAuth token endpoint (`POST /oauth/v1/token`, form-encoded; v1 is deprecated on
 * 2027-02-16 in favour of /oauth/v3/token — this is the one place to change), with the app's
 * client id/secret from env (HUBSPOT_CLIENT_ID / HUBSPOT_CLIENT_SECRET).
 */
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { HubspotClient } from "./client";

/** The OAuth app credentials. @throws AppError not_configured when HUBSPOT_CLIENT_ID/SECRET are unset. */
export function oauthApp(): { clientId: string; clientSecret: string } {
  const e = env();
  if (!e.HUBSPOT_CLIENT_ID || !e.HUBSPOT_CLIENT_SECRET) {
    throw new AppError("not_configured", "HubSpot OAuth is not configured: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET in the server's environment (the Auth tab of your HubSpot app on the developer platform) and restart; until then connect with an access token (Service Key, static-auth app or legacy private-app token)");
  }
  return { clientId: e.HUBSPOT_CLIENT_ID, clientSecret: e.HUBSPOT_CLIENT_SECRET };
}

/**
 * Exchange an authorization code or a refresh token.
 * @returns {accessToken, refreshToken (null when HubSpot did not rotate it), expiresInSec}
 * @throws HubspotError (status 400 for a bad/revoked code or refresh token), AppError not_configured.
 */
export async function exchangeToken(
  p: { grantType: "authorization_code"; code: string; redirectUri: string } | { grantType: "refresh_token"; refreshToken: string },
  opts: { basePath?: string } = {},
): Promise<{ accessToken: string; refreshToken: string | null; expiresInSec: number }> {
  const app = oauthApp();
  // No bearer token on this endpoint; an unauthenticated client with pacing off (a single call).
  const client = new HubspotClient({ accessToken: "", basePath: opts.basePath, pacer: { disabled: true } });
  return client.oauthToken({ ...p, ...app });
}
