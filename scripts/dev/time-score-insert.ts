/**
 * Micro-benchmark (dev only): ways to insert ChurnScoreDaily rows into SQLite.
 *   npx tsx scripts/dev/time-score-insert.ts <scored.db> [rows]
 * Takes `rows` (default 20,000) real score rows from a scored database (e.g. `time-pipeline.ts --keep`)
 * and inserts them into fresh files: Prisma + JSON parameter, direct libsql + JSON parameter, direct
 * libsql + one prepared statement per row. Prints wall and CPU ms per method.
 */
import Database from "libsql";
import { rmSync } from "node:fs";
import { createPrisma } from "@/lib/db/prisma";

const [src, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 20000);
const from = new Database(src, { readonly: true });
const ddl = (from.prepare(`SELECT sql FROM sqlite_master WHERE tbl_name = 'ChurnScoreDaily' AND sql IS NOT NULL`).raw(true).all() as string[][]).map((r) => r[0]);
const cols = (from.prepare(`SELECT * FROM "ChurnScoreDaily" LIMIT 1`).columns() as { name: string }[]).map((c) => c.name);
const rows = from.prepare(`SELECT * FROM "ChurnScoreDaily" LIMIT ${n}`).raw(true).all() as unknown[][];
from.close();
const list = cols.map((c) => `"${c}"`).join(", ");
const JSON_INSERT = `INSERT INTO "ChurnScoreDaily" (${list}) SELECT ${cols.map((_, i) => `value ->> ${i}`).join(", ")} FROM json_each(?)`;
const ROW_INSERT = `INSERT INTO "ChurnScoreDaily" (${list}) VALUES (${cols.map(() => "?").join(", ")})`;

function fresh(name: string): InstanceType<typeof Database> {
  const f = `/tmp/${name}.db`;
  for (const x of [f, `${f}-wal`, `${f}-shm`]) rmSync(x, { force: true });
  const db = new Database(f);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = OFF"); // the referenced tables are not copied
  for (const s of ddl) db.exec(s);
  return db;
}

async function time(name: string, fn: () => unknown) {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const u = process.cpuUsage(c);
  console.log(`${name.padEnd(36)} wall ${(performance.now() - t).toFixed(0)} ms, cpu ${((u.user + u.system) / 1000).toFixed(0)} ms`);
}

const d1 = fresh("ins-json");
await time("direct json_each (500/stmt, autocommit)", () => {
  const st = d1.prepare(JSON_INSERT);
  for (let i = 0; i < rows.length; i += 500) st.run(JSON.stringify(rows.slice(i, i + 500)));
});
const d2 = fresh("ins-row");
await time("direct prepared per row (1 tx)", () => {
  const st = d2.prepare(ROW_INSERT);
  d2.exec("BEGIN");
  for (const r of rows) st.run(r);
  d2.exec("COMMIT");
});
const d3 = fresh("ins-row-auto");
await time("direct prepared per row (tx/3650)", () => {
  const st = d3.prepare(ROW_INSERT);
  for (let i = 0; i < rows.length; i += 3650) {
    d3.exec("BEGIN");
    for (const r of rows.slice(i, i + 3650)) st.run(r);
    d3.exec("COMMIT");
  }
});
await time("JSON.stringify only", () => { for (let i = 0; i < rows.length; i += 500) JSON.stringify(rows.slice(i, i + 500)); });
for (const d of [d1, d2, d3]) d.close();
fresh("ins-prisma").close();
const p = createPrisma("file:/tmp/ins-prisma.db");
await p.$executeRawUnsafe("PRAGMA foreign_keys = OFF");
await time("prisma json_each (500/stmt)", async () => {
  for (let i = 0; i < rows.length; i += 500) await p.$executeRawUnsafe(JSON_INSERT, JSON.stringify(rows.slice(i, i + 500)));
});
await p.$disconnect();
