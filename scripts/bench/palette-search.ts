/**
 * Palette account search benchmark (issue 18: "server-side search, fast at 50,000 accounts"):
 *
 *   npx tsx scripts/bench/palette-search.ts [--accounts 50000] [--runs 9]
 *
 * Seeds a fresh migrated SQLite file data/bench/palette-<N>.db with ONE organization of N accounts (name,
 * domain, a HubSpot company and a Stripe customer SourceRecord each, as a sync makes them) plus a second
 * organization of 1,000 look-alike accounts, then times lib/commands/search-accounts.ts `searchAccounts` (what
 * GET /api/search and "show hubspot deals for <name>" run) for typical palette inputs, `--runs` times each,
 * and prints p50 / max ms per input and the number of hits. Seeding is not timed.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import Database from "libsql";
import { createPrisma } from "@/lib/db/prisma";
import { searchAccounts } from "@/lib/commands/search-accounts";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

const N = Number(arg("accounts", "50000"));
const RUNS = Math.max(5, Number(arg("runs", "9")));
const WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Vandelay", "Rocket", "Nimbus", "Vertex", "Quantum"];
const SUFFIX = ["Labs", "Corp", "Inc", "Systems", "Health", "Analytics", "Cloud", "Works", "Partners", "Group"];

async function main() {
  mkdirSync("data/bench", { recursive: true });
  const file = `data/bench/palette-${N}.db`;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  const url = `file:./${file}`;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url, DB_PROVIDER: "sqlite" }, stdio: "pipe" });
  const sql = new Database(file);
  sql.pragma("journal_mode = WAL");
  const now = new Date().toISOString();
  const orgs = [["org_bench", "Bench", "palette-bench"], ["org_other", "Other", "palette-other"]];
  for (const [id, name, slug] of orgs) sql.prepare(`INSERT INTO "Organization" (id, name, slug, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?)`).run(id, name, slug, now, now);
  const conns = [["c_hs", "org_bench", "hubspot"], ["c_st", "org_bench", "stripe"], ["c_hs2", "org_other", "hubspot"]];
  for (const [id, org, provider] of conns) {
    sql.prepare(`INSERT INTO "Connection" (id, organizationId, provider, mode, authType, externalAccountId, displayName, status, createdAt, updatedAt) VALUES (?, ?, ?, 'live', 'token', ?, ?, 'connected', ?, ?)`).run(id, org, provider, `ext-${id}`, id, now, now);
  }
  const insA = sql.prepare(`INSERT INTO "Account" (id, organizationId, name, domain, createdAt, updatedAt, lifecycleState, mrrCents) VALUES (?, ?, ?, ?, ?, ?, 'customer', 10000)`);
  const insS = sql.prepare(`INSERT INTO "SourceRecord" (id, organizationId, connectionId, objectType, externalId, accountId, name, createdAt, updatedAt, isManual) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`);
  const seed = sql.transaction((org: string, count: number, hs: string, st: string | null) => {
    for (let i = 0; i < count; i++) {
      const name = `${WORDS[i % WORDS.length]} ${SUFFIX[Math.floor(i / WORDS.length) % SUFFIX.length]} ${i}`;
      const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.example`;
      const id = `${org}_a${i}`;
      insA.run(id, org, name, domain, now, now);
      insS.run(`${id}_hs`, org, hs, "company", String(9_000_000 + i), id, name, now, now);
      if (st) insS.run(`${id}_st`, org, st, "customer", `cus_${(1e9 + i).toString(36)}`, id, name, now, now);
    }
  });
  const t0 = performance.now();
  seed("org_bench", N, "c_hs", "c_st");
  seed("org_other", 1000, "c_hs2", null);
  sql.exec("ANALYZE");
  sql.close();
  console.log(`seeded ${N.toLocaleString("en-US")} accounts (+1,000 in another organization) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const db = createPrisma(url);
  const inputs: [string, string][] = [
    ["partial domain", "ket-labs-4"],
    ["name prefix", "Acme"],
    ["name word", "analytics 123"],
    ["Stripe customer id", `cus_${(1e9 + 31_337 % N).toString(36)}`],
    ["HubSpot company id", String(9_000_000 + (27_182 % N))],
    ["literal underscore", "acme_"],
    ["no match", "zzzzqq"],
  ];
  const results: { input: string; text: string; hits: number; p50Ms: number; maxMs: number }[] = [];
  for (const [label, text] of inputs) {
    await searchAccounts(db, "org_bench", text); // warm-up
    const times: number[] = [];
    let hits = 0;
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      hits = (await searchAccounts(db, "org_bench", text)).length;
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    results.push({ input: label, text, hits, p50Ms: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10, maxMs: Math.round(times[times.length - 1]! * 10) / 10 });
  }
  for (const r of results) console.log(`${r.input.padEnd(20)} ${JSON.stringify(r.text).padEnd(18)} hits ${String(r.hits).padStart(2)}  p50 ${String(r.p50Ms).padStart(6)} ms  max ${String(r.maxMs).padStart(6)} ms`);
  console.log(JSON.stringify({ accounts: N, runs: RUNS, results }));
  await db.$disconnect();
}

void main().catch((e) => { console.error(e); process.exit(1); });
