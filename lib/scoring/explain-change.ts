/**
 * Why a health score moved between two stored scores (e.g. yesterday → today, last week → today).
 *
 * Input: two ChurnScoreDaily-like objects (their `factors`/`penalties` JSON is validated here, so
 * rows read from the database can be passed as they are). Output: the score delta and one sentence
 * per factor whose value moved by ≥ 1 point or whose data appeared/disappeared, plus penalties added
 * or removed, ordered by their effect on the score (largest first), e.g.
 *   "Engagement fell from 80 to 35: no calls, meetings or notes in 30 days"
 * Scores made with different scoring config versions are not compared (null): the move would be the config's,
 * not the account's (docs/scoring.md, "Config versions"; the pipeline re-scores history after a config change).
 */
import { z } from "zod";
import { FACTOR_KEYS, PENALTY_KEYS } from "./config";
import type { FactorResult, PenaltyResult } from "./score-account";

export const ZStoredFactor = z.object({
  key: z.enum(FACTOR_KEYS),
  label: z.string(),
  weight: z.number(),
  effectiveWeight: z.number(),
  value: z.number().nullable(),
  contribution: z.number(),
  missing: z.boolean(),
  detail: z.string(),
});
export const ZStoredPenalty = z.object({ key: z.enum(PENALTY_KEYS), label: z.string(), points: z.number(), detail: z.string() });

export type StoredScoreLike = {
  healthScore: number;
  factors: unknown;
  penalties?: unknown;
  scoringConfigVersion?: number | null;
};

export type FactorChange = {
  key: string;
  label: string;
  from: number | null;
  to: number | null;
  /** Change in score points this factor/penalty caused (positive = score went up). */
  effect: number;
  text: string;
};

export type ScoreChange = { from: number; to: number; delta: number; changes: FactorChange[]; summary: string };

const MIN_VALUE_DELTA = 1;
const fmt = (n: number) => String(Math.round(n));

/** Lower-case the first letter for use mid-sentence, unless the first word is an acronym ("MRR trend", "ARR"). */
function lowerFirst(text: string): string {
  return /^[A-Z]{2}/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Explain the move from `before` to `after`; null when both name their scoring config version and the versions
 * differ (not comparable).
 * @throws ZodError when a score's `factors`/`penalties` JSON does not have the stored shape.
 */
export function explainChange(before: StoredScoreLike, after: StoredScoreLike): ScoreChange | null {
  if (before.scoringConfigVersion != null && after.scoringConfigVersion != null && before.scoringConfigVersion !== after.scoringConfigVersion) {
    return null;
  }
  const fb = z.array(ZStoredFactor).parse(before.factors) as FactorResult[];
  const fa = z.array(ZStoredFactor).parse(after.factors) as FactorResult[];
  const pb = z.array(ZStoredPenalty).parse(before.penalties ?? []) as PenaltyResult[];
  const pa = z.array(ZStoredPenalty).parse(after.penalties ?? []) as PenaltyResult[];
  const changes: FactorChange[] = [];
  const byKey = new Map(fb.map((f) => [f.key, f]));
  for (const a of fa) {
    const b = byKey.get(a.key);
    const from = b?.value ?? null;
    const to = a.value;
    const effect = Math.round((a.contribution - (b?.contribution ?? 0)) * 10) / 10;
    let text: string | null = null;
    if (from === null && to !== null) text = `${a.label} now has data (${fmt(to)}): ${a.detail}`;
    else if (from !== null && to === null) text = `${a.label} has no data any more (was ${fmt(from)}); its weight went to the other factors`;
    else if (from !== null && to !== null && Math.abs(to - from) >= MIN_VALUE_DELTA) {
      text = `${a.label} ${to > from ? "rose" : "fell"} from ${fmt(from)} to ${fmt(to)}: ${a.detail}`;
    }
    if (text) changes.push({ key: a.key, label: a.label, from, to, effect, text });
  }
  const pbKeys = new Set(pb.map((p) => p.key));
  const paKeys = new Set(pa.map((p) => p.key));
  for (const p of pa) if (!pbKeys.has(p.key)) changes.push({ key: p.key, label: p.label, from: null, to: p.points, effect: -p.points, text: `Penalty added: ${p.detail} (−${p.points})` });
  for (const p of pb) if (!paKeys.has(p.key)) changes.push({ key: p.key, label: p.label, from: p.points, to: null, effect: p.points, text: `Penalty removed: ${p.label.toLowerCase()} (+${p.points})` });
  changes.sort((x, y) => Math.abs(y.effect) - Math.abs(x.effect));

  const delta = Math.round((after.healthScore - before.healthScore) * 10) / 10;
  const head = delta === 0 ? `Score unchanged at ${before.healthScore}` : `Score ${delta > 0 ? "rose" : "fell"} from ${before.healthScore} to ${after.healthScore}`;
  const summary = changes.length ? `${head}: ${lowerFirst(changes[0].text)}` : head;
  return { from: before.healthScore, to: after.healthScore, delta, changes, summary };
}
