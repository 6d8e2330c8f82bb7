/**
 * Every route contract, for the OpenAPI document. Add your domain's array here (one line each).
 */
import type { RouteContract } from "../contract";
import { accountRoutes } from "./accounts";
import { adminRoutes } from "./admin";
import { alertRoutes } from "./alerts";
import { commandRoutes } from "./commands";
import { coreRoutes } from "./core";
import { integrationRoutes } from "./integrations";
import { hubspotRoutes } from "./hubspot";
import { stripeRoutes } from "./stripe";
import { salesActivityRoutes } from "./sales-activity";
import { revenueRoutes } from "./revenue";

export const ALL_ROUTES: RouteContract[] = [
  ...coreRoutes,
  ...integrationRoutes,
  ...stripeRoutes,
  ...hubspotRoutes,
  ...accountRoutes,
  ...adminRoutes,
  ...alertRoutes,
  ...commandRoutes,
  ...salesActivityRoutes,
  ...revenueRoutes,
];
