/**
 * Provider name → its connector module (lazy, so a route loads only the SDK it needs).
 */
import { AppError } from "@/lib/errors";
import type { ConnectorModule, ProviderName } from "./types";

export const PROVIDERS: ProviderName[] = ["hubspot", "stripe"];

export function isProviderName(s: string): s is ProviderName {
  return (PROVIDERS as string[]).includes(s);
}

/** @throws AppError not_found for an unknown provider name. */
export async function getConnector(name: string): Promise<ConnectorModule> {
  switch (name) {
    case "hubspot":
      return (await import("./hubspot")).hubspotConnector;
    case "stripe":
      return (await import("./stripe")).stripeConnector;
    default:
      throw new AppError("not_found", `unknown integration "${name}": use one of ${PROVIDERS.join(", ")}`);
  }
}
