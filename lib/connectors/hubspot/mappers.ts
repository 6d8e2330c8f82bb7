/**
 * Pure HubSpot record → Churnwatch row mapping (no I/O). HubSpot sends every property as a string
 * (or null); dates as ISO-8601 or epoch-ms strings; money as decimal strings in the portal currency.
 *
 * Deal stage → renewal stage (Deal.renewalStage; open | negotiation | committed | won | lost), for
 * HubSpot's default sales pipeline stage ids, with a label heuristic for custom pipelines:
 *   appointmentscheduled, qualifiedtobuy               → open
 *   presentationscheduled, decisionmakerboughtin       → negotiation
 *   contractsent                                       → committed
 *   closedwon                                          → won
 *   closedlost                                         → lost
 *   anything else: contains "won" → won, "lost"/"churn" → lost, "contract"/"commit" → committed,
 *   "negotiat"/"proposal"/"present" → negotiation, else open.
 * Overridable per connection through `Connection.settings.dealStageMap` {stageId: renewalStage}.
 *
 * Decision-maker conversations (seed 05): a connected call, or a note, whose title/body mentions a
 * decision maker ("decision maker", "DM", CEO/CFO/CTO/COO, VP, "head of", founder, owner, president).
 */
import { normalizeDomain } from "@/lib/accounts/normalize";
import type { HubspotRecord } from "./client";

export type RenewalStage = "open" | "negotiation" | "committed" | "won" | "lost";

const DEFAULT_STAGE_MAP: Record<string, RenewalStage> = {
  appointmentscheduled: "open",
  qualifiedtobuy: "open",
  presentationscheduled: "negotiation",
  decisionmakerboughtin: "negotiation",
  contractsent: "committed",
  closedwon: "won",
  closedlost: "lost",
};

/** Map a HubSpot deal stage id to a renewal stage (see module doc). */
export function renewalStageOf(stage: string | null, overrides: Record<string, string> = {}): RenewalStage | null {
  if (!stage) return null;
  const o = overrides[stage];
  if (o === "open" || o === "negotiation" || o === "committed" || o === "won" || o === "lost") return o;
  const d = DEFAULT_STAGE_MAP[stage.toLowerCase()];
  if (d) return d;
  const s = stage.toLowerCase();
  if (s.includes("won")) return "won";
  if (s.includes("lost") || s.includes("churn")) return "lost";
  if (s.includes("contract") || s.includes("commit")) return "committed";
  if (s.includes("negotiat") || s.includes("proposal") || s.includes("present")) return "negotiation";
  return "open";
}

/** ISO or epoch-ms string → Date (null when empty/unparseable). */
export function parseHsDate(v: string | null | undefined): Date | null {
  if (v === null || v === undefined || v.trim() === "") return null;
  const t = /^-?\d+$/.test(v.trim()) ? Number(v) : Date.parse(v);
  return Number.isFinite(t) ? new Date(t) : null;
}

/** Decimal string → number (null when empty/not a number). */
export function parseNumber(v: string | null | undefined): number | null {
  if (v === null || v === undefined || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Decimal major units ("1234.5") → integer minor units (123450), half-up. */
export function toCents(v: string | null | undefined): number | null {
  const n = parseNumber(v);
  if (n === null) return null;
  return Math.round(n * 100);
}

const str = (v: string | null | undefined): string | null => (v === null || v === undefined || v.trim() === "" ? null : v);

/** The company properties we always request (mapped custom properties are added per connection). */
export const COMPANY_PROPERTIES = [
  "name", "domain", "website", "industry", "annualrevenue", "numberofemployees", "lifecyclestage", "hubspot_owner_id",
  "country", "city", "createdate", "hs_lastmodifieddate", "hs_object_id",
];
/** Our write-back properties: read back so an echo of our own write can be recognised (write-back.ts). */
export const CHURNWATCH_PROPERTIES = ["churnwatch_health_score", "churnwatch_risk_level", "churnwatch_trend", "churnwatch_churn_probability", "churnwatch_last_scored"];
export const CONTACT_PROPERTIES = ["firstname", "lastname", "email", "jobtitle", "phone", "lifecyclestage", "notes_last_updated", "createdate", "lastmodifieddate", "hs_object_id"];
export const DEAL_PROPERTIES = ["dealname", "amount", "deal_currency_code", "dealstage", "pipeline", "closedate", "hs_is_closed", "hs_is_closed_won", "hubspot_owner_id", "createdate", "hs_lastmodifieddate", "hs_object_id"];
/**
 * Engagement properties (developers.hubspot.com/docs/api-reference/latest/crm/activities/calls/guide and
 * …/meetings/guide): `hs_timestamp` is when the call/meeting happened (meetings: defaults to
 * hs_meeting_start_time), `hs_createdate` when the record was created (a meeting's "set" date, issue 17),
 * `hs_call_direction` INBOUND/OUTBOUND "from the perspective of the HubSpot user", `hs_call_disposition` the
 * outcome GUID, `hs_call_duration` milliseconds, `hs_meeting_outcome` SCHEDULED/COMPLETED/RESCHEDULED/NO_SHOW/
 * CANCELED. All three need `crm.objects.contacts.read` (the guides' "Scope requirements").
 */
export const CALL_PROPERTIES = ["hs_timestamp", "hs_createdate", "hs_call_title", "hs_call_body", "hs_call_disposition", "hs_call_duration", "hs_call_direction", "hubspot_owner_id", "hs_lastmodifieddate", "hs_object_id"];
export const MEETING_PROPERTIES = ["hs_timestamp", "hs_createdate", "hs_meeting_title", "hs_meeting_body", "hs_meeting_outcome", "hs_meeting_start_time", "hs_meeting_end_time", "hubspot_owner_id", "hs_lastmodifieddate", "hs_object_id"];
export const NOTE_PROPERTIES = ["hs_timestamp", "hs_createdate", "hs_note_body", "hubspot_owner_id", "hs_lastmodifieddate", "hs_object_id"];
/**
 * The deal property read as MRR when none is configured: HubSpot's default "Monthly recurring revenue"
 * (`hs_mrr`), calculated from the deal's recurring line items (knowledge.hubspot.com/crm-deals/
 * hubspots-default-deal-properties). Which property counts is configurable (SalesActivityConfig.mrrProperty).
 */
export const DEFAULT_DEAL_MRR_PROPERTY = "hs_mrr";
export const TICKET_PROPERTIES = ["subject", "hs_ticket_priority", "hs_pipeline", "hs_pipeline_stage", "createdate", "closed_date", "hs_lastmodifieddate", "hs_object_id"];

/**
 * Properties whose change means "a user changed the company" for echo detection: everything we read
 * except the modification timestamp and our own write-back properties.
 */
export function companyContentKey(props: Record<string, unknown> | null | undefined): string {
  if (!props) return "";
  const keys = Object.keys(props).filter((k) => k !== "hs_lastmodifieddate" && !k.startsWith("churnwatch_")).sort();
  return JSON.stringify(keys.map((k) => [k, props[k] ?? null]));
}

export type CompanyRow = {
  externalId: string; name: string | null; domain: string | null; properties: Record<string, string | null>;
  sourceCreatedAt: Date | null; sourceUpdatedAt: Date | null; archivedAt: Date | null;
};

export function mapCompany(r: HubspotRecord): CompanyRow {
  const p = r.properties;
  return {
    externalId: r.id,
    name: str(p.name),
    domain: normalizeDomain(p.domain ?? p.website ?? null),
    properties: p,
    sourceCreatedAt: parseHsDate(p.createdate) ?? r.createdAt,
    sourceUpdatedAt: parseHsDate(p.hs_lastmodifieddate) ?? r.updatedAt,
    archivedAt: r.archived ? (r.updatedAt ?? new Date()) : null,
  };
}

export type ContactRow = {
  externalId: string; companyExternalId: string | null; firstName: string | null; lastName: string | null; email: string | null;
  jobTitle: string | null; phone: string | null; lifecycleStage: string | null; lastActivityAt: Date | null;
  sourceCreatedAt: Date | null; sourceUpdatedAt: Date | null; archivedAt: Date | null;
};

export function mapContact(r: HubspotRecord, companyIds: string[] | undefined): ContactRow {
  const p = r.properties;
  return {
    externalId: r.id,
    companyExternalId: companyIds?.[0] ?? null,
    firstName: str(p.firstname), lastName: str(p.lastname), email: str(p.email)?.toLowerCase() ?? null,
    jobTitle: str(p.jobtitle), phone: str(p.phone), lifecycleStage: str(p.lifecyclestage),
    lastActivityAt: parseHsDate(p.notes_last_updated),
    sourceCreatedAt: parseHsDate(p.createdate) ?? r.createdAt,
    sourceUpdatedAt: parseHsDate(p.lastmodifieddate) ?? r.updatedAt,
    archivedAt: r.archived ? (r.updatedAt ?? new Date()) : null,
  };
}

export type DealRow = {
  externalId: string; companyExternalId: string | null; name: string | null; amountCents: number | null; currency: string | null;
  dealStage: string | null; pipeline: string | null; renewalStage: string | null; closeDate: Date | null; isClosed: boolean; isWon: boolean;
  ownerExternalId: string | null; mrrCents: number | null; sourceCreatedAt: Date | null; sourceUpdatedAt: Date | null; archivedAt: Date | null;
};

/** @param mrrProperty the deal property read into `mrrCents` (dollars → cents; null when absent/not a number). */
export function mapDeal(r: HubspotRecord, companyIds: string[] | undefined, stageOverrides: Record<string, string> = {}, mrrProperty = DEFAULT_DEAL_MRR_PROPERTY): DealRow {
  const p = r.properties;
  const renewal = renewalStageOf(str(p.dealstage), stageOverrides);
  const isWon = p.hs_is_closed_won === "true" || renewal === "won";
  const isClosed = p.hs_is_closed === "true" || renewal === "won" || renewal === "lost";
  return {
    externalId: r.id,
    companyExternalId: companyIds?.[0] ?? null,
    name: str(p.dealname),
    amountCents: toCents(p.amount),
    currency: str(p.deal_currency_code)?.toLowerCase() ?? null,
    dealStage: str(p.dealstage), pipeline: str(p.pipeline), renewalStage: renewal,
    closeDate: parseHsDate(p.closedate), isClosed, isWon,
    ownerExternalId: str(p.hubspot_owner_id),
    mrrCents: toCents(p[mrrProperty]),
    sourceCreatedAt: parseHsDate(p.createdate) ?? r.createdAt,
    sourceUpdatedAt: parseHsDate(p.hs_lastmodifieddate) ?? r.updatedAt,
    archivedAt: r.archived ? (r.updatedAt ?? new Date()) : null,
  };
}

/** Longest search text kept per engagement (characters, padding included). */
export const SEARCH_TEXT_MAX = 2000;

/**
 * Text → search text: HTML tags removed, lower case, every run of characters other than letters/digits → one
 * space, padded with one space each side (so `LIKE '% ceo %'` is a whole-word match in SQLite and PostgreSQL).
 * null for empty text. Keywords go through the same function (lib/sales-activity/config.ts).
 */
export function toSearchText(text: string | null | undefined, max = SEARCH_TEXT_MAX): string | null {
  if (!text) return null;
  const words = text.replace(/<[^>]+>/g, " ").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  if (!words) return null;
  return ` ${words.slice(0, max - 2).trim()} `;
}

/** HubSpot's default call disposition ids → labels. */
export const CALL_DISPOSITIONS: Record<string, string> = {
  "f240bbac-87c9-4f6e-bf70-924b57d47db7": "connected",
  "73a0d17f-1163-4015-bdd5-ec830791da20": "no_answer",
  "b2cf5968-551e-4856-9783-52b3da59a7d0": "left_voicemail",
  "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": "left_live_message",
  "9d9162e7-6cf3-4944-bf63-4dff82258764": "busy",
  "17b47fee-58de-441e-a44c-c6300d46f273": "wrong_number",
};

const DM_RE = /\b(decision[- ]maker|dm|ceo|cfo|cto|coo|cio|vp|vice president|head of|founder|owner|president|director)\b/i;

export type EngagementType = "call" | "meeting" | "note";
export type EngagementRow = {
  type: EngagementType; externalId: string; companyExternalId: string | null; ownerExternalId: string | null; occurredAt: Date;
  title: string | null; outcome: string | null; durationMs: number | null; isDecisionMaker: boolean | null;
  /** Calls: INBOUND | OUTBOUND (upper case), else null. */
  direction: string | null;
  /** hs_createdate (else the record's createdAt). */
  sourceCreatedAt: Date | null;
  /** The first associated contact (ascending id); undefined when contact associations were not read. */
  contactExternalId?: string | null;
  /** Body/title as search text (toSearchText). */
  searchText: string | null;
  sourceUpdatedAt: Date | null; archivedAt: Date | null;
};

/**
 * @param contactIds the associated contacts (ascending; the first is kept), undefined = not read (the stored one is kept).
 * @returns null when the engagement has no usable timestamp (the sync skips it with that reason).
 */
export function mapEngagement(type: EngagementType, r: HubspotRecord, companyIds: string[] | undefined, contactIds?: string[]): EngagementRow | null {
  const p = r.properties;
  const occurredAt = parseHsDate(p.hs_timestamp) ?? r.createdAt;
  if (!occurredAt) return null;
  let title: string | null = null;
  let outcome: string | null = null;
  let durationMs: number | null = null;
  let isDecisionMaker: boolean | null = null;
  let direction: string | null = null;
  let text: string | null = null;
  if (type === "call") {
    const dir = str(p.hs_call_direction)?.toUpperCase() ?? null;
    direction = dir === "INBOUND" || dir === "OUTBOUND" ? dir : null;
    text = `${p.hs_call_title ?? ""} ${p.hs_call_body ?? ""}`;
    title = str(p.hs_call_title);
    const disp = str(p.hs_call_disposition);
    outcome = disp ? (CALL_DISPOSITIONS[disp] ?? disp) : null;
    const d = parseNumber(p.hs_call_duration);
    durationMs = d === null ? null : Math.round(d);
    isDecisionMaker = outcome === "connected" && DM_RE.test(`${p.hs_call_title ?? ""} ${p.hs_call_body ?? ""}`);
  } else if (type === "meeting") {
    title = str(p.hs_meeting_title);
    text = `${p.hs_meeting_title ?? ""} ${p.hs_meeting_body ?? ""}`;
    outcome = str(p.hs_meeting_outcome)?.toLowerCase() ?? null;
    const s = parseHsDate(p.hs_meeting_start_time), e = parseHsDate(p.hs_meeting_end_time);
    durationMs = s && e ? Math.max(0, e.getTime() - s.getTime()) : null;
  } else {
    const body = str(p.hs_note_body);
    text = body;
    title = body ? body.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200) : null;
    isDecisionMaker = body ? DM_RE.test(body) : false;
  }
  return {
    type, externalId: r.id, companyExternalId: companyIds?.[0] ?? null, ownerExternalId: str(p.hubspot_owner_id), occurredAt,
    title, outcome, durationMs, isDecisionMaker, direction,
    sourceCreatedAt: parseHsDate(p.hs_createdate) ?? r.createdAt ?? null,
    ...(contactIds ? { contactExternalId: contactIds[0] ?? null } : {}),
    searchText: toSearchText(text),
    sourceUpdatedAt: parseHsDate(p.hs_lastmodifieddate) ?? r.updatedAt,
    archivedAt: r.archived ? (r.updatedAt ?? new Date()) : null,
  };
}

export type TicketRow = {
  externalId: string; companyExternalId: string | null; subject: string | null; priority: string | null; status: string | null; isOpen: boolean;
  openedAt: Date; closedAt: Date | null; sourceUpdatedAt: Date | null; archivedAt: Date | null;
};

/** Default ticket pipeline: stage "4" is Closed; any stage with a closed_date counts as closed. */
export function mapTicket(r: HubspotRecord, companyIds: string[] | undefined): TicketRow | null {
  const p = r.properties;
  const openedAt = parseHsDate(p.createdate) ?? r.createdAt;
  if (!openedAt) return null;
  const closedAt = parseHsDate(p.closed_date);
  const stage = str(p.hs_pipeline_stage);
  return {
    externalId: r.id, companyExternalId: companyIds?.[0] ?? null, subject: str(p.subject),
    priority: str(p.hs_ticket_priority)?.toLowerCase() ?? null, status: stage,
    isOpen: !closedAt && stage !== "4", openedAt, closedAt,
    sourceUpdatedAt: parseHsDate(p.hs_lastmodifieddate) ?? r.updatedAt,
    archivedAt: r.archived ? (r.updatedAt ?? new Date()) : null,
  };
}
