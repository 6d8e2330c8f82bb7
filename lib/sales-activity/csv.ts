/**
 * The scorecard as CSV: one line per owner and period (oldest first), the five metrics and the owner's targets.
 * MRR closed is in major units of the main currency (`currency` column), like the page shows it.
 */
import type { Scorecard } from "./scorecard";
import { SALES_METRICS } from "./scorecard";

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  // Formula injection: a cell starting with = + - @ is prefixed with ' (spreadsheets would run it).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function scorecardCsv(s: Scorecard): string {
  const head = ["owner", "owner_email", "hubspot_owner_id", "period", "period_start", ...SALES_METRICS.filter((m) => m !== "mrr_closed_cents"), "mrr_closed", "currency",
    ...SALES_METRICS.map((m) => `target_${m === "mrr_closed_cents" ? "mrr_closed" : m}`)];
  const lines = [head.join(",")];
  const cur = s.currencies[0] ?? "";
  for (const o of s.owners) {
    o.periods.forEach((v, i) => {
      lines.push([
        o.name, o.email, o.hubspotOwnerId, s.periods[i].label, s.periods[i].start.slice(0, 10),
        v.dials, v.dm_conversations, v.meetings_set, v.meetings_held, (v.mrr_closed_cents / 100).toFixed(2), cur,
        ...SALES_METRICS.map((m) => { const t = o.targets[m]; return t === undefined ? null : m === "mrr_closed_cents" ? (t / 100).toFixed(2) : t; }),
      ].map(cell).join(","));
    });
  }
  return lines.join("\r\n") + "\r\n";
}
