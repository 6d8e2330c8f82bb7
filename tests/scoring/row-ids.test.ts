/**
 * Row ids that stay unique whatever the row count (issue 13: a year of history for ~4,600+ accounts is written with
 * ONE run timestamp; `newRowId`'s counter wrapped after 36^4 = 1,679,616 ids and the scoring run failed with
 * `UNIQUE constraint failed: ChurnScoreDaily.id`, leaving accounts without history).
 *
 * Writing 2 M real score rows (~3 KB each) would take minutes; instead:
 * - 2,100,000 ids under one timestamp are generated and checked unique and strictly increasing (in text order,
 *   i.e. appending to the primary-key index);
 * - the scoring store writes real score rows under one run timestamp before AND after the run's id sequence is
 *   pushed past the old wrap point (the ids in between are drawn without rows), on SQLite and PostgreSQL. With the
 *   old counter the second write reused the first write's ids and failed on the primary key.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbProvider, type TestDb } from "../helpers/db";
import { newRowId, ROW_ID_COUNTER_SPAN } from "@/lib/db/json-upsert";
import { newScoreId, openScoreStore, type ScoreInsert } from "@/lib/scoring/score-store";

let t: TestDb;
beforeAll(async () => { t = await createTestDb(); });
afterAll(() => t.cleanup());

describe("newRowId", () => {
  it("gives 2,100,000 unique, strictly increasing ids under one timestamp", () => {
    const nowMs = Date.UTC(2030, 0, 1);
    // Strictly increasing ⇒ all distinct (a Set of 2.1 M strings would cost more than the ids themselves).
    let prev = newRowId("scr", nowMs);
    let increasing = 1;
    for (let i = 1; i < 2_100_000; i++) {
      const id = newRowId("scr", nowMs);
      if (id > prev) increasing++;
      prev = id;
    }
    expect(increasing).toBe(2_100_000);
  });

  it("never goes backwards when a caller passes an earlier time, and has a fixed width", () => {
    const a = newRowId("sig", Date.UTC(2031, 0, 1));
    const b = newRowId("sig", Date.UTC(2020, 0, 1));
    const c = newRowId("sig");
    expect(b > a).toBe(true);
    expect(c > b).toBe(true);
    expect(new Set([a.length, b.length, c.length]).size).toBe(1);
  });
});

describe(`score rows past the old id wrap point on ${testDbProvider()}`, () => {
  it("a run writing more than 1,679,616 ids under one timestamp stores every score row", async () => {
    const org = await t.db.organization.create({ data: { name: "ids", slug: `ids-${Math.random().toString(36).slice(2, 8)}` } });
    const day = new Date("2026-11-20T00:00:00Z");
    const accounts: string[] = [];
    for (let i = 0; i < 40; i++) accounts.push((await t.db.account.create({ data: { organizationId: org.id, name: `ids ${i}` } })).id);
    const days = Array.from({ length: 25 }, (_, k) => new Date(day.getTime() - k * 86_400_000));
    const rowsOf = (ids: string[]): ScoreInsert[] => ids.flatMap((accountId) => days.map((d) => ({
      organizationId: org.id, accountId, day: d, healthScore: 70, riskLevel: "healthy" as const, churnProbability: 0.05,
      probabilitySource: "fallback", trend: null, factors: [], penalties: [], missingFactors: [], drivers: [], inputs: {},
      scoringConfigId: null, scoringConfigVersion: 1, churnModelId: null, churnModelVersion: null,
    })));
    // One run timestamp later than any id drawn so far in this process: the run's ids start a fresh time step.
    const now = new Date(Date.UTC(2040, 0, 1));
    const first = accounts.slice(0, 20);
    const second = accounts.slice(20);
    const store = await openScoreStore(t.db);
    try {
      await store.write({ accountIds: first, from: days.at(-1)!, to: day, rows: rowsOf(first), accounts: [], now });
      // The run goes on drawing ids (other accounts' rows) until its sequence is past the old wrap point: the old
      // counter then gave half of the second write's 500 rows the first write's ids again.
      for (let i = 0; i < ROW_ID_COUNTER_SPAN - 250; i++) newScoreId(now.getTime());
      await store.write({ accountIds: second, from: days.at(-1)!, to: day, rows: rowsOf(second), accounts: [], now });
    } finally {
      await store.close();
    }
    const stored = await t.db.churnScoreDaily.findMany({ where: { organizationId: org.id }, select: { id: true, accountId: true } });
    expect(stored).toHaveLength(40 * 25);
    expect(new Set(stored.map((r) => r.id)).size).toBe(40 * 25);
    const secondSet = new Set(second);
    const maxFirst = stored.filter((r) => !secondSet.has(r.accountId)).map((r) => r.id).sort().at(-1)!;
    const minSecond = stored.filter((r) => secondSet.has(r.accountId)).map((r) => r.id).sort()[0]!;
    expect(minSecond > maxFirst).toBe(true); // time-ordered: later rows append to the primary-key index
  });
});
