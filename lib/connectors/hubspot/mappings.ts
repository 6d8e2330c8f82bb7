/**
 * Custom property mapping: HubSpot company property → Churnwatch account field, stored in
 * Connection.settings.propertyMappings and applied on the next sync (the company's SourceRecord
 * carries the mapped properties; identity resolution copies them into Account.customFields).
 * Validated against the portal's property list (`GET /crm/v3/properties/companies`).
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { openClient, type OpenClientOptions } from "./connection";
import { isHubspotError } from "./errors";

/** Account field names: identifiers (they become keys of Account.customFields). */
export const ZAccountField = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, "account field names are letters, digits and _ (max 64), starting with a letter");

export const ZMappingsBody = z.object({
  connection_id: z.string().optional(),
  mappings: z.record(z.string().min(1).max(100), ZAccountField),
}).strict();

/**
 * Replace a connection's property mappings.
 * @param connectionId optional when the organization has exactly one HubSpot connection.
 * @throws AppError bad_request naming unknown HubSpot properties; not_found / bad_request (ambiguous connection);
 *   upstream_error when HubSpot cannot list the properties.
 */
export async function setPropertyMappings(db: Db, p: { organizationId: string; connectionId?: string; mappings: Record<string, string>; clientOptions?: OpenClientOptions }): Promise<{ connectionId: string; mappings: Record<string, string> }> {
  const conns = await db.connection.findMany({ where: { organizationId: p.organizationId, provider: "hubspot", credentialsEnc: { not: null }, ...(p.connectionId ? { id: p.connectionId } : {}) } });
  if (conns.length === 0) throw new AppError("not_found", p.connectionId ? `HubSpot connection ${p.connectionId} not found` : "no HubSpot connection: connect HubSpot first");
  if (conns.length > 1) throw new AppError("bad_request", `this organization has ${conns.length} HubSpot portals: say which one with connection_id (${conns.map((c) => `${c.id} = ${c.displayName}`).join(", ")})`);
  const conn = conns[0];
  const { client } = await openClient(db, conn.id, p.clientOptions);
  let known: Set<string>;
  try {
    known = new Set((await client.companyProperties()).map((x) => x.name));
  } catch (e) {
    throw new AppError("upstream_error", `could not read the portal's company properties: ${isHubspotError(e) && e.guidance ? e.guidance : e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const unknown = Object.keys(p.mappings).filter((k) => !known.has(k));
  if (unknown.length) {
    throw new AppError("bad_request", `unknown HubSpot company propert${unknown.length > 1 ? "ies" : "y"}: ${unknown.join(", ")} — use the internal name shown in HubSpot > Settings > Properties`, { fields: Object.fromEntries(unknown.map((u) => [`mappings.${u}`, "no such company property in this portal"])) });
  }
  const settings = { ...((conn.settings as Record<string, unknown> | null) ?? {}), propertyMappings: p.mappings };
  await db.connection.update({ where: { id: conn.id }, data: { settings } });
  return { connectionId: conn.id, mappings: p.mappings };
}
