/**
 * Issue 13: adding model features (seat changes) makes every stored model's feature list stale, and scoring
 * ignores such a model (fallback probabilities). The next pipeline run retrains it instead of waiting for the
 * model to be a week old; a model with the current features is kept. Two organizations: only the stale one retrains.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../helpers/db";
import { refreshOrganization } from "@/lib/pipeline/refresh-organization";
import { FEATURE_NAMES } from "@/lib/model/features";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

const NOW = new Date("2026-11-20T12:00:00Z");

async function orgWithModel(slug: string, features: string[]) {
  const org = await t.db.organization.create({ data: { name: slug, slug } });
  await t.db.account.create({ data: { organizationId: org.id, name: `${slug} 1` } });
  await t.db.churnModel.create({
    data: {
      organizationId: org.id, version: 1, status: "trained", algorithm: "logistic_regression_l2+platt", horizonDays: 90, features,
      parameters: {}, trainingRows: 100, positives: 20, isActive: true, trainedAt: new Date(NOW.getTime() - 86_400_000),
    },
  });
  return org.id;
}

describe("a model trained on another feature list", () => {
  it("is retrained by the next pipeline run; a current one is kept", async () => {
    const stale = await orgWithModel("stale-model", FEATURE_NAMES);
    const current = await orgWithModel("current-model", FEATURE_NAMES);
    // first runs (history backfill, which trains anyway)
    await refreshOrganization(t.db, { organizationId: stale, now: NOW });
    await refreshOrganization(t.db, { organizationId: current, now: NOW });
    // the stale organization's active model was trained before the seat features existed
    await t.db.churnModel.updateMany({
      where: { organizationId: { in: [stale, current] }, isActive: true },
      data: { status: "trained", parameters: {}, trainedAt: new Date(NOW.getTime() - 3_600_000) },
    });
    await t.db.churnModel.updateMany({ where: { organizationId: stale, isActive: true }, data: { features: FEATURE_NAMES.filter((f) => !/^(licensedSeats|seatChange)/.test(f)) } });
    const before = { stale: await t.db.churnModel.count({ where: { organizationId: stale } }), current: await t.db.churnModel.count({ where: { organizationId: current } }) };
    const r1 = await refreshOrganization(t.db, { organizationId: stale, now: NOW });
    expect(r1.model.trained).toBe(true);
    expect(await t.db.churnModel.count({ where: { organizationId: stale } })).toBe(before.stale + 1);
    const r2 = await refreshOrganization(t.db, { organizationId: current, now: NOW });
    expect(r2.model.trained).toBe(false);
    expect(await t.db.churnModel.count({ where: { organizationId: current } })).toBe(before.current);
  });
});
