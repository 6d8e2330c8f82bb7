/**
 * The HubSpot connector module (lib/connectors/types.ts ConnectorModule): Test & Save with a
 * private-app token, and the sync run by sync-connection-job. OAuth, write-back, property mappings
 * and webhooks are exported for their routes and jobs.
 */
import type { ConnectorModule } from "@/lib/connectors/types";
import { configureHubspot, ZHubspotConfigureBody } from "./connect";
import { runHubspotSync } from "./sync";

export const hubspotConnector: ConnectorModule = {
  provider: "hubspot",
  configureBody: ZHubspotConfigureBody,
  configure: (db, input) => configureHubspot(db, { organizationId: input.organizationId, body: input.body }),
  runSync: (db, opts, ctx) => runHubspotSync(db, opts, ctx),
};

export { configureHubspot, startHubspotOAuth, completeHubspotOAuth, REQUIRED_SCOPES, WRITE_BACK_SCOPES } from "./connect";
export { runHubspotSync, setHubspotClientDefaults } from "./sync";
