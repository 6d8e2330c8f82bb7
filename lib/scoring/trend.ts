/**
 * Score trend of an account: improving / stable / declining against its score 7 and 30 days ago.
 *
 * Rule (points of health score, higher = healthier):
 * 1. vs 7 days ago:  Δ7 ≥ +5 → improving, Δ7 ≤ −5 → declining;
 * 2. otherwise vs 30 days ago: Δ30 ≥ +10 → improving, Δ30 ≤ −10 → declining;
 * 3. otherwise stable (also when only one comparison exists and it is within its band).
 * No stored score 7 or 30 days ago → null (no trend yet).
 *
 * Config versions: a score is only compared with a score made by the SAME scoring config version. A stored score of
 * another version counts as no score (callers read priors with the version filter, see ScoreStore.scoresOnDay /
 * scoresBetween): a weight change would otherwise make every account "improving" or
 * "declining" for a week. After a config change the pipeline re-scores the stored history with the new version
 * (lib/pipeline/history-gaps.ts), so trends come back on the same run (docs/scoring.md, "Config versions").
 */
export type Trend = "improving" | "stable" | "declining";

export const TREND_THRESHOLD_7D = 5;
export const TREND_THRESHOLD_30D = 10;

/**
 * @param current    today's health score (0-100)
 * @param score7dAgo the stored score exactly 7 days earlier made with the same config version, or null
 * @param score30dAgo the stored score exactly 30 days earlier made with the same config version, or null
 */
export function computeTrend(current: number, score7dAgo: number | null, score30dAgo: number | null): Trend | null {
  if (score7dAgo === null && score30dAgo === null) return null;
  if (score7dAgo !== null) {
    const d7 = current - score7dAgo;
    if (d7 >= TREND_THRESHOLD_7D) return "improving";
    if (d7 <= -TREND_THRESHOLD_7D) return "declining";
  }
  if (score30dAgo !== null) {
    const d30 = current - score30dAgo;
    if (d30 >= TREND_THRESHOLD_30D) return "improving";
    if (d30 <= -TREND_THRESHOLD_30D) return "declining";
  }
  return "stable";
}
