/**
 * HubSpot full-sync benchmark: starts the sandbox in-process (synthetic portfolio, REAL rate limits:
 * 100 requests / 10 s, search 5/s), connects with the private-app token, runs one full sync into a
 * fresh SQLite database (data/bench/hubspot.db, copied from data/test-template.db), and prints
 * requests made, the lower bound (minimum requests ÷ rate), wall time, their ratio, peak RSS (and the RSS the
 * sandbox already held before the sync), per-stream ms / writeMs, and the load average at the end (the machine
 * may be shared: figures under load are not comparable).
 *
 *   npm run bench:hubspot -- --companies 5000 --contacts 50000 --deals 10000 [--engagements N] [--tickets N] [--limit 100] [--resync]
 *
 * --resync: then a second full sync over the same data (every row already stored: the update path; companies
 * are all `unchanged`), printed as `resync` {wallS, ratio, objects}.
 *
 * Minimum requests (what the data needs with the endpoints we must use): per object type
 * ⌈N/100⌉ list pages + ⌈N/1000⌉ v4 association reads + 1 archived page; owners 2; search (its own
 * 5/s budget): 1 probe per type + ⌈N/200⌉ pages for 90-day engagements (calls and meetings: one more v4
 * association read per ⌈N/1000⌉ for their contacts, issue 17). Lower bound =
 * general ÷ (limit/10 s) + search ÷ 5/s.
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startSandbox } from "@/sandbox";
import { buildSyntheticPortfolio } from "@/sandbox/portfolio";
import { createPrisma } from "@/lib/db/prisma";
import { resetEnvCache } from "@/lib/env";
import { logger } from "@/lib/logger";
import { configureHubspot } from "@/lib/connectors/hubspot/connect";
import { runHubspotSync, FIRST_SYNC_ENGAGEMENT_WINDOW_MS } from "@/lib/connectors/hubspot/sync";

const { values } = parseArgs({
  options: {
    companies: { type: "string", default: "5000" }, contacts: { type: "string", default: "50000" }, deals: { type: "string", default: "10000" },
    engagements: { type: "string" }, tickets: { type: "string" }, limit: { type: "string", default: "100" },
    resync: { type: "boolean", default: false },
  },
});
const n = (v: string | undefined) => (v === undefined ? undefined : Number(v));

async function main() {
  process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 9).toString("base64");
  process.env.LOG_LEVEL ??= "warn";
  const opts = { companies: n(values.companies)!, contacts: n(values.contacts)!, deals: n(values.deals)!, engagements: n(values.engagements), tickets: n(values.tickets), customers: 10 };
  const portfolio = buildSyntheticPortfolio(opts);
  const limit = Number(values.limit);
  const sb = await startSandbox({ portfolio, ports: { hubspot: 0, stripe: 0 }, limits: { hubspot: { tenSecondly: limit } } });
  process.env.HUBSPOT_API_BASE_URL = sb.hubspotUrl;
  resetEnvCache();
  mkdirSync("data/bench", { recursive: true });
  const file = "data/bench/hubspot.db";
  rmSync(file, { force: true });
  copyFileSync("data/test-template.db", file);
  const db = createPrisma(`file:./${file}`);
  let peakRss = process.memoryUsage().rss;
  let peakHeap = 0;
  let peakExternal = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapTotal);
    peakExternal = Math.max(peakExternal, m.external + m.arrayBuffers);
  }, 200);
  try {
    const org = await db.organization.create({ data: { name: "Bench", slug: `bench-${Date.now()}` } });
    const conn = await configureHubspot(db, { organizationId: org.id, body: { token: sb.info.hubspot.privateAppToken } });
    sb.control.resetLimits("hubspot");
    // What the in-process sandbox (portfolio + server) already holds, so peak RSS can be read as sandbox + sync.
    const rssBeforeSync = process.memoryUsage().rss;
    const started = performance.now();
    const summary = await runHubspotSync(db, { connectionId: conn.connectionId, full: true, trigger: "cli" }, {
      jobId: "bench", db, log: logger, signal: new AbortController().signal, progress: async () => undefined,
    });
    const wallS = (performance.now() - started) / 1000;

    const h = portfolio.hubspot;
    const count = (x: Iterable<unknown>) => [...x].length;
    const listMin = (k: number, assoc: boolean) => Math.max(1, Math.ceil(k / 100)) + (assoc ? Math.ceil(k / 1000) : 0) + 1;
    const newest = (recs: { properties: Record<string, string | null> }[]) => Math.max(0, ...recs.map((r) => Date.parse(r.properties.hs_lastmodifieddate ?? "") || 0));
    let general = 2 + listMin(count(h.companies), false) + listMin(count(h.contacts), true) + listMin(count(h.deals), true) + listMin(count(h.tickets), true);
    let search = 7;
    for (const k of ["calls", "meetings", "notes"] as const) {
      const recs = [...h[k]];
      const cutoff = Math.min(Date.now(), newest(recs)) - FIRST_SYNC_ENGAGEMENT_WINDOW_MS; // a first sync
      const inWindow = recs.filter((r) => Date.parse(r.properties.hs_timestamp ?? "") >= cutoff).length;
      search += Math.max(1, Math.ceil(inWindow / 200));
      // Company associations per ≤ 1,000 records; calls and meetings also read their contacts (issue 17).
      general += Math.ceil(inWindow / 1000) * (k === "notes" ? 1 : 2);
    }
    const rate = limit / 10;
    const lowerBoundS = general / rate + search / 5;
    const searchMade = Object.entries(summary.requestsByOp).filter(([k]) => k.startsWith("search:")).reduce((a, [, v]) => a + v, 0);
    const out = {
      portfolio: { companies: count(h.companies), contacts: count(h.contacts), deals: count(h.deals), calls: count(h.calls), meetings: count(h.meetings), notes: count(h.notes), tickets: count(h.tickets) },
      rateLimit: `${limit} requests / 10 s (search 5/s)`,
      requestsMade: summary.requestCount, searchRequestsMade: searchMade, retries: summary.retries,
      minimumRequests: { general, search, total: general + search },
      lowerBoundS: Number(lowerBoundS.toFixed(1)), wallS: Number(wallS.toFixed(1)), ratio: Number((wallS / lowerBoundS).toFixed(3)),
      requestRatio: Number((summary.requestCount / (general + search)).toFixed(3)),
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      rssBeforeSyncMb: Math.round(rssBeforeSync / 1024 / 1024),
      // V8 heap (total) and Buffers at their peaks: what of the RSS is JavaScript objects vs native memory.
      peakHeapTotalMb: Math.round(peakHeap / 1024 / 1024), peakExternalMb: Math.round(peakExternal / 1024 / 1024),
      loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
      sandbox429s: sb.control.stats().hubspot["http.429"] ?? 0,
      objects: Object.fromEntries(Object.entries(summary.objects).map(([k, v]) => [k, { processed: v.processed, requests: v.requests, status: v.status, ms: v.ms, writeMs: v.writeMs }])),
    };
    if (values.resync) {
      sb.control.resetLimits("hubspot");
      const t1 = performance.now();
      const again = await runHubspotSync(db, { connectionId: conn.connectionId, full: true, trigger: "cli" }, {
        jobId: "bench-resync", db, log: logger, signal: new AbortController().signal, progress: async () => undefined,
      });
      const resyncS = (performance.now() - t1) / 1000;
      Object.assign(out, {
        resync: {
          wallS: Number(resyncS.toFixed(1)), ratio: Number((resyncS / lowerBoundS).toFixed(3)), requestsMade: again.requestCount,
          peakRssMb: Math.round(peakRss / 1024 / 1024),
          objects: Object.fromEntries(Object.entries(again.objects).map(([k, v]) => [k, { processed: v.processed, unchanged: v.unchanged, ms: v.ms, writeMs: v.writeMs }])),
        },
        loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
      });
    }
    console.log(JSON.stringify(out, null, 2));
  } finally {
    clearInterval(timer);
    await db.$disconnect();
    await sb.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
