/**
 * Health-score configuration: factor weights, penalties and risk-level thresholds.
 *
 * Shape (stored as a versioned ScoringConfig row, edited via `PUT /api/scoring/config`):
 *   {
 *     weights:    { paymentRecency: 15, failedPayments: 15, …, tenure: 5 }  // non-negative, sum to 100 (±0.001)
 *     penalties:  [{ key: "cancellationPending", points: 30, enabled: true }, …] // points 0-100, subtracted
 *     thresholds: { healthy: 70, atRisk: 40 }  // 0 ≤ atRisk < healthy ≤ 100
 *   }
 * Levels: score ≥ healthy → "healthy"; score ≥ atRisk → "at_risk"; else "critical".
 * Validation errors name the field (zod issue `path`), e.g. `weights: weights must total 100, got 95`.
 */
import { z } from "zod";

/** The eight health-score factors, in display order. */
export const FACTOR_KEYS = [
  "paymentRecency",
  "failedPayments",
  "mrrTrend",
  "renewalRisk",
  "engagement",
  "stakeholderCoverage",
  "supportLoad",
  "tenure",
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
};

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
  const r = ZScoringConfig.safeParse(input);
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

/** Risk level of a score under `thresholds`. */
export function riskLevelFor(score: number, thresholds: ScoringConfig["thresholds"]): "healthy" | "at_risk" | "critical" {
  if (score >= thresholds.healthy) return "healthy";
  if (score >= thresholds.atRisk) return "at_risk";
  return "critical";
}
