/**
 * Console benchmark (issue 7, "fast with 50,000 accounts"):
 *
 *   npx tsx scripts/bench/console.ts --accounts 50000 [--days 30] [--runs 5] [--keep] [--reuse]
 *   npm run bench -- --only console [--full-size]            # 10,000 / 50,000 accounts
 *
 * Seeds ONE organization (in a child process, so seeding memory and time are not measured) into a fresh
 * SQLite file data/bench/console-<N>.db, or into DATABASE_URL when it is postgresql://… (a fresh
 * organization, deleted afterwards unless --keep): N accounts (names, ~40 owners, domains, MRR, renewal
 * dates, the latest-score columns), a HubSpot company and a Stripe customer SourceRecord per account as the
 * sync makes them, a few contacts / deals / subscriptions / invoices / charges / engagements / tickets per
 * account, and `--days` days of AccountSignalDaily and ChurnScoreDaily rows per account (scores from the
 * real `scoreAccount` on drifting synthetic signals; rows written with one JSON parameter per statement).
 * `--reuse` keeps data/bench/console-<N>.db between runs (seeded once) — for iterating on queries.
 *
 * Then times the real query functions the pages and API routes call, each `--runs` times (≥ 5), printing
 * p50 / max ms: dashboard summary; accounts page 1 (default sort) and each sort; filters by level, owner,
 * trend; search "acme"; a deep page (page 200); the CSV export of a filtered view and of all rows (time,
 * bytes, peak RSS growth while streaming); the account detail of a few accounts. Prints peak RSS and, last,
 * a JSON summary (parsed by scripts/bench/all.ts).
 *
 * Target (issue 7): every interactive query < 300 ms p50 at 50,000 accounts on SQLite (2 cores), CSV export
 * of all rows < 5 s.
 *
 * Load (issue 14 item 10): `--load [--clients 50] [--requests 2000] [--load-only]` also serves
 * `GET /api/integrations/scores/latest` from a child process (`--serve`: node:http in front of the real route
 * handler — withApi, cron-bearer auth, zod, the list query, snake_case JSON; only Next.js's own router is
 * not in the path) and sends it `--requests` requests from `--clients` concurrent clients (each a fetch
 * loop, keep-alive), after 2 × clients warm-up requests; prints p50 / p95 / p99 / max latency (ms), requests/s
 * and the server process's CPU time per request (ms; the figure that does not depend on what else the machine
 * runs: one Node process serves requests one CPU slice at a time, so 50 clients wait ≈ 50 × that each).
 * Target: p95 < 300 ms with 50 clients. `--load-only` skips the query timings above and writes its figures to
 * bench/results/scores-latest-<provider>-<accounts>-<time>.json. On PostgreSQL (DATABASE_URL=postgresql://…)
 * `--days 1` seeds 50,000 accounts in ~2.5 minutes (the list reads only the latest-score columns).
 *
 * During another organization's sync (issue 15): `npm run bench:scores-during-sync [-- --accounts 50000
 * --sync-customers 3000 --clients 10 --requests 1000 --pg postgresql://…]` — PostgreSQL only: a fresh database
 * (on `--pg`/TEST_DATABASE_URL's server, else a throwaway cluster), organization A seeded with `--accounts`
 * accounts (`--days 1`), organization B connected to the Stripe sandbox (synthetic portfolio of
 * `--sync-customers` customers, 12 months of invoices) and its FULL sync (+ the pipeline after it) run by one
 * `npm run worker` (pg-boss). While that job runs: `--requests` GETs of A's scores/latest (default page) and of
 * the scores page's server data (`/accounts`: loadAccountsPage + openTaskCounts, serialised — React's HTML
 * rendering is not in the path) from `--clients` concurrent clients. Prints per target p50/p95 as the client sees it
 * AND the server time (request in → response out, inside the serving process), CPU ms per request, whether the
 * sync was still running at the end, the load average; JSON under bench/results/scores-during-sync-*.json.
 * Target: p95 server time < 300 ms.
 */
import { execFileSync, spawn } from "node:child_process";
import http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import Database from "libsql";
import { mulberry32 } from "@/sandbox/core/prng";
import { createPrisma, isPostgresUrl, type Db } from "@/lib/db/prisma";
import { sqliteDateText } from "@/lib/db/json-upsert";
import { encodeCursor } from "@/lib/http/pagination";
import { fallbackProbability } from "@/lib/model/fallback";
import { getAccountDetail } from "@/lib/queries/get-account-detail";
import { getDashboardSummary } from "@/lib/queries/get-dashboard-summary";
import { loadAccountsPage } from "@/lib/queries/accounts-page-data";
import { accountScoresCsv, SORT_FIELDS, ZAccountListQuery } from "@/lib/queries/list-account-scores";
import { DEFAULT_SCORING_CONFIG } from "@/lib/scoring/config";
import { scoreAccount } from "@/lib/scoring/score-account";
import { computeTrend } from "@/lib/scoring/trend";
import type { SignalSnapshot } from "@/lib/signals/types";

const DAY = 86_400_000;
const SLUG_PREFIX = "bench-console";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}


// ───────────────────────────── bulk insert (seeding only) ─────────────────────────────

/** Column type: how a value is sent (SQLite text/number; PostgreSQL jsonb_to_recordset type). Enums name their PG type. */
type Col = [name: string, type: "text" | "int" | "float" | "bool" | "ts" | "json" | `enum:${string}`];

const PG_TYPE = { text: "text", int: "integer", float: "double precision", bool: "boolean", ts: "timestamp(3)", json: "jsonb" } as const;

/**
 * Insert `rows` (positional, in `cols` order) into `table`. SQLite: a direct libsql connection with one
 * prepared INSERT per table (the caller wraps a chunk in BEGIN…COMMIT) — sending rows as one JSON
 * parameter re-parses each row's JSON once per column in SQLite, ~4k score rows/s. PostgreSQL: ONE JSON
 * parameter per statement through `jsonb_to_recordset` (the pattern of lib/signals/write-signal-rows.ts).
 * Dates are Date objects, JSON columns plain values, booleans booleans.
 */
const seedMs = new Map<string, number>();

type Sink = { pg: Db | null; sqlite: Database.Database | null; stmts: Map<string, Database.Statement> };

async function bulkInsert(sink: Sink, table: string, cols: Col[], rows: unknown[][], perStatement = 1000): Promise<void> {
  const t0 = performance.now();
  const names = cols.map(([c]) => `"${c}"`).join(", ");
  if (sink.sqlite) {
    let stmt = sink.stmts.get(table);
    if (!stmt) {
      stmt = sink.sqlite.prepare(`INSERT INTO "${table}" (${names}) VALUES (${cols.map(() => "?").join(", ")})`);
      sink.stmts.set(table, stmt);
    }
    for (const r of rows) {
      stmt.run(cols.map(([, t], k) => {
        const v = r[k];
        if (v === null || v === undefined) return null;
        if (t === "ts") return sqliteDateText(v as Date);
        if (t === "json") return JSON.stringify(v);
        if (t === "bool") return v ? 1 : 0;
        return v;
      }));
    }
  } else if (sink.pg) {
    const sql = `INSERT INTO "${table}" (${names}) SELECT ${cols.map(([c, t]) => (t.startsWith("enum:") ? `CAST(x."${c}" AS "${t.slice(5)}")` : `x."${c}"`)).join(", ")} ` +
      `FROM jsonb_to_recordset($1::jsonb) AS x(${cols.map(([c, t]) => `"${c}" ${t.startsWith("enum:") ? "text" : PG_TYPE[t as keyof typeof PG_TYPE]}`).join(", ")})`;
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      const payload = chunk.map((r) => Object.fromEntries(cols.map(([c], k) => [c, r[k] instanceof Date ? (r[k] as Date).toISOString() : r[k]])));
      await sink.pg.$executeRawUnsafe(sql, JSON.stringify(payload));
    }
  }
  seedMs.set(table, (seedMs.get(table) ?? 0) + performance.now() - t0);
}

const cuidish = (() => {
  let n = 0;
  const prefix = randomBytes(3).toString("hex");
  return (p = "c") => `${p}${Date.now().toString(36)}${prefix}${(n++).toString(36).padStart(5, "0")}${randomBytes(3).toString("hex")}`;
})();

const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kira", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tara"];
const LAST = ["Ng", "Silva", "Kowalski", "Okafor", "Larsen", "Moreau", "Tanaka", "Brennan", "Haddad", "Novak"];
const PREFIX = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell", "Cyberdyne", "Aperture",
  "Wonka", "Gringotts", "Monarch", "Pied Piper", "Dunder", "Prestige", "Oscorp", "Massive", "Blue Sun", "Nakatomi", "Virtucon", "Zorg",
  "Bluth", "Sterling", "Ollivander", "Kramerica", "Axiom", "Black Mesa", "Nimbus", "Polaris", "Quartz", "Redwood", "Summit", "Tidal",
  "Vertex", "Willow", "Yonder", "Zenith", "Harbor", "Lumen", "Northwind", "Orbit", "Pinnacle", "Cobalt", "Delta", "Ember", "Fjord", "Granite"];
const SUFFIX = ["Analytics", "Labs", "Systems", "Logistics", "Health", "Foods", "Energy", "Robotics", "Media", "Capital", "Software", "Retail",
  "Travel", "Security", "Biotech", "Studios", "Networks", "Partners", "Holdings", "Cloud"];
const INDUSTRY = ["SOFTWARE", "RETAIL", "FINANCIAL_SERVICES", "HEALTHCARE", "LOGISTICS", "MEDIA", "EDUCATION", "MANUFACTURING"];
const COUNTRY = ["US", "GB", "DE", "FR", "CA", "AU", "NL", "SE", "ES", "JP"];

/** A drifting synthetic signal snapshot of one account on one day. */
type Profile = { health: number; mrr: number; seats: number; renewInDays: number; engagement: number; failedRate: number; tickets: number; tenure: number; cancel: boolean; currency: string };

function snapshotFor(p: Profile, r: () => number, day: Date, dayIdx: number, days: number): SignalSnapshot {
  const drift = (dayIdx - days) / days; // -1 … 0
  const h = Math.min(1, Math.max(0, p.health + drift * (r() - 0.5) * 0.3)); // 0 (bad) … 1 (good), drifting a little per day
  const eng = Math.max(0, p.engagement + drift * (r() - 0.5) * 6);
  const failed = r() < p.failedRate ? 1 + Math.floor(r() * 3) : 0;
  const shrink = 0.6 - h * 0.5; // mean MRR change: −35 % (h=0) … +10 % (h=1)
  return {
    day, mrrCents: p.mrr, mrrCurrency: p.currency,
    mrrChange30dCents: Math.round((r() * 0.3 - shrink * 0.5) * p.mrr), mrrChange60dCents: Math.round((r() * 0.3 - shrink * 0.7) * p.mrr),
    mrrChange90dCents: r() < 0.1 ? null : Math.round((r() * 0.3 - shrink) * p.mrr),
    seats: p.seats, activeContacts: Math.min(p.seats, Math.round(p.seats * h * (0.5 + r() * 0.5))), openDeals: Math.floor(r() * 2),
    renewalDealStage: r() < 0.5 ? "open" : null, daysUntilRenewal: Math.max(0, p.renewInDays - (days - 1 - dayIdx)), autoRenew: !p.cancel,
    cancellationPending: p.cancel, failedPayments30d: failed, daysSinceLastPayment: h > 0.35 ? Math.floor(r() * 32) : 30 + Math.floor(r() * 80),
    pastDueInvoices: h < 0.25 && r() < 0.6 ? 1 : 0,
    calls30d: Math.floor(eng), meetings30d: Math.floor(eng / 2), notes30d: Math.floor(eng * 1.5), daysSinceLastEngagement: eng < 0.5 ? 45 + Math.floor(r() * 60) : Math.floor(r() * 20),
    openTickets: Math.floor(r() * (p.tickets + 1)), urgentTickets: r() < 0.05 ? 1 : 0, tenureDays: p.tenure + dayIdx,
    billingInterval: "month", commitmentTermMonths: 12, collectionMethod: "charge_automatically", paymentMethodType: "card",
    productCount: 1 + (p.seats % 3), itemCount: 1 + (p.seats % 4), products: ["Core"],
    lifecycleState: "customer", cancelingMrrShare: p.cancel ? 1 : 0, newCustomer: false,
    freshness: { hubspot: day.toISOString(), stripe: day.toISOString() }, extra: null,
  };
}

const SIGNAL_COLS: Col[] = [
  ["id", "text"], ["organizationId", "text"], ["accountId", "text"], ["day", "ts"], ["mrrCents", "int"], ["mrrCurrency", "text"],
  ["mrrChange30dCents", "int"], ["mrrChange60dCents", "int"], ["mrrChange90dCents", "int"], ["seats", "int"], ["activeContacts", "int"],
  ["openDeals", "int"], ["renewalDealStage", "text"], ["daysUntilRenewal", "int"], ["autoRenew", "bool"], ["cancellationPending", "bool"],
  ["failedPayments30d", "int"], ["daysSinceLastPayment", "int"], ["pastDueInvoices", "int"], ["calls30d", "int"], ["meetings30d", "int"],
  ["notes30d", "int"], ["daysSinceLastEngagement", "int"], ["openTickets", "int"], ["urgentTickets", "int"], ["tenureDays", "int"],
  ["billingInterval", "text"], ["commitmentTermMonths", "int"], ["collectionMethod", "text"], ["paymentMethodType", "text"],
  ["productCount", "int"], ["itemCount", "int"], ["products", "json"], ["freshness", "json"], ["isBackfill", "bool"], ["computedAt", "ts"],
];
const SCORE_COLS: Col[] = [
  ["id", "text"], ["organizationId", "text"], ["accountId", "text"], ["day", "ts"], ["healthScore", "float"], ["riskLevel", "enum:RiskLevel"],
  ["churnProbability", "float"], ["probabilitySource", "text"], ["trend", "enum:Trend"], ["factors", "json"], ["penalties", "json"],
  ["missingFactors", "json"], ["drivers", "json"], ["inputs", "json"], ["scoringConfigVersion", "int"], ["createdAt", "ts"],
];
const ACCOUNT_COLS: Col[] = [
  ["id", "text"], ["organizationId", "text"], ["name", "text"], ["domain", "text"], ["industry", "text"], ["country", "text"],
  ["employeeCount", "int"], ["lifecycleStage", "text"], ["ownerId", "text"], ["customerSince", "ts"], ["mrrCents", "int"], ["mrrCurrency", "text"],
  ["renewalDate", "ts"], ["healthScore", "float"], ["riskLevel", "enum:RiskLevel"], ["churnProbability", "float"], ["trend", "enum:Trend"],
  ["topReason", "text"], ["scoredAt", "ts"], ["createdAt", "ts"], ["updatedAt", "ts"],
];
const SOURCE_COLS: Col[] = [
  ["id", "text"], ["organizationId", "text"], ["connectionId", "text"], ["objectType", "text"], ["externalId", "text"], ["accountId", "text"],
  ["name", "text"], ["domain", "text"], ["email", "text"], ["properties", "json"], ["matchRule", "enum:MatchRule"], ["matchConfidence", "float"],
  ["matchedAt", "ts"], ["sourceCreatedAt", "ts"], ["sourceUpdatedAt", "ts"], ["createdAt", "ts"], ["updatedAt", "ts"],
];
const CONTACT_COLS: Col[] = [["id", "text"], ["organizationId", "text"], ["connectionId", "text"], ["externalId", "text"], ["accountId", "text"], ["firstName", "text"], ["lastName", "text"], ["email", "text"], ["jobTitle", "text"], ["lastActivityAt", "ts"], ["updatedAt", "ts"]];
const DEAL_COLS: Col[] = [["id", "text"], ["organizationId", "text"], ["connectionId", "text"], ["externalId", "text"], ["accountId", "text"], ["name", "text"], ["amountCents", "int"], ["currency", "text"], ["dealStage", "text"], ["renewalStage", "text"], ["closeDate", "ts"], ["updatedAt", "ts"]];
const SUB_COLS: Col[] = [["id", "text"], ["organizationId", "text"], ["connectionId", "text"], ["externalId", "text"], ["accountId", "text"], ["customerExternalId", "text"], ["status", "text"], ["currency", "text"], ["mrrCents", "int"], ["startDate", "ts"], ["currentPeriodEnd", "ts"], ["updatedAt", "ts"]];
const ITEM_COLS: Col[] = [["id", "text"], ["subscriptionId", "text"], ["externalId", "text"], ["productName", "text"], ["unitAmountCents", "int"], ["currency", "text"], ["quantity", "int"], ["interval", "text"]];
const INVOICE_COLS: Col[] = [["id", "text"], ["organizationId", "text"], ["connectionId", "text"], ["externalId", "text"], ["accountId", "text"], ["customerExternalId", "text"], ["status", "text"], ["currency", "text"], ["amountDueCents", "int"], ["amountPaidCents", "int"], ["amountRemainingCents", "int"], ["dueDate", "ts"], ["sourceCreatedAt", "ts"], ["updatedAt", "ts"]];
const CHARGE_COLS: Col[] = [["id", "text"], ["organizationId", "text"], ["connectionId", "text"], ["externalId", "text"], ["accountId", "text"], ["customerExternalId", "text"], ["status", "text"], ["amountCents", "int"], ["currency", "text"], ["failureCode", "text"], ["sourceCreatedAt", "ts"], ["updatedAt", "ts"]];
const ENG_COLS: Col[] = [["id", "text"], ["organizationId", "text"], ["connectionId", "text"], ["type", "text"], ["externalId", "text"], ["accountId", "text"], ["occurredAt", "ts"], ["title", "text"], ["updatedAt", "ts"]];
const TICKET_COLS: Col[] = [["id", "text"], ["organizationId", "text"], ["connectionId", "text"], ["externalId", "text"], ["accountId", "text"], ["subject", "text"], ["priority", "text"], ["status", "text"], ["isOpen", "bool"], ["openedAt", "ts"], ["updatedAt", "ts"]];

/** Child mode: seed `n` accounts with `days` days of history into DATABASE_URL; prints `ORG=<id>`. */
async function seedOnly(url: string, n: number, days: number, today: Date): Promise<void> {
  const db = createPrisma(url);
  const pg = isPostgresUrl(url);
  const r = mulberry32(7);
  const now = new Date();
  const org = await db.organization.create({ data: { name: "Bench Console Co", slug: `${SLUG_PREFIX}-${n}-${randomUUID().slice(0, 6)}` } });
  const hs = await db.connection.create({ data: { organizationId: org.id, provider: "hubspot", externalAccountId: "24681357", displayName: "Bench portal", lastSyncAt: new Date(now.getTime() - 12 * 60_000), lastFullSyncAt: now } });
  const st = await db.connection.create({ data: { organizationId: org.id, provider: "stripe", mode: "test", externalAccountId: "acct_bench", displayName: "Bench Stripe", lastSyncAt: new Date(now.getTime() - 3 * 60_000), lastFullSyncAt: now } });
  const owners: string[] = [];
  for (let i = 0; i < 40; i++) {
    const o = await db.owner.create({ data: { organizationId: org.id, connectionId: hs.id, externalId: String(1000 + i), firstName: FIRST[i % FIRST.length], lastName: LAST[Math.floor(i / 2) % LAST.length], email: `owner${i}@bench.example` } });
    owners.push(o.id);
  }
  const sink: Sink = { pg: pg ? db : null, sqlite: null, stmts: new Map() };
  if (!pg) {
    sink.sqlite = new Database(url.replace(/^file:/, ""));
    sink.sqlite.pragma("journal_mode = WAL");
    sink.sqlite.pragma("synchronous = NORMAL");
  }
  const dayList = Array.from({ length: days }, (_, k) => new Date(today.getTime() - (days - 1 - k) * DAY));
  const CH = 1000;
  for (let i = 0; i < n; i += CH) {
    const g0 = performance.now();
    const accounts: unknown[][] = [], sources: unknown[][] = [], signals: unknown[][] = [], scores: unknown[][] = [];
    const contacts: unknown[][] = [], deals: unknown[][] = [], subs: unknown[][] = [], items: unknown[][] = [], invoices: unknown[][] = [];
    const charges: unknown[][] = [], engs: unknown[][] = [], tickets: unknown[][] = [];
    for (let k = i; k < Math.min(n, i + CH); k++) {
      const id = cuidish("c");
      const name = `${PREFIX[Math.floor(r() * PREFIX.length)]} ${SUFFIX[Math.floor(r() * SUFFIX.length)]} ${k}`;
      const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "")}.example`;
      const health = r();
      const p: Profile = {
        health,
        mrr: 2_000 + Math.floor(r() * r() * 500_000), seats: 1 + Math.floor(r() * 12), renewInDays: Math.floor(r() * 400) - 10,
        engagement: health * health * 8, failedRate: health < 0.25 ? 0.6 : 0.03, tickets: Math.floor(r() * 4), tenure: 30 + Math.floor(r() * 1500),
        cancel: r() < 0.03, currency: r() < 0.85 ? "usd" : r() < 0.5 ? "eur" : "gbp",
      };
      const history: number[] = [];
      let last: null | { score: ReturnType<typeof scoreAccount>; trend: ReturnType<typeof computeTrend>; prob: number } = null;
      for (let d = 0; d < days; d++) {
        const day = dayList[d];
        const s = snapshotFor(p, r, day, d, days);
        const score = scoreAccount(s, DEFAULT_SCORING_CONFIG);
        const trend = computeTrend(score.healthScore, d >= 7 ? history[d - 7] : null, d >= 30 ? history[d - 30] : null);
        history.push(score.healthScore);
        const prob = fallbackProbability(score.healthScore).probability;
        const { day: _day, ...inputs } = s;
        signals.push([cuidish("sig"), org.id, id, day, s.mrrCents, s.mrrCurrency, s.mrrChange30dCents, s.mrrChange60dCents, s.mrrChange90dCents, s.seats,
          s.activeContacts, s.openDeals, s.renewalDealStage, s.daysUntilRenewal, s.autoRenew, s.cancellationPending, s.failedPayments30d,
          s.daysSinceLastPayment, s.pastDueInvoices, s.calls30d, s.meetings30d, s.notes30d, s.daysSinceLastEngagement, s.openTickets,
          s.urgentTickets, s.tenureDays, s.billingInterval, s.commitmentTermMonths, s.collectionMethod, s.paymentMethodType, s.productCount,
          s.itemCount, s.products, s.freshness, d < days - 1, now]);
        scores.push([cuidish("scr"), org.id, id, day, score.healthScore, score.riskLevel, prob, "fallback", trend, score.factors, score.penalties,
          score.missingFactors, score.drivers, { ...inputs, modelDrivers: [] }, 1, now]);
        last = { score, trend, prob };
      }
      if (!last) throw new Error("--days must be ≥ 1");
      const l = last;
      const owner = r() < 0.92 ? owners[Math.floor(r() * owners.length)] : null;
      const since = new Date(today.getTime() - p.tenure * DAY);
      const renewal = p.renewInDays >= 0 ? new Date(today.getTime() + p.renewInDays * DAY) : null;
      accounts.push([id, org.id, name, domain, INDUSTRY[k % INDUSTRY.length], COUNTRY[k % COUNTRY.length], 5 + Math.floor(r() * 2000), "customer", owner,
        since, p.mrr, p.currency, renewal, l.score.healthScore, l.score.riskLevel, l.prob, l.trend, l.score.drivers[0] ?? null, today, since, now]);
      const hsId = String(9_000_000 + k), cusId = `cus_B${k.toString(36).padStart(8, "0")}`;
      sources.push([cuidish("src"), org.id, hs.id, "company", hsId, id, name, domain, null,
        { name, domain, industry: INDUSTRY[k % INDUSTRY.length], hubspot_owner_id: owner ? "1000" : null, createdate: since.toISOString(), hs_lastmodifieddate: now.toISOString() },
        "normalized_name", 1, now, since, now, now, now]);
      sources.push([cuidish("src"), org.id, st.id, "customer", cusId, id, name, domain, `billing@${domain}`,
        { email: `billing@${domain}`, currency: p.currency, metadata: { hubspot_company_id: hsId }, delinquent: p.failedRate > 0.1 },
        "explicit_metadata", 1, now, since, now, now, now]);
      for (let c = 0; c < 2; c++) contacts.push([cuidish(), org.id, hs.id, `${hsId}${c}`, id, FIRST[(k + c) % FIRST.length], LAST[(k + c) % LAST.length], `p${c}@${domain}`, c === 0 ? "VP Operations" : "Admin", new Date(today.getTime() - Math.floor(r() * 60) * DAY), now]);
      deals.push([cuidish(), org.id, hs.id, `d${hsId}`, id, `${name} renewal`, p.mrr * 12, p.currency, "contractsent", "open", renewal, now]);
      const subId = cuidish();
      subs.push([subId, org.id, st.id, `sub_B${k}`, id, cusId, p.cancel ? "active" : "active", p.currency, p.mrr, since, renewal, now]);
      items.push([cuidish(), subId, `si_B${k}`, "Core", p.mrr, p.currency, 1, "month"]);
      for (let m = 0; m < 3; m++) {
        const created = new Date(today.getTime() - (m * 30 + 2) * DAY);
        const failed = m === 0 && p.failedRate > 0.1;
        invoices.push([cuidish(), org.id, st.id, `in_B${k}_${m}`, id, cusId, failed ? "open" : "paid", p.currency, p.mrr, failed ? 0 : p.mrr, failed ? p.mrr : 0, new Date(created.getTime() + 14 * DAY), created, now]);
        charges.push([cuidish(), org.id, st.id, `ch_B${k}_${m}`, id, cusId, failed ? "failed" : "succeeded", p.mrr, p.currency, failed ? "card_declined" : null, created, now]);
      }
      for (let e = 0; e < 3; e++) engs.push([cuidish(), org.id, hs.id, ["call", "meeting", "note"][e], `e${hsId}${e}`, id, new Date(today.getTime() - Math.floor(r() * 90) * DAY), `Check-in ${e + 1}`, now]);
      tickets.push([cuidish(), org.id, hs.id, `t${hsId}`, id, "Login issue", r() < 0.1 ? "urgent" : "medium", "open", true, new Date(today.getTime() - 5 * DAY), now]);
    }
    seedMs.set("(generate)", (seedMs.get("(generate)") ?? 0) + performance.now() - g0);
    sink.sqlite?.exec("BEGIN IMMEDIATE");
    await bulkInsert(sink, "Account", ACCOUNT_COLS, accounts);
    await bulkInsert(sink, "SourceRecord", SOURCE_COLS, sources);
    await bulkInsert(sink, "AccountSignalDaily", SIGNAL_COLS, signals);
    await bulkInsert(sink, "ChurnScoreDaily", SCORE_COLS, scores, 500);
    await bulkInsert(sink, "Contact", CONTACT_COLS, contacts);
    await bulkInsert(sink, "Deal", DEAL_COLS, deals);
    await bulkInsert(sink, "Subscription", SUB_COLS, subs);
    await bulkInsert(sink, "SubscriptionItem", ITEM_COLS, items);
    await bulkInsert(sink, "Invoice", INVOICE_COLS, invoices);
    await bulkInsert(sink, "Charge", CHARGE_COLS, charges);
    await bulkInsert(sink, "Engagement", ENG_COLS, engs);
    await bulkInsert(sink, "Ticket", TICKET_COLS, tickets);
    sink.sqlite?.exec("COMMIT");
    if (process.stdout.isTTY) process.stdout.write(`\r  seeded ${Math.min(n, i + CH)}/${n}`);
  }
  if (process.stdout.isTTY) process.stdout.write("\n");
  if (sink.sqlite) {
    sink.sqlite.exec("ANALYZE");
    sink.sqlite.close();
  } else await db.$executeRawUnsafe("ANALYZE");
  await db.$disconnect();
  console.error(`  seeding time per table (s): ${[...seedMs].map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(", ")}`);
  console.log(`ORG=${org.id}`);
}

// ───────────────────────────── timing ─────────────────────────────

type Timing = { name: string; p50Ms: number; maxMs: number; runs: number; rows?: number };

const round1 = (x: number) => Math.round(x * 10) / 10;

async function timeIt<T>(name: string, runs: number, fn: () => Promise<T>, rowsOf?: (v: T) => number): Promise<Timing> {
  const ms: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const res: Timing = { name, p50Ms: round1(ms[Math.floor((ms.length - 1) / 2)]), maxMs: round1(ms[ms.length - 1]), runs };
  if (rowsOf && last !== undefined) res.rows = rowsOf(last);
  console.log(`  ${name.padEnd(46)} p50 ${String(res.p50Ms).padStart(8)} ms   max ${String(res.maxMs).padStart(8)} ms${res.rows !== undefined ? `   (${res.rows} rows)` : ""}`);
  return res;
}

/** Consume a CSV stream, counting bytes and lines, sampling RSS every 10 ms. */
async function drainCsv(stream: ReadableStream<Uint8Array>): Promise<{ bytes: number; lines: number; peakRssGrowthMb: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  let bytes = 0, lines = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
  }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { bytes, lines, peakRssGrowthMb: Math.round((peak - base) / 1048576) };
}

// ───────────────────────────── load: scores/latest under concurrent clients ─────────────────────────────

const LOAD_CRON_SECRET = "bench-console-cron-secret";

/** Child mode (`--serve`): GET /api/integrations/scores/latest through its real route handler on a free port; prints `PORT=<n>`. */
async function serveOnly(): Promise<void> {
  const { GET } = await import("@/app/api/integrations/scores/latest/route");
  const { NextRequest } = await import("next/server");
  const times: number[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === "/__bench/cpu") { // CPU time (ms) this server process used so far: the load phase's cost per request
      const u = process.cpuUsage();
      res.end(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
      return;
    }
    if (req.url === "/__bench/times") { // server times (ms, request in → response out) since the last call
      res.end(JSON.stringify({ times: times.splice(0) }));
      return;
    }
    const t0 = performance.now();
    res.on("finish", () => { times.push(performance.now() - t0); });
    if (req.url?.startsWith("/__bench/accounts-page")) { // the scores page's server data (app/(console)/accounts/page.tsx)
      const org = new URL(req.url, "http://x").searchParams.get("organization") ?? "";
      void (async () => {
        const { getDb } = await import("@/lib/db");
        const { openTaskCounts } = await import("@/lib/tasks/tasks");
        const d = await loadAccountsPage(getDb(), org, {});
        const openTasks = await openTaskCounts(getDb(), org, d.page.data.map((r) => r.accountId));
        const body = Buffer.from(JSON.stringify({ d, openTasks: [...openTasks] }));
        res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
        res.end(body);
      })().catch((e: unknown) => { res.writeHead(500); res.end(String(e)); });
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    void GET(new NextRequest(`http://127.0.0.1${req.url}`, { headers }))
      .then(async (r) => {
        const body = Buffer.from(await r.arrayBuffer());
        res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json", "content-length": body.length });
        res.end(body);
      })
      .catch((e: unknown) => { res.writeHead(500); res.end(String(e)); });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(`PORT=${(server.address() as { port: number }).port}`));
}

/** p-th percentile (0-100) of sorted `xs` (nearest rank). */
const percentile = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))];

export type LoadResult = {
  clients: number; requests: number; errors: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; reqPerS: number; bytesPerResponse: number; serverCpuMsPerRequest: number;
  /** inside the serving process: request in → response out (ms) */
  serverP50Ms?: number; serverP95Ms?: number;
};

/**
 * `requests` GETs of `url` from `clients` concurrent fetch loops (after `warmup` untimed ones).
 * @returns latency percentiles (ms, wall time per request as a client sees it), errors (non-200) and throughput.
 */
async function loadTest(url: string, headers: Record<string, string>, clients: number, requests: number, warmup: number): Promise<LoadResult> {
  const serverCpu = async () => ((await (await fetch(new URL("/__bench/cpu", url))).json()) as { cpuMs: number }).cpuMs;
  let bytes = 0;
  const one = async () => {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    bytes = body.byteLength;
    return { ms: performance.now() - t0, ok: res.status === 200 };
  };
  const run = async (total: number, out: { ms: number; ok: boolean }[]) => {
    let next = 0;
    await Promise.all(Array.from({ length: clients }, async () => { while (next++ < total) out.push(await one()); }));
  };
  const serverTimes = async () => ((await (await fetch(new URL("/__bench/times", url))).json()) as { times: number[] }).times;
  await run(warmup, []);
  await serverTimes(); // drop the warm-up's
  const samples: { ms: number; ok: boolean }[] = [];
  const cpu0 = await serverCpu();
  const t0 = performance.now();
  await run(requests, samples);
  const wall = performance.now() - t0;
  const cpuMs = (await serverCpu()) - cpu0;
  const st = (await serverTimes()).sort((a, b) => a - b);
  const ms = samples.map((x) => x.ms).sort((a, b) => a - b);
  return {
    clients, requests: samples.length, errors: samples.filter((x) => !x.ok).length,
    p50Ms: round1(percentile(ms, 50)), p95Ms: round1(percentile(ms, 95)), p99Ms: round1(percentile(ms, 99)), maxMs: round1(ms[ms.length - 1]),
    reqPerS: round1(samples.length / (wall / 1000)), bytesPerResponse: bytes, serverCpuMsPerRequest: Math.round((cpuMs / samples.length) * 100) / 100,
    ...(st.length ? { serverP50Ms: round1(percentile(st, 50)), serverP95Ms: round1(percentile(st, 95)) } : {}),
  };
}

/** Starts the `--serve` child on `url`, runs {@link loadTest} against scores/latest of `org`, stops the child. */
async function loadScoresLatest(url: string, org: string): Promise<LoadResult[]> {
  const clients = Number(arg("clients", "50"));
  const requests = Number(arg("requests", "2000"));
  const child = spawn("npx", ["tsx", "scripts/bench/console.ts", "--serve"], {
    env: {
      ...process.env, DATABASE_URL: url, CRON_SECRET: LOAD_CRON_SECRET, LOG_LEVEL: "warn", NODE_ENV: "production",
      APP_ENCRYPTION_KEY: process.env.APP_ENCRYPTION_KEY ?? randomBytes(32).toString("base64"),
      BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString("base64"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => { out += d; const m = /PORT=(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
      child.on("exit", (code) => reject(new Error(`--serve exited with ${code}: ${out}`)));
    });
    const headers = { authorization: `Bearer ${LOAD_CRON_SECRET}` };
    const probe = await fetch(`http://127.0.0.1:${port}/api/integrations/scores/latest?organization=${org}&limit=1`, { headers });
    if (probe.status !== 200) throw new Error(`scores/latest answered ${probe.status}: ${await probe.text()}`);
    const results: LoadResult[] = [];
    console.log(`\nLoad: GET /api/integrations/scores/latest, ${clients} concurrent clients, ${requests} requests (after ${2 * clients} warm-up):`);
    for (const [label, qs] of [["default page (50 rows)", ""], ["limit=200", "&limit=200"]] as const) {
      const r = await loadTest(`http://127.0.0.1:${port}/api/integrations/scores/latest?organization=${org}${qs}`, headers, clients, requests, 2 * clients);
      results.push(r);
      console.log(`  ${label.padEnd(24)} p50 ${String(r.p50Ms).padStart(7)} ms   p95 ${String(r.p95Ms).padStart(7)} ms   p99 ${String(r.p99Ms).padStart(7)} ms   max ${String(r.maxMs).padStart(7)} ms   ${r.reqPerS} req/s   errors ${r.errors}   ${r.bytesPerResponse} B   server CPU ${r.serverCpuMsPerRequest} ms/request`);
    }
    return results;
  } finally {
    child.kill("SIGTERM");
  }
}

// ───────────────────────────── scores page during another organization's sync (issue 15) ─────────────────────────────

/** Starts the `--serve` child on `url` (see loadScoresLatest); returns its port and a stop function. */
async function startServeChild(url: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn("npx", ["tsx", "scripts/bench/console.ts", "--serve"], {
    env: {
      ...process.env, DATABASE_URL: url, CRON_SECRET: LOAD_CRON_SECRET, LOG_LEVEL: "warn", NODE_ENV: "production",
      APP_ENCRYPTION_KEY: process.env.APP_ENCRYPTION_KEY ?? randomBytes(32).toString("base64"),
      BETTER_AUTH_SECRET: process.env.BETTER_AUTH_SECRET ?? randomBytes(32).toString("base64"),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => { out += d; const m = /PORT=(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    child.on("exit", (code) => reject(new Error(`--serve exited with ${code}: ${out}`)));
  });
  return { port, stop: () => { child.kill("SIGTERM"); } };
}

/** `--during-sync` (see the module doc): A's scores/latest and scores page while B's full sync runs in a worker. */
async function duringSync(n: number): Promise<void> {
  const { fork } = await import("node:child_process");
  const pgLib = (await import("pg")).default;
  const { postgresServer } = await import("../lib/throwaway-postgres");
  const { resetEnvCache } = await import("@/lib/env");
  await import("../lib/app-jobs");
  const { registeredJobNames } = await import("@/lib/jobs/registry");
  const { setJobEngine } = await import("@/lib/jobs/engine");
  const { enqueueJob } = await import("@/lib/jobs/queue");
  const { startPgBossEngine } = await import("@/lib/jobs/pgboss/engine");
  const { configureStripe } = await import("@/lib/connectors/stripe/connect");
  const { startSandbox } = await import("@/sandbox/index");
  const { buildSyntheticPortfolio } = await import("@/sandbox/portfolio");
  const { todayUtc } = await import("@/sandbox/portfolio/util");
  const clients = Number(arg("clients", "10"));
  const requests = Number(arg("requests", "1000"));
  const syncCustomers = Number(arg("sync-customers", "3000"));
  const say = (x: string) => process.stderr.write(`  ${new Date().toISOString().slice(11, 19)} ${x}\n`);
  process.env.APP_ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
  process.env.LOG_LEVEL ??= "warn";

  const pgArg = arg("pg", "");
  const server = postgresServer(pgArg || process.env.TEST_DATABASE_URL);
  const name = `cw_bench_console_sync_${process.pid}`;
  const admin = async (sql: string) => { const c = new pgLib.Client({ connectionString: server.url }); await c.connect(); try { await c.query(sql); } finally { await c.end(); } };
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}"`);
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  const url = u.toString();
  execFileSync("npx", ["prisma", "migrate", "deploy", "--schema", "prisma/postgres"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
  const t0 = performance.now();
  const out = execFileSync("npx", ["tsx", "scripts/bench/console.ts", "--seed-only", "--accounts", String(n), "--days", "1", "--today", String(today.getTime())], {
    env: { ...process.env, DATABASE_URL: url }, encoding: "utf8", maxBuffer: 1 << 20, stdio: ["ignore", "pipe", "inherit"],
  });
  const orgA = /ORG=(\S+)/.exec(out)?.[1];
  if (!orgA) throw new Error(`seeding failed: ${out}`);
  say(`organization A: ${n} accounts seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const portfolio = buildSyntheticPortfolio({ companies: 10, contacts: 0, deals: 0, engagements: 0, tickets: 0, customers: syncCustomers, invoicesMonths: 12, anchor: todayUtc() });
  const sb = await startSandbox({ portfolio, ports: { hubspot: 0, stripe: 0 }, limits: false, latency: { fixedMs: 20, jitterMs: 0 } });
  process.env.STRIPE_API_BASE_URL = sb.stripeUrl;
  resetEnvCache();
  const db = createPrisma(url);
  const pb = await startPgBossEngine({ connectionString: url, names: registeredJobNames(), supervise: false });
  setJobEngine(pb.engine);
  let worker: ReturnType<typeof fork> | null = null;
  let serve: { port: number; stop: () => void } | null = null;
  try {
    const orgB = await db.organization.create({ data: { name: "Bench sync org", slug: `bench-sync-${Date.now()}` } });
    const c = await configureStripe(db, { organizationId: orgB.id, body: { api_key: (sb.info.stripe as { secretKey: string }).secretKey } });
    await db.job.updateMany({ where: { status: "queued" }, data: { status: "cancelled" } }); // connect's own first sync: ours below
    worker = fork("scripts/worker.ts", ["--concurrency", "2", "--no-schedules", "--dotenv", "/dev/null"], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, DATABASE_URL: url, CHURNWATCH_QUEUE: "pg-boss", LOG_LEVEL: "warn", STRIPE_API_BASE_URL: sb.stripeUrl },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    await new Promise((r) => worker!.once("message", r)); // {type: "ready"}
    serve = await startServeChild(url);
    const { job } = await enqueueJob(db, "sync-connection-job", { connectionId: c.connectionId, full: true, trigger: "bench" }, { organizationId: orgB.id, dedupeKey: `sync:${c.connectionId}` });
    for (let i = 0; i < 600; i++) { // wait until the sync runs
      const j = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      if (j.status !== "queued") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    say(`organization B's full sync is running (${syncCustomers} Stripe customers); load starts`);
    const headers = { authorization: `Bearer ${LOAD_CRON_SECRET}` };
    const loadBefore = +os.loadavg()[0].toFixed(1);
    // one request at a time first (the work itself), then `clients` at once (the work + queueing)
    const apiAlone = await loadTest(`http://127.0.0.1:${serve.port}/api/integrations/scores/latest?organization=${orgA}`, headers, 1, Math.min(200, requests), 2);
    const pageAlone = await loadTest(`http://127.0.0.1:${serve.port}/__bench/accounts-page?organization=${orgA}`, {}, 1, Math.min(200, requests), 2);
    const api = await loadTest(`http://127.0.0.1:${serve.port}/api/integrations/scores/latest?organization=${orgA}`, headers, clients, requests, 2 * clients);
    const page = await loadTest(`http://127.0.0.1:${serve.port}/__bench/accounts-page?organization=${orgA}`, {}, clients, requests, 2 * clients);
    const loadAfter = +os.loadavg()[0].toFixed(1);
    const syncJob = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    const pipeline = await db.job.findMany({ where: { organizationId: orgB.id, status: "running" }, select: { name: true } });
    const syncStillRunning = syncJob.status === "running" || pipeline.length > 0;
    const figures = {
      benchmark: "scores-during-sync", provider: "postgresql", accounts: n, syncCustomers, clients, requests,
      scoresLatest: api, scoresPageData: page, oneClient: { scoresLatest: apiAlone, scoresPageData: pageAlone },
      syncJob: { status: syncJob.status, progress: syncJob.progress }, otherOrgJobsRunningAtEnd: pipeline.map((p) => p.name), syncStillRunning,
      loadAverage1m: { before: loadBefore, after: loadAfter }, cores: os.cpus().length,
    };
    console.log(JSON.stringify(figures, null, 2));
    for (const [label, r] of [["scores/latest, 1 client", apiAlone], ["scores page data, 1 client", pageAlone], ["scores/latest", api], ["scores page data", page]] as const) {
      console.log(`scores-during-sync ${label}: server p50 ${r.serverP50Ms} ms p95 ${r.serverP95Ms} ms · client p50 ${r.p50Ms} ms p95 ${r.p95Ms} ms · ` +
        `CPU ${r.serverCpuMsPerRequest} ms/request · ${r.clients} clients, ${r.requests} requests, errors ${r.errors} · ${n} accounts · ` +
        `other org's sync ${syncStillRunning ? "running throughout" : `ended (${syncJob.status}) before the load did`} · load ${loadBefore} → ${loadAfter} · target p95 < 300 ms: ${(r.serverP95Ms ?? Infinity) < 300 ? "met" : "NOT met"}`);
    }
    mkdirSync("bench/results", { recursive: true });
    writeFileSync(`bench/results/scores-during-sync-${n}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    serve?.stop();
    if (worker) { worker.kill("SIGTERM"); await new Promise((r) => (worker!.exitCode !== null ? r(null) : worker!.once("exit", r))); }
    setJobEngine(null);
    await pb.stop({ timeoutMs: 1_000 });
    await db.$disconnect();
    await sb.close();
    if (!process.argv.includes("--keep")) { await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`); server.stop(); }
  }
}

async function main() {
  const n = Number(arg("accounts", "50000"));
  const days = Number(arg("days", "30"));
  const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
  if (process.argv.includes("--seed-only")) return seedOnly(process.env.DATABASE_URL!, n, days, new Date(Number(arg("today", String(today.getTime())))));
  if (process.argv.includes("--serve")) return serveOnly();
  if (process.argv.includes("--during-sync")) return duringSync(n);
  const runs = Math.max(5, Number(arg("runs", "5")));
  const keep = process.argv.includes("--keep");
  const reuse = process.argv.includes("--reuse");
  const envUrl = process.env.DATABASE_URL;
  const pgMode = !!envUrl && isPostgresUrl(envUrl);
  let url = envUrl ?? "";
  let file: string | null = null;
  let orgId: string | undefined;
  if (!pgMode) {
    mkdirSync("data/bench", { recursive: true });
    file = `data/bench/console-${n}.db`;
    url = `file:./${file}`;
    if (reuse && existsSync(file)) {
      const probe = createPrisma(url);
      orgId = (await probe.organization.findFirst({ where: { slug: { startsWith: `${SLUG_PREFIX}-${n}-` } } }))?.id;
      await probe.$disconnect();
    }
    if (!orgId) {
      for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
      execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
    }
  }
  process.env.DATABASE_URL = url;
  if (!orgId) {
    const t0 = performance.now();
    const out = execFileSync("npx", ["tsx", "scripts/bench/console.ts", "--seed-only", "--accounts", String(n), "--days", String(days), "--today", String(today.getTime())], {
      env: { ...process.env, DATABASE_URL: url }, encoding: "utf8", maxBuffer: 1 << 20, stdio: ["ignore", "pipe", "inherit"],
    });
    orgId = /ORG=(\S+)/.exec(out)?.[1];
    if (!orgId) throw new Error(`seeding failed: ${out}`);
    console.log(`seeded ${n} accounts × ${days} days of scores and signals in ${((performance.now() - t0) / 1000).toFixed(1)} s (${pgMode ? "postgresql" : "sqlite"})`);
  } else {
    console.log(`reusing ${file} (organization ${orgId})`);
  }

  if (process.argv.includes("--load-only")) {
    const load = await loadScoresLatest(url, orgId);
    const figures = { benchmark: "scores-latest-load", provider: pgMode ? "postgresql" : "sqlite", accounts: n, days, loadAverage1m: +os.loadavg()[0].toFixed(1), load };
    mkdirSync("bench/results", { recursive: true }); // issue 15's benchmark suite keeps every run's JSON
    writeFileSync(`bench/results/scores-latest-${figures.provider}-${n}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(JSON.stringify(figures, null, 2));
    if (file && !keep && !reuse) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    return;
  }
  const db = createPrisma(url);
  const org = orgId;
  const now = new Date(today.getTime() + 12 * 3600_000);
  const q = (raw: Record<string, string>) => ZAccountListQuery.parse(raw);
  const owner = (await db.owner.findFirst({ where: { organizationId: org }, orderBy: { externalId: "asc" } }))!.id;
  await getDashboardSummary(db, org, now); // warm the connection and the page cache once
  console.log(`\nTimings (${runs} runs each, ${pgMode ? "PostgreSQL" : "SQLite"}, ${n.toLocaleString("en-US")} accounts):`);
  const timings: Timing[] = [];
  const t = async <T>(name: string, fn: () => Promise<T>, rowsOf?: (v: T) => number) => { timings.push(await timeIt(name, runs, fn, rowsOf)); };
  const page = (raw: Record<string, string>) => () => loadAccountsPage(db, org, raw);
  const pageRows = (p: Awaited<ReturnType<typeof loadAccountsPage>>) => p.page.data.length;

  await t("dashboard summary", () => getDashboardSummary(db, org, now));
  await t("accounts page 1 (default sort)", page({}), pageRows);
  for (const s of SORT_FIELDS) {
    await t(`accounts sort ${s}`, page({ sort: s }), pageRows);
    await t(`accounts sort ${s} (reversed)`, page({ sort: s, order: ["health_score", "name", "renewal_date"].includes(s) ? "desc" : "asc" }), pageRows);
  }
  await t("filter level=critical", page({ risk_level: "critical" }), pageRows);
  await t("filter level=critical sort=mrr", page({ risk_level: "critical", sort: "mrr" }), pageRows);
  await t("filter owner=<one of 40>", page({ owner }), pageRows);
  await t("filter owner=none", page({ owner: "none" }), pageRows);
  await t("filter trend=declining", page({ trend: "declining" }), pageRows);
  await t("search q=acme", page({ q: "acme" }), pageRows);
  await t("search q=acme + level=at_risk", page({ q: "acme", risk_level: "at_risk" }), pageRows);
  await t("deep page 200 (offset 9,950)", page({ cursor: encodeCursor({ o: 199 * 50 }) }), pageRows);
  await t("API list limit=200 page 1", () => loadAccountsPage(db, org, { limit: "200" }), pageRows);

  const detailIds = (await db.account.findMany({ where: { organizationId: org }, orderBy: { healthScore: "asc" }, take: 3, select: { id: true } })).map((a) => a.id);
  let di = 0;
  await t("account detail", () => getAccountDetail(db, org, detailIds[di++ % detailIds.length]), (d) => d.history.length);

  const csvRuns = 3;
  const csv: Record<string, { p50Ms: number; maxMs: number; bytes: number; lines: number; peakRssGrowthMb: number }> = {};
  for (const [label, raw] of [["csv level=critical", { risk_level: "critical" }], ["csv all rows", {}]] as const) {
    const ms: number[] = [];
    let last = { bytes: 0, lines: 0, peakRssGrowthMb: 0 };
    for (let i = 0; i < csvRuns; i++) {
      const t0 = performance.now();
      const res = await drainCsv(await accountScoresCsv(db, org, q({ ...raw, format: "csv" })));
      ms.push(performance.now() - t0);
      last = { ...res, peakRssGrowthMb: Math.max(last.peakRssGrowthMb, res.peakRssGrowthMb) };
    }
    ms.sort((a, b) => a - b);
    csv[label] = { p50Ms: round1(ms[1]), maxMs: round1(ms[2]), ...last };
    console.log(`  ${label.padEnd(46)} p50 ${String(round1(ms[1])).padStart(8)} ms   max ${String(round1(ms[2])).padStart(8)} ms   (${last.lines - 1} rows, ${(last.bytes / 1048576).toFixed(1)} MB, RSS +${last.peakRssGrowthMb} MB)`);
  }

  const load = process.argv.includes("--load") ? await loadScoresLatest(url, org) : undefined;

  const worst = timings.reduce((a, b) => (b.p50Ms > a.p50Ms ? b : a));
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(`\npeak RSS ${peakRssMb} MB · slowest interactive p50 ${worst.p50Ms} ms (${worst.name}) · target < 300 ms p50, CSV of all rows < 5 s`);
  console.log(JSON.stringify({
    provider: pgMode ? "postgresql" : "sqlite",
    accounts: n,
    days,
    scoreRows: n * days,
    runs,
    slowestP50Ms: worst.p50Ms,
    slowestQuery: worst.name,
    dashboardP50Ms: timings[0].p50Ms,
    csvAllMs: csv["csv all rows"].p50Ms,
    csvAllPeakRssGrowthMb: csv["csv all rows"].peakRssGrowthMb,
    peakRssMb,
    loadAverage1m: +os.loadavg()[0].toFixed(1),
    timings: Object.fromEntries(timings.map((x) => [x.name, { p50Ms: x.p50Ms, maxMs: x.maxMs }])),
    csv,
    ...(load ? { load } : {}),
  }, null, 2));
  if (pgMode && !keep) await db.organization.delete({ where: { id: org } });
  await db.$disconnect();
  if (file && !keep && !reuse) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
