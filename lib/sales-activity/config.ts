/**
 * Settings of the sales-activity scorecard (issue 17; docs/sales-activity.md), one SalesActivityConfig row per
 * organization (absent = DEFAULT_SALES_ACTIVITY_CONFIG):
 * - decisionMakerTitles: words/phrases; a contact whose job title contains one as whole words is a decision maker
 *   ("VP Sales", "Head of Operations", "Co-Founder" with "founder"). Primary rule.
 * - noteKeywords + keywordRule: words/phrases in a note's body, or a connected call's / held meeting's title and body,
 *   that mark a decision-maker conversation (seed 05's rule). Secondary, can be switched off.
 * - dealValue: "amount" (the deal's `amount`) or "mrr" (the deal property `mrrProperty`, default HubSpot's hs_mrr)
 *   is what "MRR closed" sums.
 * Matching is case- and accent-insensitive on whole words: both sides go through toSearchText
 * (lib/connectors/hubspot/mappers.ts), so "DM" never matches "admin" and "CTO" never matches "director".
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { DEFAULT_DEAL_MRR_PROPERTY, toSearchText } from "@/lib/connectors/hubspot/mappers";

export type SalesActivityConfig = {
  decisionMakerTitles: string[];
  noteKeywords: string[];
  keywordRule: boolean;
  dealValue: "amount" | "mrr";
  mrrProperty: string;
};

/** The defaults (issue 17: CEO, founder, owner, VP, director, head of …; seed 05: "decision maker", "DM", "CEO"). */
export const DEFAULT_SALES_ACTIVITY_CONFIG: SalesActivityConfig = {
  decisionMakerTitles: [
    "ceo", "chief executive officer", "founder", "owner", "president", "vp", "vice president", "svp", "evp",
    "director", "head of", "cfo", "cto", "coo", "cio", "cmo", "cro", "chief", "managing director", "general manager",
  ],
  noteKeywords: ["decision maker", "dm", "ceo"],
  keywordRule: true,
  dealValue: "amount",
  mrrProperty: DEFAULT_DEAL_MRR_PROPERTY,
};

const ZPhrase = z.string().trim().min(1).max(80).refine((s) => toSearchText(s) !== null, "needs at least one letter or digit");

/** Body of PUT /api/sales-activity/config (every field optional: omitted = unchanged). */
export const ZSalesActivityConfigInput = z.object({
  decision_maker_titles: z.array(ZPhrase).max(200).optional().describe("Job-title words/phrases of decision makers"),
  note_keywords: z.array(ZPhrase).max(200).optional().describe("Words/phrases in notes / call bodies that mark a decision-maker conversation"),
  keyword_rule: z.boolean().optional().describe("Count the keyword rule (the job-title rule always counts)"),
  deal_value: z.enum(["amount", "mrr"]).optional().describe("What MRR closed sums: the deal amount, or the MRR property"),
  mrr_property: z.string().trim().regex(/^[a-z0-9_]{1,100}$/, "a HubSpot internal property name (lower case, digits, _)").optional()
    .describe("HubSpot deal property read as MRR (default hs_mrr); a change applies from the next full deals sync"),
}).strict();
export type SalesActivityConfigInput = z.infer<typeof ZSalesActivityConfigInput>;

function strings(v: unknown, fallback: string[]): string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : fallback;
}

/** The organization's settings (defaults when none are stored). */
export async function getSalesActivityConfig(db: Db, organizationId: string): Promise<SalesActivityConfig> {
  const row = await db.salesActivityConfig.findUnique({ where: { organizationId } });
  if (!row) return { ...DEFAULT_SALES_ACTIVITY_CONFIG };
  return {
    decisionMakerTitles: strings(row.decisionMakerTitles, DEFAULT_SALES_ACTIVITY_CONFIG.decisionMakerTitles),
    noteKeywords: strings(row.noteKeywords, DEFAULT_SALES_ACTIVITY_CONFIG.noteKeywords),
    keywordRule: row.keywordRule,
    dealValue: row.dealValue === "mrr" ? "mrr" : "amount",
    mrrProperty: row.mrrProperty || DEFAULT_DEAL_MRR_PROPERTY,
  };
}

/** Store the organization's settings (fields left out keep their value). @returns the new settings. */
export async function saveSalesActivityConfig(db: Db, organizationId: string, input: SalesActivityConfigInput): Promise<SalesActivityConfig> {
  const cur = await getSalesActivityConfig(db, organizationId);
  const next: SalesActivityConfig = {
    decisionMakerTitles: input.decision_maker_titles ?? cur.decisionMakerTitles,
    noteKeywords: input.note_keywords ?? cur.noteKeywords,
    keywordRule: input.keyword_rule ?? cur.keywordRule,
    dealValue: input.deal_value ?? cur.dealValue,
    mrrProperty: input.mrr_property ?? cur.mrrProperty,
  };
  await db.salesActivityConfig.upsert({ where: { organizationId }, create: { organizationId, ...next }, update: next });
  return next;
}

/** The deal property the HubSpot sync stores as Deal.mrrCents for this organization (default hs_mrr). */
export async function salesMrrPropertyOf(db: Db, organizationId: string): Promise<string> {
  const row = await db.salesActivityConfig.findUnique({ where: { organizationId }, select: { mrrProperty: true } });
  return row?.mrrProperty || DEFAULT_DEAL_MRR_PROPERTY;
}

/** Phrases as padded search text (" head of "), deduplicated; unusable ones dropped. */
export function phrasePatterns(phrases: string[]): string[] {
  return [...new Set(phrases.map((p) => toSearchText(p)).filter((p): p is string => p !== null))];
}

/** Whether `text` contains one of the phrases as whole words (case/accent-insensitive). */
export function matchesAnyPhrase(text: string | null | undefined, phrases: string[]): boolean {
  const t = toSearchText(text);
  if (!t) return false;
  return phrasePatterns(phrases).some((p) => t.includes(p));
}
