/**
 * Scoring configuration as the API speaks it (snake_case thresholds.at_risk), validation errors mapped to
 * 400 with field paths, and the "preview before saving" redistribution: the latest signals of every
 * account scored with the candidate config, counted by risk level next to the current distribution.
 */
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { parseScoringConfig, ScoringConfigError, type ScoringConfig } from "@/lib/scoring/config";
import { getActiveScoringConfig, saveScoringConfig } from "@/lib/scoring/config-store";
import { scoreAccount } from "@/lib/scoring/score-account";
import { rowToSnapshot } from "@/lib/scoring/signal-row";

export type ScoringConfigBody = {
  weights: Record<string, number>;
  penalties?: { key: string; points: number; enabled: boolean }[];
  thresholds: { healthy: number; at_risk: number };
};

function toInternal(body: ScoringConfigBody, current: ScoringConfig): unknown {
  return { weights: body.weights, penalties: body.penalties ?? current.penalties, thresholds: { healthy: body.thresholds.healthy, atRisk: body.thresholds.at_risk }, learned: current.learned ?? null };
}

function asAppError(e: unknown): never {
  if (e instanceof ScoringConfigError) {
    const fields = Object.fromEntries(e.issues.map((i) => [String(i.path).replace("atRisk", "at_risk"), i.message]));
    throw new AppError("validation_failed", `invalid scoring configuration — ${e.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { fields });
  }
  throw e;
}

export function configView(stored: { version: number; config: ScoringConfig; createdAt: Date }) {
  return {
    version: stored.version,
    weights: stored.config.weights,
    penalties: stored.config.penalties,
    thresholds: { healthy: stored.config.thresholds.healthy, at_risk: stored.config.thresholds.atRisk },
    createdAt: stored.createdAt,
  };
}

export async function getScoringConfigView(db: Db, organizationId: string) {
  return configView(await getActiveScoringConfig(db, organizationId));
}

/** @throws AppError validation_failed naming the field (e.g. weights: "weights must total 100, got 95"). */
export async function saveScoringConfigFromApi(db: Db, organizationId: string, body: ScoringConfigBody, userId: string | null) {
  const current = await getActiveScoringConfig(db, organizationId);
  try {
    return configView(await saveScoringConfig(db, organizationId, toInternal(body, current.config), userId));
  } catch (e) {
    asAppError(e);
  }
}

/** Counts by risk level now (stored scores) and under the candidate config (latest signals re-scored). */
export async function previewScoringConfig(db: Db, organizationId: string, body: ScoringConfigBody) {
  const current = await getActiveScoringConfig(db, organizationId);
  let candidate: ScoringConfig;
  try {
    candidate = parseScoringConfig(toInternal(body, current.config));
  } catch (e) {
    asAppError(e);
  }
  const latest = await db.accountSignalDaily.findFirst({ where: { organizationId }, orderBy: { day: "desc" }, select: { day: true } });
  const counts = { current: { healthy: 0, at_risk: 0, critical: 0 }, preview: { healthy: 0, at_risk: 0, critical: 0 } };
  let moved = 0;
  if (latest) {
    const stored = new Map((await db.churnScoreDaily.findMany({ where: { organizationId, day: latest.day }, select: { accountId: true, riskLevel: true } })).map((s) => [s.accountId, s.riskLevel]));
    let cursor: string | undefined;
    for (;;) {
      const rows = await db.accountSignalDaily.findMany({
        where: { organizationId, day: latest.day }, orderBy: { id: "asc" }, take: 1000, ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      });
      if (!rows.length) break;
      for (const r of rows) {
        const level = scoreAccount(rowToSnapshot(r), candidate).riskLevel; // null: not a paying customer, no level
        if (level) counts.preview[level]++;
        const before = stored.get(r.accountId);
        if (before) counts.current[before]++;
        if (stored.has(r.accountId) && (before ?? null) !== level) moved++;
      }
      cursor = rows[rows.length - 1].id;
    }
  }
  return { day: latest?.day ?? null, currentVersion: current.version, counts, accountsChangingLevel: moved };
}
