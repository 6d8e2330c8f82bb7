/**
 * Rendering of alert and digest messages: Slack Block Kit (https://api.slack.com/block-kit — `header`, `section`
 * with mrkdwn `text`/`fields`, `context`, `actions` with a link `button`) and e-mail (plain text + HTML).
 * Pure functions: the same event always renders the same message (deliveries store what they sent).
 */
import type { EmailMessage, SlackMessage } from "./channels";

/** What an alert event says: the account, the change, the top reasons and the link to the account page. */
export type AlertDetails = {
  accountName: string;
  ruleName: string;
  /** One line, e.g. "Risk level at risk → critical". */
  change: string;
  reasons: string[];
  healthScore: number | null;
  riskLevel: string | null;
  churnProbability: number | null;
  /** MRR in minor units + currency, when known. */
  mrrCents: number | null;
  mrrCurrency: string | null;
  csm: string;
  link: string;
};

const LEVEL: Record<string, string> = { healthy: "healthy", at_risk: "at risk", critical: "critical" };

export function levelLabel(l: string | null | undefined): string {
  return l ? LEVEL[l] ?? l : "no level";
}

function money(cents: number | null, currency: string | null): string {
  if (cents === null || !currency) return "—";
  return `${(cents / 100).toLocaleString("en-US", { maximumFractionDigits: 0 })} ${currency.toUpperCase()}`;
}

/** Slack's mrkdwn needs &, < and > escaped (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function htmlEscape(s: string): string {
  return slackEscape(s).replaceAll('"', "&quot;");
}

export function alertSubject(d: AlertDetails): string {
  return `[Churnwatch] ${d.accountName}: ${d.change}`;
}

/** Block Kit message of one alert. */
export function renderSlackAlert(d: AlertDetails): SlackMessage {
  const reasons = d.reasons.slice(0, 3);
  return {
    text: `${d.accountName}: ${d.change}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: `${d.accountName}: ${d.change}`.slice(0, 150), emoji: false } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: `*Health score*\n${d.healthScore === null ? "—" : Math.round(d.healthScore)}` },
          { type: "mrkdwn", text: `*Risk level*\n${levelLabel(d.riskLevel)}` },
          { type: "mrkdwn", text: `*Churn probability*\n${d.churnProbability === null ? "—" : `${Math.round(d.churnProbability * 100)}%`}` },
          { type: "mrkdwn", text: `*MRR*\n${money(d.mrrCents, d.mrrCurrency)}` },
        ],
      },
      ...(reasons.length ? [{ type: "section", text: { type: "mrkdwn", text: `*Why*\n${reasons.map((r) => `• ${slackEscape(r)}`).join("\n")}` } }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `Rule: ${slackEscape(d.ruleName)} · CSM: ${slackEscape(d.csm)}` }] },
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open account" }, url: d.link }] },
    ],
  };
}

/** E-mail of one alert. */
export function renderEmailAlert(d: AlertDetails, to: string[]): EmailMessage {
  const lines = [
    `${d.accountName}: ${d.change}`,
    "",
    `Health score: ${d.healthScore === null ? "—" : Math.round(d.healthScore)} · Risk level: ${levelLabel(d.riskLevel)} · Churn probability: ${d.churnProbability === null ? "—" : `${Math.round(d.churnProbability * 100)}%`} · MRR: ${money(d.mrrCents, d.mrrCurrency)}`,
    ...(d.reasons.length ? ["", "Why:", ...d.reasons.slice(0, 3).map((r) => `- ${r}`)] : []),
    "",
    `Rule: ${d.ruleName} · CSM: ${d.csm}`,
    `Open the account: ${d.link}`,
  ];
  const html = `<h2>${htmlEscape(d.accountName)}: ${htmlEscape(d.change)}</h2>
<p>Health score <b>${d.healthScore === null ? "—" : Math.round(d.healthScore)}</b> · Risk level <b>${htmlEscape(levelLabel(d.riskLevel))}</b> · Churn probability <b>${d.churnProbability === null ? "—" : `${Math.round(d.churnProbability * 100)}%`}</b> · MRR <b>${htmlEscape(money(d.mrrCents, d.mrrCurrency))}</b></p>
${d.reasons.length ? `<p>Why:</p><ul>${d.reasons.slice(0, 3).map((r) => `<li>${htmlEscape(r)}</li>`).join("")}</ul>` : ""}
<p>Rule: ${htmlEscape(d.ruleName)} · CSM: ${htmlEscape(d.csm)}</p>
<p><a href="${htmlEscape(d.link)}">Open the account</a></p>`;
  return { to, subject: alertSubject(d), text: lines.join("\n"), html };
}

/** One CSM's daily digest. */
export type Digest = {
  day: string;
  userName: string;
  levelChanges: { accountId: string; name: string; from: string | null; to: string | null; link: string }[];
  failedPayments: { accountId: string; name: string; amountCents: number; currency: string; at: string; link: string }[];
  renewalsAtRisk: { accountId: string; name: string; renewalDate: string; riskLevel: string | null; link: string }[];
};

export function renderEmailDigest(d: Digest, to: string[]): EmailMessage {
  const sec = (title: string, items: string[]) => (items.length ? [title, ...items.map((i) => `- ${i}`), ""] : [`${title}: none`, ""]);
  const lc = d.levelChanges.map((c) => `${c.name}: ${levelLabel(c.from)} → ${levelLabel(c.to)} (${c.link})`);
  const fp = d.failedPayments.map((p) => `${p.name}: ${money(p.amountCents, p.currency)} failed ${p.at.slice(0, 10)} (${p.link})`);
  const rr = d.renewalsAtRisk.map((r) => `${r.name}: renews ${r.renewalDate.slice(0, 10)}, ${levelLabel(r.riskLevel)} (${r.link})`);
  const text = [`Your Churnwatch digest for ${d.day}, ${d.userName}`, "", ...sec("Risk level changes", lc), ...sec("New failed payments", fp), ...sec("Renewals in 30 days at risk", rr)].join("\n");
  const hsec = (title: string, items: string[]) => `<h3>${title}</h3>${items.length ? `<ul>${items.map((i) => `<li>${htmlEscape(i)}</li>`).join("")}</ul>` : "<p>none</p>"}`;
  const html = `<h2>Your Churnwatch digest for ${d.day}</h2>${hsec("Risk level changes", lc)}${hsec("New failed payments", fp)}${hsec("Renewals in 30 days at risk", rr)}`;
  const n = d.levelChanges.length + d.failedPayments.length + d.renewalsAtRisk.length;
  return { to, subject: `[Churnwatch] Daily digest ${d.day}: ${n} item${n === 1 ? "" : "s"}`, text, html };
}
