/**
 * Train the organization's churn model from its stored history and store it as the active
 * ChurnModel (called by `POST /api/models/train`, the post-backfill and weekly retrain jobs).
 *
 * Always stores a row (version = previous + 1, made the only active one): status "trained" with
 * parameters + metrics, or "insufficient_data" with `notes` (fewer than minPositives churned
 * accounts) — scoring then uses the fallback mapping.
 */
import type { Db } from "@/lib/db";
import { buildTrainingSet } from "./build-training-set";
import { trainChurnModel, type TrainResult } from "./train";

export type TrainAndStoreOptions = { organizationId: string; horizonDays?: number; now: Date; minPositives?: number; sampleEveryDays?: number };

export type StoredModelSummary = {
  id: string;
  version: number;
  status: TrainResult["status"];
  trainingRows: number;
  positives: number;
  metrics: TrainResult["metrics"];
  notes: string | null;
  durationMs: number;
};

export async function trainAndStoreModel(db: Db, opts: TrainAndStoreOptions): Promise<StoredModelSummary> {
  const started = performance.now();
  const horizonDays = opts.horizonDays ?? 90;
  const set = await buildTrainingSet(db, { organizationId: opts.organizationId, now: opts.now, horizonDays, sampleEveryDays: opts.sampleEveryDays });
  const result = trainChurnModel(set.rows, { horizonDays, minPositives: opts.minPositives, lastObservedDay: opts.now });
  const notes = [result.notes, set.truncated ? `training set capped at ${set.rows.length} rows` : null].filter(Boolean).join("; ") || null;
  const row = await db.$transaction(async (tx) => {
    const last = await tx.churnModel.findFirst({ where: { organizationId: opts.organizationId }, orderBy: { version: "desc" }, select: { version: true } });
    await tx.churnModel.updateMany({ where: { organizationId: opts.organizationId, isActive: true }, data: { isActive: false } });
    return tx.churnModel.create({
      data: {
        organizationId: opts.organizationId,
        version: (last?.version ?? 0) + 1,
        status: result.status,
        algorithm: result.algorithm,
        horizonDays,
        features: result.features,
        parameters: result.parameters ?? undefined,
        metrics: result.metrics ? { ...result.metrics, snapshotDays: set.snapshotDays.length } : undefined,
        trainingRows: result.trainingRows,
        positives: result.positives,
        isActive: true,
        notes,
        trainedAt: opts.now,
      },
    });
  });
  return {
    id: row.id, version: row.version, status: result.status, trainingRows: result.trainingRows, positives: result.positives,
    metrics: result.metrics, notes, durationMs: Math.round(performance.now() - started),
  };
}
