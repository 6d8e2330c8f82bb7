/**
 * Health-score configuration: factor weights, penalties and risk-level thresholds.
 *
 * Shape (stored as a versioned ScoringConfig row, edited via `PUT /api/scoring/config`):
 *   {
 *     weights:    { paymentRecency: 15, failedPayments: 15, …, tenure: 5 }  // non-negative, sum to 100 (±0.001)
 *     penalties:  [{ key: "cancellationPending", points: 30, enabled: true }, …] // points 0-100, subtracted
 *     thresholds: { healthy: 70, atRisk: 40 }  // 0 ≤ atRisk < healthy ≤ 100
 *     learned?:   { plans?: {rates, baseRate, horizonDays}, paymentMethods?: {…}, fit?: {…} } // set by "Fit to our history"
 *   }
 * Stored weights may lack factors added later (contractTerm, openDeals, planHistory, paymentMethod):
 * {@link withNewFactorKeys} reads them as weight 0, so older versions keep their meaning.
 * `learned` is persisted inside the row's `thresholds` JSON (the ScoringConfig table has no column
 * of its own for it; see config-store.ts).
 * Levels: score ≥ healthy → "healthy"; score ≥ atRisk → "at_risk"; else "critical".
 * Validation errors name the field (zod issue `path`), e.g. `weights: weights must total 100, got 95`.
 */
import { z } from "zod";

/** The health-score factors, in display order. */
export const FACTOR_KEYS = [
  "paymentRecency",
  "failedPayments",
  "mrrTrend",
  "renewalRisk",
  "engagement",
  "stakeholderCoverage",
  "supportLoad",
  "tenure",
  "contractTerm",
  "openDeals",
  "planHistory",
  "paymentMethod",
  "seatChanges",
] as const;
export type FactorKey = (typeof FACTOR_KEYS)[number];

/** Human labels for factors (UI + explanations). */
export const FACTOR_LABELS: Record<FactorKey, string> = {
  paymentRecency: "Payment recency",
  failedPayments: "Failed payments",
  mrrTrend: "MRR trend",
  renewalRisk: "Renewal risk",
  engagement: "Engagement",
  stakeholderCoverage: "Stakeholder coverage",
  supportLoad: "Support load",
  tenure: "Tenure",
  contractTerm: "Contract term",
  openDeals: "Open deals",
  planHistory: "Plan history",
  paymentMethod: "Payment method",
  seatChanges: "Seat changes",
};

/** Factors added after the first release: a stored config without them reads them as weight 0. */
export const LATER_FACTOR_KEYS: readonly FactorKey[] = ["contractTerm", "openDeals", "planHistory", "paymentMethod", "seatChanges"];

/** Fill weights of factors added later with 0 (older stored versions, older API clients). */
export function withNewFactorKeys(weights: unknown): unknown {
  if (!weights || typeof weights !== "object" || Array.isArray(weights)) return weights;
  const w = { ...(weights as Record<string, unknown>) };
  for (const k of LATER_FACTOR_KEYS) if (!(k in w)) w[k] = 0;
  return w;
}

/**
 * Penalties: flat points subtracted after the weighted sum when their condition holds.
 * - cancellationPending: the subscription is set to cancel (cancel_at_period_end / cancel_at).
 * - pastDue30d: past-due invoices AND no successful payment for more than 30 days.
 * - noEngagement60d: no call, meeting or note for more than 60 days.
 * - urgentTicketOpen: at least one open urgent ticket.
 */
export const PENALTY_KEYS = ["cancellationPending", "pastDue30d", "noEngagement60d", "urgentTicketOpen"] as const;
export type PenaltyKey = (typeof PENALTY_KEYS)[number];

export const PENALTY_LABELS: Record<PenaltyKey, string> = {
  cancellationPending: "Cancellation pending",
  pastDue30d: "Past due over 30 days",
  noEngagement60d: "No engagement in 60 days",
  urgentTicketOpen: "Urgent ticket open",
};

const WEIGHT_TOLERANCE = 0.001;

const ZWeights = z
  .object(
    Object.fromEntries(
      FACTOR_KEYS.map((k) => [k, z.number({ error: `${k} must be a number` }).min(0, `${k} must be ≥ 0`).max(100, `${k} must be ≤ 100`)]),
    ) as Record<FactorKey, z.ZodNumber>,
  )
  .strict()
  .superRefine((w, ctx) => {
    const total = FACTOR_KEYS.reduce((s, k) => s + w[k], 0);
    if (Math.abs(total - 100) > WEIGHT_TOLERANCE) {
      ctx.addIssue({ code: "custom", message: `weights must total 100, got ${Math.round(total * 1000) / 1000}` });
    }
  });

export const ZPenalty = z
  .object({
    key: z.enum(PENALTY_KEYS),
    points: z.number().min(0, "points must be ≥ 0").max(100, "points must be ≤ 100"),
    enabled: z.boolean(),
  })
  .strict();

export const ZThresholds = z
  .object({
    healthy: z.number().min(0).max(100, "healthy must be ≤ 100"),
    atRisk: z.number().min(0, "atRisk must be ≥ 0").max(100),
  })
  .strict()
  .refine((t) => t.atRisk < t.healthy, { message: "atRisk must be lower than healthy", path: ["atRisk"] });

const ZRateTable = z.object({
  /** category (product name, payment method type) → churn rate over the horizon (0..1). */
  rates: z.record(z.string(), z.number().min(0).max(1)),
  baseRate: z.number().min(0).max(1),
  horizonDays: z.number().int().positive(),
});

/**
 * A factor curve learned by "Fit to our history" (lib/scoring/fit-weights.ts learnFactorCurve): the
 * factor's own 0-100 value (its documented curve) → 0-100 on the organization's churn scale, piecewise
 * linear through `points` ([value, learned value], ascending, non-decreasing), flat beyond the ends.
 * `rates`: the smoothed churn rate over the horizon at each point (0..1), `baseRate` the fit rows' rate.
 */
export const ZFactorCurve = z.object({
  points: z.array(z.tuple([z.number(), z.number().min(0).max(100)])).min(1),
  rates: z.array(z.number().min(0).max(1)),
  baseRate: z.number().min(0).max(1),
});
export type FactorCurve = z.infer<typeof ZFactorCurve>;

/**
 * What "Fit to our history" learned from the organization's outcomes, kept with the config version it
 * produced: churn-rate tables of the learned factors, the learned factor curves (factor key → curve),
 * and a summary of the fit (when, on what).
 */
export const ZLearnedTables = z.object({
  plans: ZRateTable.optional(),
  paymentMethods: ZRateTable.optional(),
  curves: z.record(z.string(), ZFactorCurve).optional(),
  fit: z.object({
    fittedAt: z.string(),
    fitDays: z.tuple([z.string(), z.string()]),
    rows: z.number().int(),
    churned: z.number().int(),
  }).optional(),
});
export type LearnedTables = z.infer<typeof ZLearnedTables>;

/** zod 4 schema of a scoring configuration (see module doc for the shape). */
export const ZScoringConfig = z
  .object({
    weights: ZWeights,
    penalties: z.array(ZPenalty).superRefine((ps, ctx) => {
      const seen = new Set<string>();
      ps.forEach((p, i) => {
        if (seen.has(p.key)) ctx.addIssue({ code: "custom", message: `duplicate penalty ${p.key}`, path: [i, "key"] });
        seen.add(p.key);
      });
    }),
    thresholds: ZThresholds,
    learned: ZLearnedTables.nullish(),
  })
  .strict();

export type ScoringConfig = z.infer<typeof ZScoringConfig>;
export type Penalty = z.infer<typeof ZPenalty>;

/** Defaults: healthy ≥ 70, at_risk 40-69, critical < 40. */
export const DEFAULT_SCORING_CONFIG: ScoringConfig = {
  weights: {
    paymentRecency: 15,
    failedPayments: 15,
    mrrTrend: 15,
    renewalRisk: 15,
    engagement: 15,
    stakeholderCoverage: 10,
    supportLoad: 10,
    tenure: 5,
    contractTerm: 0,
    openDeals: 0,
    planHistory: 0,
    paymentMethod: 0,
    seatChanges: 0,
  },
  penalties: [
    { key: "cancellationPending", points: 30, enabled: true },
    { key: "pastDue30d", points: 20, enabled: true },
    { key: "noEngagement60d", points: 10, enabled: false },
    { key: "urgentTicketOpen", points: 10, enabled: false },
  ],
  thresholds: { healthy: 70, atRisk: 40 },
};

/** One validation problem: `path` is the dotted field ("weights", "thresholds.atRisk", "penalties.1.points"). */
export type ConfigIssue = { path: string; message: string };

/** Flatten zod issues into `{path, message}` pairs; the message is prefixed with the field name. */
export function configIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join(".") || "(root)";
    return { path, message: i.message };
  });
}

/**
 * Parse unknown input into a ScoringConfig.
 * @throws ScoringConfigError listing every problem with its field path.
 */
export function parseScoringConfig(input: unknown): ScoringConfig {
  const i = input && typeof input === "object" && !Array.isArray(input) ? input as Record<string, unknown> : null;
  const r = ZScoringConfig.safeParse(i && "weights" in i ? { ...i, weights: withNewFactorKeys(i.weights) } : input);
  if (!r.success) throw new ScoringConfigError(configIssues(r.error));
  return r.data;
}

/** A rejected scoring configuration; `issues` name the fields (for a 422 response). */
export class ScoringConfigError extends Error {
  readonly code = "invalid_scoring_config";
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid scoring config: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
    this.name = "ScoringConfigError";
  }
}

/**
 * Risk level of a score under `thresholds`, decided on the WHOLE score that is displayed
 * (Math.round, as lib/format formatScore shows it): 69.6 is shown as 70 and is "healthy" at
 * healthy = 70, never "score 70 · At risk".
 */
export function riskLevelFor(score: number, thresholds: ScoringConfig["thresholds"]): "healthy" | "at_risk" | "critical" {
  const shown = Math.round(score);
  if (shown >= thresholds.healthy) return "healthy";
  if (shown >= thresholds.atRisk) return "at_risk";
  return "critical";
}
