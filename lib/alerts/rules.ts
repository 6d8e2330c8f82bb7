/**
 * Alert rules of an organization (issue 16): what a rule watches (`kind` + `params`), where it sends (Slack
 * incoming webhook and/or e-mail to the account's CSM or a list), its cooldown and its playbook.
 *
 * Secrets: a Slack incoming-webhook URL is a bearer secret (anyone holding it can post to the channel), so it is
 * stored AES-256-GCM encrypted (lib/crypto.ts, `slackWebhookEnc`) and only its hint (last 4 characters) is ever
 * returned, like the vendor credentials (docs/security.md).
 */
import { z } from "zod";
import type { Db } from "@/lib/db";
import { decryptSecret, encryptSecret, secretHint } from "@/lib/crypto";
import { AppError } from "@/lib/errors";

export const RULE_KINDS = [
  "risk_level_changed",
  "score_dropped",
  "payment_failed",
  "cancellation_scheduled",
  "renewal_at_risk",
  "probability_above",
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** Parameters per kind (units in the names: points of health score, days, share 0-1, probability 0-1). */
export const ZRuleParams = {
  /** Fires when the latest scored day's risk level is one of `levels` and differs from the previous scored day. */
  risk_level_changed: z.object({ levels: z.array(z.enum(["at_risk", "critical"])).min(1).default(["critical"]) }),
  /** Fires when the health score fell by at least `points` against the score `days` days before. */
  score_dropped: z.object({ points: z.number().min(1).max(100).default(10), days: z.number().int().min(1).max(90).default(7) }),
  /** Fires once per failed Stripe charge created within `days` days of the latest scored day. */
  payment_failed: z.object({ days: z.number().int().min(1).max(30).default(3) }),
  /** Fires when subscriptions scheduled to cancel carry at least `share` (0-1) of the account's MRR. */
  cancellation_scheduled: z.object({ share: z.number().min(0.01).max(1).default(0.5) }),
  /** Fires once per renewal date when the renewal is within `days` days and the account is at risk or critical. */
  renewal_at_risk: z.object({ days: z.number().int().min(1).max(365).default(30) }),
  /** Fires when the churn probability crosses `probability` (was below it, or unknown, the previous scored day). */
  probability_above: z.object({ probability: z.number().min(0.01).max(0.99).default(0.7) }),
} as const satisfies Record<RuleKind, z.ZodType>;

export type RuleParams = { [K in RuleKind]: z.infer<(typeof ZRuleParams)[K]> };

/**
 * A Slack incoming-webhook URL: https (Slack's are https://hooks.slack.com/services/…), or http only to a loopback
 * host (the sandbox receiver). Anything else is refused so a rule cannot make the server call arbitrary plain-http hosts.
 */
export const ZSlackWebhookUrl = z.string().trim().max(512).url().refine((u) => {
  const url = new URL(u);
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}, "must be an https:// Slack incoming-webhook URL (http:// only to localhost)");

export const ZPlaybookItem = z.object({ title: z.string().trim().min(1).max(200), due_in_days: z.number().int().min(0).max(365).default(2) });

export const ZRuleInput = z.object({
  name: z.string().trim().min(1).max(120),
  kind: z.enum(RULE_KINDS),
  params: z.record(z.string(), z.unknown()).default({}),
  slack_enabled: z.boolean().default(false),
  /** The rule's own webhook URL; omitted = the organization's; "" clears it. */
  slack_webhook_url: z.union([ZSlackWebhookUrl, z.literal("")]).optional(),
  email_enabled: z.boolean().default(false),
  email_to: z.enum(["csm", "list"]).default("csm"),
  email_list: z.array(z.string().trim().email().max(254)).max(50).default([]),
  cooldown_hours: z.number().int().min(0).max(24 * 90).default(24),
  playbook: z.array(ZPlaybookItem).max(10).default([]),
  enabled: z.boolean().default(true),
});
export type RuleInput = z.input<typeof ZRuleInput>;

/** A rule as the API returns it: never the webhook URL, only its hint. */
export type RuleView = {
  id: string; name: string; kind: RuleKind; params: Record<string, unknown>;
  slackEnabled: boolean; slackWebhookHint: string | null; emailEnabled: boolean; emailTo: "csm" | "list"; emailList: string[];
  cooldownHours: number; playbook: { title: string; dueInDays: number }[]; enabled: boolean; createdAt: Date; updatedAt: Date;
};

type RuleRow = {
  id: string; name: string; kind: string; params: unknown; slackEnabled: boolean; slackWebhookEnc: string | null; slackWebhookHint: string | null;
  emailEnabled: boolean; emailTo: string; emailList: unknown; cooldownHours: number; playbook: unknown; enabled: boolean; createdAt: Date; updatedAt: Date;
};

/** Parse a kind's params with its defaults. @throws AppError validation_failed naming the bad field. */
export function parseRuleParams<K extends RuleKind>(kind: K, raw: unknown): RuleParams[K] {
  const r = (ZRuleParams[kind] as z.ZodType).safeParse(raw ?? {});
  if (!r.success) {
    const fields = Object.fromEntries(r.error.issues.map((i) => [`params.${i.path.join(".")}`, i.message]));
    throw new AppError("validation_failed", `invalid params for ${kind}`, { fields });
  }
  return r.data as RuleParams[K];
}

export function toRuleView(r: RuleRow): RuleView {
  const playbook = z.array(z.object({ title: z.string(), dueInDays: z.number() })).safeParse(r.playbook);
  const list = z.array(z.string()).safeParse(r.emailList);
  return {
    id: r.id, name: r.name, kind: r.kind as RuleKind, params: (r.params ?? {}) as Record<string, unknown>,
    slackEnabled: r.slackEnabled, slackWebhookHint: r.slackWebhookHint, emailEnabled: r.emailEnabled, emailTo: r.emailTo === "list" ? "list" : "csm",
    emailList: list.success ? list.data : [], cooldownHours: r.cooldownHours, playbook: playbook.success ? playbook.data : [], enabled: r.enabled,
    createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
}

function toData(input: z.infer<typeof ZRuleInput>) {
  const params = parseRuleParams(input.kind, input.params);
  if (input.email_enabled && input.email_to === "list" && input.email_list.length === 0) {
    throw new AppError("validation_failed", "an e-mail list is needed when email_to is list", { fields: { email_list: "at least one address" } });
  }
  return {
    name: input.name, kind: input.kind, params: params as object, slackEnabled: input.slack_enabled, emailEnabled: input.email_enabled,
    emailTo: input.email_to, emailList: input.email_list, cooldownHours: input.cooldown_hours,
    playbook: input.playbook.map((p) => ({ title: p.title, dueInDays: p.due_in_days })), enabled: input.enabled,
    ...(input.slack_webhook_url === undefined ? {} : input.slack_webhook_url === ""
      ? { slackWebhookEnc: null, slackWebhookHint: null }
      : { slackWebhookEnc: encryptSecret(input.slack_webhook_url), slackWebhookHint: secretHint(input.slack_webhook_url) }),
  };
}

/** The organization's rules, oldest first. */
export async function listRules(db: Db, organizationId: string): Promise<RuleView[]> {
  const rows = await db.alertRule.findMany({ where: { organizationId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return rows.map(toRuleView);
}

/** Create a rule. @throws AppError validation_failed. */
export async function createRule(db: Db, organizationId: string, raw: RuleInput): Promise<RuleView> {
  const input = ZRuleInput.parse(raw);
  const row = await db.alertRule.create({ data: { organizationId, ...toData(input) } });
  return toRuleView(row);
}

/** Replace a rule's settings (a webhook URL left out keeps the stored one). @throws AppError not_found (other organizations' rules too). */
export async function updateRule(db: Db, organizationId: string, id: string, raw: RuleInput): Promise<RuleView> {
  const input = ZRuleInput.parse(raw);
  const r = await db.alertRule.updateMany({ where: { id, organizationId }, data: toData(input) });
  if (r.count === 0) throw new AppError("not_found", "no such alert rule");
  return toRuleView(await db.alertRule.findUniqueOrThrow({ where: { id } }));
}

/** Delete a rule (its past events and deliveries stay on the alerts page). @throws AppError not_found. */
export async function deleteRule(db: Db, organizationId: string, id: string): Promise<void> {
  const r = await db.alertRule.deleteMany({ where: { id, organizationId } });
  if (r.count === 0) throw new AppError("not_found", "no such alert rule");
}

/** The decrypted webhook URL a rule posts to: its own, else the organization's; null when neither is set. Server-side only. */
export async function slackWebhookFor(db: Db, organizationId: string, rule: { slackWebhookEnc: string | null }): Promise<string | null> {
  if (rule.slackWebhookEnc) return decryptSecret(rule.slackWebhookEnc);
  const s = await db.alertSettings.findUnique({ where: { organizationId } });
  return s?.slackWebhookEnc ? decryptSecret(s.slackWebhookEnc) : null;
}

// ── organization settings ──

export const ZAlertSettingsInput = z.object({
  slack_webhook_url: z.union([ZSlackWebhookUrl, z.literal("")]).optional(),
  digest_enabled: z.boolean().optional(),
  /** "HH:MM" UTC. */
  digest_time_utc: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (UTC)").optional(),
  hubspot_write_back: z.boolean().optional(),
});

export type AlertSettingsView = { slackWebhookHint: string | null; digestEnabled: boolean; digestTimeUtc: string; hubspotWriteBack: boolean };

const DEFAULT_DIGEST_MINUTE = 8 * 60;

function minuteToHHMM(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/** The organization's alert settings (defaults when never saved: digest on at 08:00 UTC, write-back off). */
export async function getAlertSettings(db: Db, organizationId: string): Promise<AlertSettingsView> {
  const s = await db.alertSettings.findUnique({ where: { organizationId } });
  return {
    slackWebhookHint: s?.slackWebhookHint ?? null,
    digestEnabled: s?.digestEnabled ?? true,
    digestTimeUtc: minuteToHHMM(s?.digestMinuteUtc ?? DEFAULT_DIGEST_MINUTE),
    hubspotWriteBack: s?.hubspotWriteBack ?? false,
  };
}

/** Save alert settings (fields left out are kept). */
export async function saveAlertSettings(db: Db, organizationId: string, raw: z.input<typeof ZAlertSettingsInput>): Promise<AlertSettingsView> {
  const input = ZAlertSettingsInput.parse(raw);
  const data = {
    ...(input.slack_webhook_url === undefined ? {} : input.slack_webhook_url === ""
      ? { slackWebhookEnc: null, slackWebhookHint: null }
      : { slackWebhookEnc: encryptSecret(input.slack_webhook_url), slackWebhookHint: secretHint(input.slack_webhook_url) }),
    ...(input.digest_enabled === undefined ? {} : { digestEnabled: input.digest_enabled }),
    ...(input.digest_time_utc === undefined ? {} : { digestMinuteUtc: Number(input.digest_time_utc.slice(0, 2)) * 60 + Number(input.digest_time_utc.slice(3)) }),
    ...(input.hubspot_write_back === undefined ? {} : { hubspotWriteBack: input.hubspot_write_back }),
  };
  await db.alertSettings.upsert({ where: { organizationId }, create: { organizationId, ...data }, update: data });
  return getAlertSettings(db, organizationId);
}
