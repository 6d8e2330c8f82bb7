/**
 * Performance figure for identity resolution (not a test): N HubSpot companies + N Stripe
 * customers (+ 2N contacts, N subscriptions) on a fresh SQLite (or PostgreSQL) database.
 *
 *   npx tsx tests/accounts/bench-identity.ts [--n 20000]
 *   BENCH_DATABASE_URL=postgresql://… npx tsx tests/accounts/bench-identity.ts   (empty, migrated DB)
 *
 * Creates and migrates its own SQLite file (or uses BENCH_DATABASE_URL). Prints first-run and second-run
 * (idempotent) timings and the link counts.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createPrisma } from "@/lib/db/prisma";
import { resolveIdentities } from "@/lib/accounts/resolve-identities";

const n = Number(process.argv[process.argv.indexOf("--n") + 1]) || 20_000;
const file = `data/bench-identity-${process.pid}.db`;
let url = process.env.BENCH_DATABASE_URL;
if (!url) {
  mkdirSync("data", { recursive: true });
  url = `file:./${file}`;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
}
const db = createPrisma(url);

async function main() {
  const org = await db.organization.create({ data: { name: "bench", slug: `bench-${Date.now()}` } });
  const hs = await db.connection.create({ data: { organizationId: org.id, provider: "hubspot", externalAccountId: "p1", displayName: "HubSpot" } });
  const st = await db.connection.create({ data: { organizationId: org.id, provider: "stripe", externalAccountId: "a1", displayName: "Stripe" } });
  const t0 = Date.now();
  const companies = Array.from({ length: n }, (_, i) => ({
    organizationId: org.id, connectionId: hs.id, objectType: "company", externalId: String(1000 + i),
    // every 20th pair of companies shares a domain (ambiguous for its customers)
    name: `Company ${i} Inc.`, domain: i % 20 === 1 ? `company${i - 1}.com` : `company${i}.com`,
    properties: { industry: "SOFTWARE", numberofemployees: String(10 + (i % 500)), createdate: "2023-01-01T00:00:00Z" },
  }));
  const customers = Array.from({ length: n }, (_, i) => {
    const kind = i % 10; // 0-4 domain, 5 metadata, 6 name-only, 7-9 standalone
    return {
      organizationId: org.id, connectionId: st.id, objectType: "customer", externalId: `cus_${i}`,
      name: kind === 6 ? `company ${i} llc` : `Billing ${i}`,
      email: kind <= 4 ? `ap@company${i}.com` : kind === 5 ? `ap${i}@gmail.com` : kind === 6 ? `x${i}@yahoo.com` : `ap@standalone${i}.io`,
      properties: { metadata: kind === 5 ? { hubspot_company_id: String(1000 + i) } : {}, currency: "usd", created: 1_700_000_000 },
    };
  });
  for (let i = 0; i < n; i += 1000) {
    await db.sourceRecord.createMany({ data: companies.slice(i, i + 1000) });
    await db.sourceRecord.createMany({ data: customers.slice(i, i + 1000) });
    await db.contact.createMany({
      data: Array.from({ length: Math.min(1000, n - i) * 2 }, (_, k) => ({
        organizationId: org.id, connectionId: hs.id, externalId: `c${i * 2 + k}`, companyExternalId: String(1000 + i + (k >> 1)),
      })),
    });
    await db.subscription.createMany({
      data: Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
        organizationId: org.id, connectionId: st.id, externalId: `sub_${i + k}`, customerExternalId: `cus_${i + k}`, status: "active", currency: "usd",
      })),
    });
  }
  console.log(`seeded ${n} companies + ${n} customers + ${2 * n} contacts + ${n} subscriptions in ${Date.now() - t0} ms`);

  const mem0 = process.memoryUsage().rss;
  const first = await resolveIdentities(db, { organizationId: org.id });
  console.log("first run", JSON.stringify(first), `rss +${Math.round((process.memoryUsage().rss - mem0) / 1e6)} MB`);
  const second = await resolveIdentities(db, { organizationId: org.id });
  console.log("second run (no changes)", JSON.stringify(second));
  await db.sourceRecord.updateMany({ where: { organizationId: org.id, objectType: "company" }, data: { properties: { industry: "FINTECH" } } });
  const third = await resolveIdentities(db, { organizationId: org.id, connectionId: hs.id });
  console.log("third run (every company changed)", JSON.stringify(third));
}

main()
  .finally(async () => {
    await db.$disconnect();
    if (!process.env.BENCH_DATABASE_URL) rmSync(file, { force: true });
  })
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
