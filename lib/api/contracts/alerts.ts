/** Contracts of the customer-success workflow (issue 16): alerts, rules, settings, tasks and notes, saved views, book of business. */
import { z } from "zod";
import { defineRoute } from "../contract";
import { ZAlertSettingsInput, ZRuleInput } from "@/lib/alerts/rules";
import { ZNoteInput, ZTaskInput, ZTaskPatch } from "@/lib/tasks/tasks";
import { ZSavedViewInput } from "@/lib/book/saved-views";

const ZId = z.object({ id: z.string().min(1).max(64) });

export const listAlertsRoute = defineRoute({
  method: "GET", path: "/api/alerts", summary: "Alert and digest deliveries, newest first, with status, attempts, the last error and the next attempt (problems = retrying or failed)", tags: ["alerts"],
  auth: { role: "csm" }, query: z.object({ status: z.enum(["all", "problems", "sent"]).default("all"), limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
});
export const resendDeliveryRoute = defineRoute({
  method: "POST", path: "/api/alerts/deliveries/{id}/resend", summary: "Send a failed delivery again (queued now; 409 when already sent)", tags: ["alerts"],
  auth: { role: "admin" }, params: ZId,
});
export const listRulesRoute = defineRoute({
  method: "GET", path: "/api/alerts/rules", summary: "Alert rules (Slack webhook URLs are never returned, only their hint)", tags: ["alerts"], auth: { role: "csm" },
});
export const createRuleRoute = defineRoute({
  method: "POST", path: "/api/alerts/rules", summary: "Create an alert rule: kind + params, Slack and/or e-mail, cooldown, playbook", tags: ["alerts"],
  auth: { role: "admin" }, body: ZRuleInput,
});
export const updateRuleRoute = defineRoute({
  method: "PUT", path: "/api/alerts/rules/{id}", summary: "Replace an alert rule's settings (a webhook URL left out keeps the stored one; \"\" clears it)", tags: ["alerts"],
  auth: { role: "admin" }, params: ZId, body: ZRuleInput,
});
export const deleteRuleRoute = defineRoute({
  method: "DELETE", path: "/api/alerts/rules/{id}", summary: "Delete an alert rule (its past alerts stay)", tags: ["alerts"], auth: { role: "admin" }, params: ZId,
});
export const getAlertSettingsRoute = defineRoute({
  method: "GET", path: "/api/alerts/settings", summary: "Organization alert settings: Slack webhook hint, daily digest time (UTC), HubSpot task/note write-back", tags: ["alerts"], auth: { role: "csm" },
});
export const putAlertSettingsRoute = defineRoute({
  method: "PUT", path: "/api/alerts/settings", summary: "Change the organization's alert settings (fields left out are kept)", tags: ["alerts"],
  auth: { role: "admin" }, body: ZAlertSettingsInput.strict(),
});

export const listTasksRoute = defineRoute({
  method: "GET", path: "/api/tasks", summary: "An account's tasks (account_id), or the caller's open tasks", tags: ["tasks"],
  auth: { role: "csm" }, query: z.object({ account_id: z.string().min(1).max(64).optional() }).strict(),
});
export const createTaskRoute = defineRoute({
  method: "POST", path: "/api/tasks", summary: "Add a task to an account (assignee defaults to the caller)", tags: ["tasks"],
  auth: { role: "csm" }, body: ZTaskInput.extend({ account_id: z.string().min(1).max(64) }).strict(),
});
export const updateTaskRoute = defineRoute({
  method: "PATCH", path: "/api/tasks/{id}", summary: "Change a task (title, due date, assignee, done)", tags: ["tasks"], auth: { role: "csm" }, params: ZId, body: ZTaskPatch.strict(),
});
export const deleteTaskRoute = defineRoute({
  method: "DELETE", path: "/api/tasks/{id}", summary: "Delete a task", tags: ["tasks"], auth: { role: "csm" }, params: ZId,
});
export const listNotesRoute = defineRoute({
  method: "GET", path: "/api/tasks/notes", summary: "An account's notes, newest first", tags: ["tasks"], auth: { role: "csm" }, query: z.object({ account_id: z.string().min(1).max(64) }).strict(),
});
export const createNoteRoute = defineRoute({
  method: "POST", path: "/api/tasks/notes", summary: "Add a note to an account", tags: ["tasks"], auth: { role: "csm" }, body: ZNoteInput.extend({ account_id: z.string().min(1).max(64) }).strict(),
});

export const listViewsRoute = defineRoute({
  method: "GET", path: "/api/views", summary: "The caller's saved views of the accounts table and the organization's shared ones", tags: ["views"], auth: { role: "csm" },
});
export const createViewRoute = defineRoute({
  method: "POST", path: "/api/views", summary: "Save a named set of accounts-table filters (shared: visible to the organization)", tags: ["views"], auth: { role: "csm" }, body: ZSavedViewInput.strict(),
});
export const deleteViewRoute = defineRoute({
  method: "DELETE", path: "/api/views/{id}", summary: "Delete one of the caller's saved views", tags: ["views"], auth: { role: "csm" }, params: ZId,
});
export const listOwnerMappingsRoute = defineRoute({
  method: "GET", path: "/api/views/owners", summary: "Book of business: HubSpot owners and the user each maps to (matched by e-mail or set by an admin)", tags: ["views"], auth: { role: "admin" },
});
export const setOwnerMappingRoute = defineRoute({
  method: "PUT", path: "/api/views/owners/{id}", summary: "Map a HubSpot owner to a user (or to nobody with null); the owner's accounts follow", tags: ["views"],
  auth: { role: "admin" }, params: ZId, body: z.object({ user_id: z.string().min(1).max(64).nullable() }).strict(),
});
export const assignCsmRoute = defineRoute({
  method: "PUT", path: "/api/views/accounts/{id}/csm", summary: "Reassign an account's CSM (null: back to its HubSpot owner's mapping)", tags: ["views"],
  auth: { role: "admin" }, params: ZId, body: z.object({ user_id: z.string().min(1).max(64).nullable() }).strict(),
});

export const alertRoutes = [
  listAlertsRoute, resendDeliveryRoute, listRulesRoute, createRuleRoute, updateRuleRoute, deleteRuleRoute, getAlertSettingsRoute, putAlertSettingsRoute,
  listTasksRoute, createTaskRoute, updateTaskRoute, deleteTaskRoute, listNotesRoute, createNoteRoute,
  listViewsRoute, createViewRoute, deleteViewRoute, listOwnerMappingsRoute, setOwnerMappingRoute, assignCsmRoute,
];
