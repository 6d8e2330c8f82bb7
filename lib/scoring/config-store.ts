/**
 * Versioned scoring configuration per organization (ScoringConfig rows; never updated in place).
 *
 * - getActiveScoringConfig(db, orgId): the active version; creates version 1 = DEFAULT_SCORING_CONFIG
 *   when the organization has none (safe under concurrent first calls).
 * - saveScoringConfig(db, orgId, input, userId): validates `input` (zod, ZScoringConfig), stores it as
 *   version max+1 and makes it the only active one, in one transaction.
 *   @throws ScoringConfigError (code "invalid_scoring_config", `issues: [{path, message}]`) on bad input.
 *
 * Storage: `config.learned` (the tables "Fit to our history" learned) is kept inside the row's
 * `thresholds` JSON as `{healthy, atRisk, learned}` — the table has no column of its own for it.
 * Weights stored before a factor existed read as 0 (withNewFactorKeys).
 */
import type { Db } from "@/lib/db";
import { DEFAULT_SCORING_CONFIG, parseScoringConfig, withNewFactorKeys, ZScoringConfig, type ScoringConfig } from "./config";

export type StoredScoringConfig = { id: string; version: number; config: ScoringConfig; createdAt: Date; createdById: string | null };

type Row = { id: string; version: number; weights: unknown; penalties: unknown; thresholds: unknown; createdAt: Date; createdById: string | null };

function fromRow(r: Row): StoredScoringConfig {
  const { learned, ...thresholds } = (r.thresholds ?? {}) as Record<string, unknown>;
  const config = ZScoringConfig.parse({ weights: withNewFactorKeys(r.weights), penalties: r.penalties, thresholds, learned: learned ?? null });
  return { id: r.id, version: r.version, config, createdAt: r.createdAt, createdById: r.createdById };
}

/** Active scoring config of the organization (version 1 = defaults is created if none exists). */
export async function getActiveScoringConfig(db: Db, organizationId: string): Promise<StoredScoringConfig> {
  const active = await db.scoringConfig.findFirst({ where: { organizationId, isActive: true }, orderBy: { version: "desc" } });
  if (active) return fromRow(active);
  const any = await db.scoringConfig.findFirst({ where: { organizationId }, orderBy: { version: "desc" } });
  if (any) return fromRow(any); // no active flag (should not happen): newest wins
  try {
    const created = await db.scoringConfig.create({
      data: {
        organizationId,
        version: 1,
        weights: DEFAULT_SCORING_CONFIG.weights,
        penalties: DEFAULT_SCORING_CONFIG.penalties,
        thresholds: DEFAULT_SCORING_CONFIG.thresholds,
        isActive: true,
      },
    });
    return fromRow(created);
  } catch (e) {
    if ((e as { code?: string }).code !== "P2002") throw e;
    // another caller created version 1 first
    const again = await db.scoringConfig.findFirstOrThrow({ where: { organizationId }, orderBy: { version: "desc" } });
    return fromRow(again);
  }
}

/** Validate and store a new version; returns it. */
export async function saveScoringConfig(db: Db, organizationId: string, input: unknown, userId: string | null): Promise<StoredScoringConfig> {
  const config = parseScoringConfig(input);
  const row = await db.$transaction(async (tx) => {
    const last = await tx.scoringConfig.findFirst({ where: { organizationId }, orderBy: { version: "desc" }, select: { version: true } });
    await tx.scoringConfig.updateMany({ where: { organizationId, isActive: true }, data: { isActive: false } });
    return tx.scoringConfig.create({
      data: {
        organizationId,
        version: (last?.version ?? 0) + 1,
        weights: config.weights,
        penalties: config.penalties,
        thresholds: config.learned ? { ...config.thresholds, learned: config.learned } : config.thresholds,
        isActive: true,
        createdById: userId,
      },
    });
  });
  return fromRow(row);
}

/** Every stored version, newest first (for an audit view). */
export async function listScoringConfigs(db: Db, organizationId: string): Promise<(StoredScoringConfig & { isActive: boolean })[]> {
  const rows = await db.scoringConfig.findMany({ where: { organizationId }, orderBy: { version: "desc" } });
  return rows.map((r) => ({ ...fromRow(r), isActive: r.isActive }));
}
