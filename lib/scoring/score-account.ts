/**
 * Health score of one account for one day (pure; no DB, no clock).
 *
 *   healthScore = clamp(Σ value_f · effectiveWeight_f / 100 − Σ penalty points, 0, 100), 1 decimal
 *
 * Missing data: a factor whose value is null gives its weight to the factors that have data, in
 * proportion to their weights (effectiveWeight_f = weight_f · 100 / Σ weights of present factors),
 * and is listed in `missingFactors`. When NO factor with weight > 0 has data, the weighted part is
 * a neutral 50 (so the level is decided by thresholds, "at_risk" by default) and the first driver is
 * "no data for any factor"; penalties still apply.
 *
 * Risk level: only paying customers have one — lifecycleState "customer" or "past_due" AND MRR > 0
 * ({@link isPayingCustomer} = isPayingAccount; a lifecycle never computed counts by MRR alone); every other
 * account (prospect, trialing, paused, churned, or no MRR) gets a health score and drivers but `riskLevel: null`, so it never appears in "at risk" /
 * "critical" lists, movers, MRR at risk, alerts or write-back. The level is decided on the displayed
 * whole score (riskLevelFor rounds), so "score 70 · At risk" cannot happen at healthy = 70.
 */
import { isPayingAccount, type SignalSnapshot } from "@/lib/signals/types";
import { FACTOR_KEYS, FACTOR_LABELS, PENALTY_LABELS, riskLevelFor, type FactorKey, type PenaltyKey, type ScoringConfig } from "./config";
import { cancelingShare, cancelingWords, factorValue } from "./factors";

export type RiskLevel = "healthy" | "at_risk" | "critical";

/** One factor of a stored score. `contribution` = value × effectiveWeight / 100 (score points). */
export type FactorResult = {
  key: FactorKey;
  label: string;
  /** Configured weight (0-100). */
  weight: number;
  /** Weight after redistributing missing factors' weights (0-100; 0 when missing). */
  effectiveWeight: number;
  /** 0-100, or null when the factor had no data. */
  value: number | null;
  /** Points this factor adds to the score (0-effectiveWeight). */
  contribution: number;
  missing: boolean;
  detail: string;
};

export type PenaltyResult = { key: PenaltyKey; label: string; points: number; detail: string };

export type AccountScore = {
  /** 0-100, one decimal. */
  healthScore: number;
  /** Null for accounts that are not paying customers (see module doc). */
  riskLevel: RiskLevel | null;
  factors: FactorResult[];
  penalties: PenaltyResult[];
  missingFactors: FactorKey[];
  /** In words, most negative first (penalties, then weak factors, then strong factors). */
  drivers: string[];
};

/** Neutral weighted score used when no factor has data. */
export const NO_DATA_SCORE = 50;
/** Factors below this value are reported as negative drivers, at or above POSITIVE_DRIVER_MIN as positive. */
export const NEGATIVE_DRIVER_MAX = 60;
export const POSITIVE_DRIVER_MIN = 80;
const MAX_DRIVERS = 6;

const r2 = (n: number) => Math.round(n * 100) / 100;

/**
 * A paying customer on the snapshot day — the ONE definition, {@link isPayingAccount} (lib/signals/types.ts),
 * applied to the snapshot: MRR > 0 and lifecycle customer/past_due, or a row whose lifecycle was never
 * computed (null, from before lifecycle states) by its MRR alone. Before, this function refused null
 * lifecycles while the lists, the dashboard and the write-back (isPayingAccount) counted them: such an
 * account was listed as paying but had no risk level.
 */
export function isPayingCustomer(s: SignalSnapshot): boolean {
  return isPayingAccount(s);
}

/**
 * Share (0..1) of a penalty's points that applies: the cancellation penalty scales with the share of
 * MRR set to cancel (22 % cancelling → 22 % of the points); the others apply whole.
 */
export function penaltyScale(key: PenaltyKey, s: SignalSnapshot): number {
  return key === "cancellationPending" ? cancelingShare(s) ?? 0 : 1;
}

/** Does penalty `key` apply to these signals? Returns its detail in words, or null. */
export function penaltyCondition(key: PenaltyKey, s: SignalSnapshot): string | null {
  switch (key) {
    case "cancellationPending": {
      const c = cancelingShare(s);
      return c !== null && c > 0 ? cancelingWords(c, s.daysUntilRenewal) : null;
    }
    case "pastDue30d": {
      const pastDue = s.pastDueInvoices ?? 0;
      const extraDays = typeof s.extra?.oldestPastDueDays === "number" ? s.extra.oldestPastDueDays : null;
      if (pastDue <= 0) return null;
      if (extraDays !== null) return extraDays > 30 ? `${pastDue} invoice(s) past due for ${extraDays} days` : null;
      if (s.daysSinceLastPayment === null || s.daysSinceLastPayment > 30) {
        return `${pastDue} invoice(s) past due, ${s.daysSinceLastPayment === null ? "no successful payment" : `last payment ${s.daysSinceLastPayment} days ago`}`;
      }
      return null;
    }
    case "noEngagement60d":
      return s.daysSinceLastEngagement !== null && s.daysSinceLastEngagement > 60 ? `no engagement for ${s.daysSinceLastEngagement} days` : null;
    case "urgentTicketOpen":
      return (s.urgentTickets ?? 0) > 0 ? `${s.urgentTickets} urgent ticket(s) open` : null;
  }
}

/**
 * Score one account's signals under `config`.
 * @returns the score, level, per-factor breakdown, applied penalties, missing factors and drivers.
 */
export function scoreAccount(signals: SignalSnapshot, config: ScoringConfig): AccountScore {
  const raw = FACTOR_KEYS.map((key) => ({ key, ...factorValue(key, signals, config.learned), weight: config.weights[key] ?? 0 }));
  const presentWeight = raw.reduce((a, f) => a + (f.value !== null ? f.weight : 0), 0);
  const factors: FactorResult[] = raw.map((f) => {
    const missing = f.value === null;
    const effectiveWeight = !missing && presentWeight > 0 ? (f.weight * 100) / presentWeight : 0;
    const value = f.value === null ? null : r2(f.value);
    return {
      key: f.key,
      label: FACTOR_LABELS[f.key],
      weight: f.weight,
      effectiveWeight: r2(effectiveWeight),
      value,
      contribution: value === null ? 0 : r2((f.value! * effectiveWeight) / 100),
      missing,
      detail: f.detail,
    };
  });
  const weighted = presentWeight > 0
    ? raw.reduce((a, f) => a + (f.value !== null ? (f.value * f.weight) / presentWeight : 0), 0)
    : NO_DATA_SCORE;

  const penalties: PenaltyResult[] = [];
  for (const p of config.penalties) {
    if (!p.enabled || p.points <= 0) continue;
    const detail = penaltyCondition(p.key, signals);
    const points = Math.round(p.points * penaltyScale(p.key, signals) * 10) / 10;
    if (detail !== null && points > 0) penalties.push({ key: p.key, label: PENALTY_LABELS[p.key], points, detail });
  }
  const penaltyPoints = penalties.reduce((a, p) => a + p.points, 0);
  const healthScore = Math.round(Math.min(100, Math.max(0, weighted - penaltyPoints)) * 10) / 10;

  // "Scored without" lists only factors that count (weight > 0): a factor switched off is not missing.
  const missingFactors = factors.filter((f) => f.missing && f.weight > 0).map((f) => f.key);
  const drivers: string[] = [];
  if (presentWeight === 0) drivers.push("no data for any factor");
  for (const p of [...penalties].sort((a, b) => b.points - a.points)) drivers.push(`${p.detail} (−${p.points})`);
  const present = factors.filter((f) => !f.missing && f.effectiveWeight > 0);
  const lost = (f: FactorResult) => (f.effectiveWeight * (100 - f.value!)) / 100;
  // A factor whose detail repeats a penalty's ("cancellation pending, ends in 12 days") is said once, with the penalty.
  const said = new Set(penalties.map((p) => p.detail));
  present
    .filter((f) => f.value! < NEGATIVE_DRIVER_MAX && !said.has(f.detail))
    .sort((a, b) => lost(b) - lost(a))
    .forEach((f) => drivers.push(f.detail));
  present
    .filter((f) => f.value! >= POSITIVE_DRIVER_MIN)
    .sort((a, b) => b.contribution - a.contribution)
    .forEach((f) => drivers.push(f.detail));

  return {
    healthScore,
    riskLevel: isPayingCustomer(signals) ? riskLevelFor(healthScore, config.thresholds) : null,
    factors,
    penalties,
    missingFactors,
    drivers: drivers.slice(0, MAX_DRIVERS),
  };
}
