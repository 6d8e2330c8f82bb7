/**
 * Backfill benchmark on a RavenStack-sized portfolio (not a vitest file: run it by hand).
 *
 *   npx tsx tests/signals/bench-backfill.ts [--days 365] [--db file:/tmp/bench.db | postgresql://…] [--batch 100] [--seed-only | --reuse]
 *
 * `--seed-only` then `--reuse` (same --db) measures the backfill in a process that never held the
 * seed data, so its peak RSS is the backfill's own.
 *
 * Loads ../shared/data/ravenstack (500 accounts, 5,000 subscriptions, 2,000 tickets, 25,000 usage
 * rows) into a fresh database as a Stripe + HubSpot portfolio: each subscription becomes a Stripe
 * subscription with monthly invoices and charges (≈ 5 % failed), each account gets contacts
 * (its seat count, ≤ 25), each usage row a HubSpot engagement, each support ticket a ticket.
 * Then runs backfillSignals for the 365 days ending on the data set's last day and prints the
 * phases, rows/s and peak RSS. SQLite by default (a temporary file copied from the test template).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { createPrisma, isPostgresUrl, type Db } from "@/lib/db/prisma";
import type { Prisma } from "@/lib/generated/sqlite/client";
import { backfillSignals } from "@/lib/signals/backfill-signals";

const RAVEN = "/work/shared/data/ravenstack";
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

type Row = Record<string, string>;
const csv = (file: string): Row[] => parse(readFileSync(`${RAVEN}/${file}`), { columns: true, skip_empty_lines: true }) as Row[];
const DAY = 86_400_000;

async function main(): Promise<void> {
  const days = Number(arg("days") ?? 365);
  let url = arg("db");
  let tmp: string | null = null;
  if (!url) {
    mkdirSync("data/bench", { recursive: true });
    tmp = `data/bench/signals-${process.pid}.db`;
    url = `file:./${tmp}`;
    execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url }, stdio: "pipe" });
  }
  const db = createPrisma(url);
  try {
    const existing = process.argv.includes("--reuse")
      ? await db.organization.findFirst({ where: { slug: { startsWith: "ravenstack-" } }, orderBy: { createdAt: "desc" } })
      : null;
    const { organizationId, asOf } = existing
      ? { organizationId: existing.id, asOf: (await db.connection.findFirstOrThrow({ where: { organizationId: existing.id } })).createdAt }
      : await seed(db);
    if (process.argv.includes("--seed-only")) return;
    await runBackfill(db, url, organizationId, asOf, days);
  } finally {
    await db.$disconnect();
    if (tmp) rmSync(tmp, { force: true });
  }
}

async function seed(db: Db): Promise<{ organizationId: string; asOf: Date }> {
  const t0 = Date.now();
  const accounts = csv("ravenstack_accounts.csv");
  const subs = csv("ravenstack_subscriptions.csv");
  const tickets = csv("ravenstack_support_tickets.csv");
  const usage = csv("ravenstack_feature_usage.csv");
  const org = await db.organization.create({ data: { name: "RavenStack", slug: `ravenstack-${Date.now()}` } });
  const organizationId = org.id;
  let last = 0;
  for (const s of subs) last = Math.max(last, Date.parse(`${s.start_date}T00:00:00Z`), s.end_date ? Date.parse(`${s.end_date}T00:00:00Z`) : 0);
  for (const t of tickets) last = Math.max(last, Date.parse(`${t.submitted_at.slice(0, 10)}T00:00:00Z`));
  const asOf = new Date(Math.floor(last / DAY) * DAY);
  const hs = await db.connection.create({ data: { organizationId, provider: "hubspot", externalAccountId: "raven", displayName: "HubSpot", lastSyncAt: asOf, createdAt: asOf } });
  const st = await db.connection.create({ data: { organizationId, provider: "stripe", externalAccountId: "acct_raven", displayName: "Stripe", lastSyncAt: asOf, createdAt: asOf } });

  const accountId = new Map<string, string>();
  await db.account.createMany({
    data: accounts.map((a) => ({ id: `acc_${a.account_id}`, organizationId, name: a.account_name, customerSince: new Date(`${a.signup_date}T00:00:00Z`) })),
  });
  for (const a of accounts) accountId.set(a.account_id, `acc_${a.account_id}`);
  await db.sourceRecord.createMany({
    data: accounts.flatMap((a) => [
      { organizationId, connectionId: hs.id, objectType: "company", externalId: `co_${a.account_id}`, accountId: `acc_${a.account_id}` },
      { organizationId, connectionId: st.id, objectType: "customer", externalId: `cus_${a.account_id}`, accountId: `acc_${a.account_id}`, properties: { currency: "usd" } },
    ]),
  });
  const contacts = accounts.flatMap((a) =>
    Array.from({ length: Math.min(25, Number(a.seats) || 1) }, (_, i) => ({
      organizationId, connectionId: hs.id, externalId: `k_${a.account_id}_${i}`, accountId: `acc_${a.account_id}`,
      sourceCreatedAt: new Date(Date.parse(`${a.signup_date}T00:00:00Z`) + i * 7 * DAY),
      lastActivityAt: new Date(asOf.getTime() - ((i * 13) % 60) * DAY),
    })),
  );
  for (let i = 0; i < contacts.length; i += 2000) await db.contact.createMany({ data: contacts.slice(i, i + 2000) });

  const invoices: Prisma.InvoiceCreateManyInput[] = [];
  const charges: Prisma.ChargeCreateManyInput[] = [];
  const subRows: Prisma.SubscriptionCreateManyInput[] = [];
  const itemRows: Prisma.SubscriptionItemCreateManyInput[] = [];
  let n = 0;
  for (const s of subs) {
    const acc = accountId.get(s.account_id);
    if (!acc) continue;
    const start = Date.parse(`${s.start_date}T00:00:00Z`);
    const end = s.end_date ? Date.parse(`${s.end_date}T00:00:00Z`) : null;
    const annual = s.billing_frequency === "annual";
    const mrr = Math.round(Number(s.mrr_amount) * 100);
    const monthsPer = annual ? 12 : 1;
    const trial = s.is_trial === "True";
    subRows.push({
        id: `sub_${s.subscription_id}`, organizationId, connectionId: st.id, externalId: s.subscription_id, customerExternalId: `cus_${s.account_id}`, accountId: acc,
        status: end !== null && end <= asOf.getTime() ? "canceled" : trial ? "trialing" : "active", currency: "usd",
        startDate: new Date(start), endedAt: end !== null && end <= asOf.getTime() ? new Date(end) : null,
        canceledAt: end !== null ? new Date(end - (s.auto_renew_flag === "True" ? 0 : 20 * DAY)) : null,
        cancelAtPeriodEnd: end !== null && end > asOf.getTime(), trialEnd: trial ? new Date(start + 14 * DAY) : null,
        currentPeriodEnd: new Date(start + monthsPer * 30 * DAY), collectionMethod: annual ? "send_invoice" : "charge_automatically",
    });
    itemRows.push({
      subscriptionId: `sub_${s.subscription_id}`, externalId: `si_${s.subscription_id}`, productId: `prod_${s.plan_tier}`, productName: s.plan_tier,
      quantity: Math.max(1, Number(s.seats) || 1), unitAmountCents: Math.round((mrr * monthsPer) / Math.max(1, Number(s.seats) || 1)),
      currency: "usd", interval: annual ? "year" : "month",
    });
    if (trial) continue;
    for (let t = start; t <= (end ?? asOf.getTime()) && t <= asOf.getTime(); t += monthsPer * 30 * DAY) {
      const id = `in_${n++}`;
      const failed = n % 20 === 0;
      invoices.push({
        organizationId, connectionId: st.id, externalId: id, customerExternalId: `cus_${s.account_id}`, subscriptionExternalId: s.subscription_id,
        accountId: acc, status: failed ? "open" : "paid", currency: "usd", amountDueCents: mrr * monthsPer, amountPaidCents: failed ? 0 : mrr * monthsPer,
        amountRemainingCents: failed ? mrr * monthsPer : 0, attemptCount: failed ? 3 : 1, sourceCreatedAt: new Date(t),
        paidAt: failed ? null : new Date(t + 3_600_000), collectionMethod: annual ? "send_invoice" : "charge_automatically",
        dueDate: annual ? new Date(t + 30 * DAY) : null,
      });
      charges.push({
        organizationId, connectionId: st.id, externalId: `ch_${id}`, customerExternalId: `cus_${s.account_id}`, accountId: acc, invoiceExternalId: id,
        status: failed ? "failed" : "succeeded", amountCents: mrr * monthsPer, currency: "usd", paymentMethodType: n % 3 ? "card" : "sepa_debit",
        sourceCreatedAt: new Date(t + 3_600_000),
      });
    }
  }
  for (let i = 0; i < subRows.length; i += 1000) await db.subscription.createMany({ data: subRows.slice(i, i + 1000) });
  for (let i = 0; i < itemRows.length; i += 1000) await db.subscriptionItem.createMany({ data: itemRows.slice(i, i + 1000) });
  for (let i = 0; i < invoices.length; i += 1000) await db.invoice.createMany({ data: invoices.slice(i, i + 1000) });
  for (let i = 0; i < charges.length; i += 1000) await db.charge.createMany({ data: charges.slice(i, i + 1000) });

  const subAccount = new Map(subs.map((s) => [s.subscription_id, s.account_id]));
  const types = ["call", "meeting", "note", "email"];
  const engagements = usage.flatMap((u, i) => {
    const acc = accountId.get(subAccount.get(u.subscription_id) ?? "");
    return acc
      ? [{ organizationId, connectionId: hs.id, type: types[i % 4]!, externalId: `e_${i}`, accountId: acc, occurredAt: new Date(`${u.usage_date}T10:00:00Z`) }]
      : [];
  });
  for (let i = 0; i < engagements.length; i += 2000) await db.engagement.createMany({ data: engagements.slice(i, i + 2000) });
  await db.ticket.createMany({
    data: tickets.flatMap((t) => {
      const acc = accountId.get(t.account_id);
      return acc
        ? [{
            organizationId, connectionId: hs.id, externalId: t.ticket_id, accountId: acc, priority: t.priority, isOpen: !t.closed_at,
            openedAt: new Date(`${t.submitted_at.slice(0, 10)}T08:00:00Z`), closedAt: t.closed_at ? new Date(`${t.closed_at.replace(" ", "T")}Z`) : null,
          }]
        : [];
    }),
  });
  const seeded = Date.now() - t0;
  console.log(
    `seeded ${accounts.length} accounts, ${subs.length} subscriptions, ${invoices.length} invoices, ${charges.length} charges, ` +
      `${contacts.length} contacts, ${engagements.length} engagements, ${tickets.length} tickets in ${(seeded / 1000).toFixed(1)} s; asOf ${asOf.toISOString().slice(0, 10)}`,
  );

  return { organizationId, asOf };
}

async function runBackfill(db: Db, url: string, organizationId: string, asOf: Date, days: number): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  const batchSize = arg("batch") ? Number(arg("batch")) : undefined;
  const res = await backfillSignals(db, {
    organizationId, asOf, days, batchSize,
    onProgress: (p) => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (process.stdout.isTTY) process.stdout.write(`\r${p.accountsDone}/${p.accountsTotal} accounts, ${p.rowsWritten} rows, ${(p.elapsedMs / 1000).toFixed(1)} s`);
    },
  });
  if (process.stdout.isTTY) process.stdout.write("\n");
  const rows = await db.accountSignalDaily.count({ where: { organizationId } });
  console.log(
    `${isPostgresUrl(url) ? "postgresql" : "sqlite"}: backfill ${res.accounts} accounts, ${res.days} days → ${res.rows} rows (none before an account's start; ${rows} stored) ` +
      `in ${(res.durationMs / 1000).toFixed(2)} s → ${Math.round(res.rows / (res.durationMs / 1000))} rows/s; peak RSS ${Math.round(peakRss / 1e6)} MB`,
  );
  const again = await backfillSignals(db, { organizationId, asOf, days });
  console.log(`re-run (replace): ${(again.durationMs / 1000).toFixed(2)} s, rows stored ${await db.accountSignalDaily.count({ where: { organizationId } })}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
