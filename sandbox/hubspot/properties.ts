/**
 * Property definitions per object type, as `GET /crm/v3/properties/{objectType}` returns them
 * (https://developers.hubspot.com/docs/api/crm/properties). The sandbox starts with HubSpot's
 * common default properties and adds every property name it finds in the portfolio.
 */
import type { ObjectType } from "./types";

export const PROPERTY_TYPES = ["string", "number", "date", "datetime", "enumeration", "bool"] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];
export const FIELD_TYPES = [
  "text", "textarea", "number", "date", "select", "radio", "checkbox", "booleancheckbox",
  "calculation_equation", "phonenumber", "file", "html",
] as const;

export type PropertyOption = { label: string; value: string; displayOrder: number; hidden: boolean; description?: string };

/** A property definition in HubSpot's wire shape. */
export type PropertyDef = {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  displayOrder: number;
  options: PropertyOption[];
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
  formField: boolean;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
};

export type PropertyGroup = { name: string; label: string; displayOrder: number; archived: boolean };

/** Properties whose values the sandbox computes (never stored, read-only through the API). */
export function derivedProperties(type: ObjectType): string[] {
  return ["hs_object_id", "createdate", type === "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate"];
}

/** Name of the "last modified" property: `lastmodifieddate` for contacts, else `hs_lastmodifieddate`. */
export function lastModifiedProperty(type: ObjectType): string {
  return type === "contacts" ? "lastmodifieddate" : "hs_lastmodifieddate";
}

/** Properties returned when a request names none (HubSpot's defaults per object type). */
export const DEFAULT_RETURNED: Record<ObjectType, string[]> = {
  companies: ["name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"],
  contacts: ["firstname", "lastname", "email", "createdate", "lastmodifieddate", "hs_object_id"],
  deals: ["dealname", "amount", "closedate", "pipeline", "dealstage", "createdate", "hs_lastmodifieddate", "hs_object_id"],
  calls: ["hs_timestamp", "createdate", "hs_lastmodifieddate", "hs_object_id"],
  meetings: ["hs_timestamp", "createdate", "hs_lastmodifieddate", "hs_object_id"],
  notes: ["hs_timestamp", "createdate", "hs_lastmodifieddate", "hs_object_id"],
  tickets: ["subject", "content", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority", "createdate", "hs_lastmodifieddate", "hs_object_id"],
};

const SEED: Record<ObjectType, [string, PropertyType][]> = {
  companies: [
    ["name", "string"], ["domain", "string"], ["industry", "enumeration"], ["country", "string"], ["city", "string"],
    ["phone", "string"], ["numberofemployees", "number"], ["annualrevenue", "number"], ["lifecyclestage", "enumeration"],
    ["hubspot_owner_id", "enumeration"], ["notes_last_contacted", "datetime"], ["num_associated_contacts", "number"],
    ["num_associated_deals", "number"],
  ],
  contacts: [
    ["firstname", "string"], ["lastname", "string"], ["email", "string"], ["phone", "string"], ["jobtitle", "string"],
    ["company", "string"], ["lifecyclestage", "enumeration"], ["hubspot_owner_id", "enumeration"], ["associatedcompanyid", "number"],
    ["notes_last_contacted", "datetime"],
  ],
  deals: [
    ["dealname", "string"], ["amount", "number"], ["closedate", "datetime"], ["pipeline", "enumeration"], ["dealstage", "enumeration"],
    ["hubspot_owner_id", "enumeration"], ["hs_is_closed_won", "bool"], ["hs_is_closed", "bool"], ["deal_currency_code", "enumeration"],
  ],
  calls: [["hs_timestamp", "datetime"], ["hs_call_title", "string"], ["hs_call_body", "string"], ["hs_call_duration", "number"],
    ["hs_call_direction", "enumeration"], ["hs_call_status", "enumeration"], ["hubspot_owner_id", "enumeration"]],
  meetings: [["hs_timestamp", "datetime"], ["hs_meeting_title", "string"], ["hs_meeting_body", "string"], ["hs_meeting_start_time", "datetime"],
    ["hs_meeting_end_time", "datetime"], ["hs_meeting_outcome", "enumeration"], ["hubspot_owner_id", "enumeration"]],
  notes: [["hs_timestamp", "datetime"], ["hs_note_body", "string"], ["hubspot_owner_id", "enumeration"]],
  tickets: [
    ["subject", "string"], ["content", "string"], ["hs_pipeline", "enumeration"], ["hs_pipeline_stage", "enumeration"],
    ["hs_ticket_priority", "enumeration"], ["hs_ticket_category", "enumeration"], ["closed_date", "datetime"],
    ["time_to_close", "number"], ["time_to_first_agent_reply", "number"], ["hubspot_owner_id", "enumeration"],
  ],
};

const INFO_GROUP: Record<ObjectType, string> = {
  companies: "companyinformation", contacts: "contactinformation", deals: "dealinformation",
  calls: "call", meetings: "meeting", notes: "note", tickets: "ticketinformation",
};

/** The default group every seeded property lives in. */
export function defaultGroup(type: ObjectType): PropertyGroup {
  const name = INFO_GROUP[type];
  return { name, label: name.replace(/information$/, " information").replace(/^./, (c) => c.toUpperCase()), displayOrder: -1, archived: false };
}

function fieldTypeFor(t: PropertyType): string {
  return t === "number" ? "number" : t === "date" || t === "datetime" ? "date" : t === "enumeration" ? "select" : t === "bool" ? "booleancheckbox" : "text";
}

/** Builds a property definition in HubSpot's shape. */
export function makeProperty(
  name: string,
  type: PropertyType,
  opts: { label?: string; fieldType?: string; groupName: string; hubspotDefined: boolean; at: string; options?: PropertyOption[]; description?: string; displayOrder?: number; readOnlyValue?: boolean; hasUniqueValue?: boolean },
): PropertyDef {
  return {
    name,
    label: opts.label ?? name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()),
    type,
    fieldType: opts.fieldType ?? fieldTypeFor(type),
    groupName: opts.groupName,
    description: opts.description ?? "",
    displayOrder: opts.displayOrder ?? -1,
    options: opts.options ?? [],
    calculated: false,
    externalOptions: false,
    hasUniqueValue: opts.hasUniqueValue ?? false,
    hidden: false,
    hubspotDefined: opts.hubspotDefined,
    formField: !opts.hubspotDefined,
    archived: false,
    createdAt: opts.at,
    updatedAt: opts.at,
    modificationMetadata: { archivable: !opts.hubspotDefined, readOnlyDefinition: opts.hubspotDefined, readOnlyValue: opts.readOnlyValue ?? false },
  };
}

/** The seeded (HubSpot-defined) properties of a type, including the derived read-only ones. */
export function seedProperties(type: ObjectType, at: string): PropertyDef[] {
  const groupName = INFO_GROUP[type];
  const out = SEED[type].map(([n, t]) => makeProperty(n, t, { groupName, hubspotDefined: true, at }));
  out.push(makeProperty("hs_object_id", "number", { label: "Record ID", groupName, hubspotDefined: true, at, readOnlyValue: true }));
  out.push(makeProperty("createdate", "datetime", { label: "Create Date", groupName, hubspotDefined: true, at, readOnlyValue: true }));
  out.push(makeProperty(lastModifiedProperty(type), "datetime", { label: "Last Modified Date", groupName, hubspotDefined: true, at, readOnlyValue: true }));
  return out;
}

/** Guesses a property type from a sample value found in a portfolio (numbers, ISO dates, else string). */
export function inferType(name: string, sample: string | null): PropertyType {
  if (sample === null) return /date|_at$|timestamp/.test(name) ? "datetime" : "string";
  if (/^-?\d+(\.\d+)?$/.test(sample) && !/(^|_)(id|zip|phone)/.test(name)) return /date|timestamp/.test(name) ? "datetime" : "number";
  if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(sample)) return "datetime";
  if (sample === "true" || sample === "false") return "bool";
  return "string";
}
