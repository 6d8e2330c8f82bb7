/**
 * GET /api/accounts/{id} and the account page: the account with its latest score (factors, penalties,
 * drivers, missing factors, config/model versions), score history (≤ 400 days), "why it changed" since
 * yesterday and last week, latest signals and MRR history, contacts, deals, subscriptions (+items), invoices,
 * charges, engagements, tickets, source links (match rule, confidence, vendor URLs) and data freshness.
 * @throws AppError not_found when the account is not in the organization.
 */
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { explainChange } from "@/lib/scoring/explain-change";

const DAY = 86_400_000;

function vendorUrl(provider: string, objectType: string, externalId: string, portalId: string, mode: string): string | null {
  if (provider === "hubspot" && objectType === "company") return `https://app.hubspot.com/contacts/${portalId}/company/${externalId}`;
  if (provider === "stripe" && objectType === "customer") return `https://dashboard.stripe.com/${mode === "test" ? "test/" : ""}customers/${externalId}`;
  return null;
}

export async function getAccountDetail(db: Db, organizationId: string, accountId: string, opts: { historyDays?: number } = {}) {
  const account = await db.account.findFirst({ where: { id: accountId, organizationId }, include: { owner: true } });
  if (!account) throw new AppError("not_found", `account ${accountId} not found; list accounts with GET /api/accounts`);
  const historyDays = opts.historyDays ?? 400;
  const [scores, signals, sources, contacts, deals, subscriptions, invoices, charges, engagements, tickets] = await Promise.all([
    db.churnScoreDaily.findMany({ where: { accountId }, orderBy: { day: "asc" }, take: -historyDays }),
    db.accountSignalDaily.findMany({ where: { accountId }, orderBy: { day: "asc" }, take: -historyDays, select: { day: true, mrrCents: true, mrrCurrency: true, seats: true, failedPayments30d: true, calls30d: true, meetings30d: true, notes30d: true, openTickets: true, daysUntilRenewal: true, lifecycleState: true, cancelingMrrShare: true, newCustomer: true } }),
    db.sourceRecord.findMany({ where: { accountId }, include: { connection: { select: { provider: true, displayName: true, externalAccountId: true, mode: true, lastSyncAt: true, status: true } } } }),
    db.contact.findMany({ where: { accountId, archivedAt: null }, orderBy: [{ lastActivityAt: { sort: "desc", nulls: "last" } }], take: 100 }),
    db.deal.findMany({ where: { accountId, archivedAt: null }, orderBy: [{ closeDate: { sort: "desc", nulls: "last" } }], take: 50 }),
    db.subscription.findMany({ where: { accountId }, include: { items: true }, orderBy: [{ startDate: { sort: "desc", nulls: "last" } }], take: 50 }),
    db.invoice.findMany({ where: { accountId }, orderBy: { sourceCreatedAt: "desc" }, take: 36 }),
    db.charge.findMany({ where: { accountId }, orderBy: { sourceCreatedAt: "desc" }, take: 50 }),
    db.engagement.findMany({ where: { accountId, archivedAt: null }, orderBy: { occurredAt: "desc" }, take: 50 }),
    db.ticket.findMany({ where: { accountId, archivedAt: null }, orderBy: { openedAt: "desc" }, take: 50 }),
  ]);
  const latest = scores.at(-1) ?? null;
  const byDay = new Map(scores.map((s) => [s.day.getTime(), s]));
  const why = (daysBack: number) => {
    if (!latest) return null;
    const before = byDay.get(latest.day.getTime() - daysBack * DAY);
    if (!before) return null;
    try {
      return explainChange(before, latest);
    } catch {
      return null;
    }
  };
  const configChanges = scores
    .filter((s, i) => i > 0 && s.scoringConfigVersion !== scores[i - 1].scoringConfigVersion)
    .map((s) => ({ day: s.day, scoringConfigVersion: s.scoringConfigVersion }));
  const freshness = new Map<string, { provider: string; lastSyncAt: Date | null; status: string }>();
  for (const s of sources) freshness.set(s.connectionId, { provider: s.connection.provider, lastSyncAt: s.connection.lastSyncAt, status: s.connection.status });

  return {
    account: {
      id: account.id, name: account.name, domain: account.domain, industry: account.industry, country: account.country,
      employeeCount: account.employeeCount, annualRevenue: account.annualRevenue, lifecycleStage: account.lifecycleStage,
      customerSince: account.customerSince, renewalDate: account.renewalDate, mrrCents: account.mrrCents, mrrCurrency: account.mrrCurrency,
      arrCents: account.mrrCents === null ? null : account.mrrCents * 12, mrrByCurrency: account.mrrByCurrency,
      owner: account.owner ? { id: account.owner.id, name: [account.owner.firstName, account.owner.lastName].filter(Boolean).join(" "), email: account.owner.email } : null,
      customFields: account.customFields, archivedAt: account.archivedAt,
      lifecycleState: account.lifecycleState, churnedAt: account.churnedAt,
    },
    score: latest && {
      day: latest.day, healthScore: latest.healthScore, riskLevel: latest.riskLevel, trend: latest.trend,
      churnProbability: latest.churnProbability, probabilitySource: latest.probabilitySource,
      factors: latest.factors, penalties: latest.penalties, missingFactors: latest.missingFactors, drivers: latest.drivers,
      scoringConfigVersion: latest.scoringConfigVersion, churnModelVersion: latest.churnModelVersion,
    },
    whyChanged: { sinceYesterday: why(1), sinceLastWeek: why(7) },
    history: scores.map((s) => ({ day: s.day, healthScore: s.healthScore, riskLevel: s.riskLevel, churnProbability: s.churnProbability, scoringConfigVersion: s.scoringConfigVersion })),
    configChanges,
    signalHistory: signals,
    sources: sources.map((s) => ({
      id: s.id, provider: s.connection.provider, connection: s.connection.displayName, objectType: s.objectType, externalId: s.externalId,
      name: s.name, domain: s.domain, email: s.email, matchRule: s.matchRule, matchConfidence: s.matchConfidence, isManual: s.isManual, matchedAt: s.matchedAt,
      url: vendorUrl(s.connection.provider, s.objectType, s.externalId, s.connection.externalAccountId, s.connection.mode),
    })),
    contacts: contacts.map((c) => ({ id: c.id, name: [c.firstName, c.lastName].filter(Boolean).join(" "), email: c.email, jobTitle: c.jobTitle, phone: c.phone, lastActivityAt: c.lastActivityAt })),
    deals: deals.map((d) => ({ id: d.id, name: d.name, amountCents: d.amountCents, currency: d.currency, dealStage: d.dealStage, renewalStage: d.renewalStage, pipeline: d.pipeline, closeDate: d.closeDate, isClosed: d.isClosed, isWon: d.isWon })),
    subscriptions: subscriptions.map((s) => ({
      id: s.id, externalId: s.externalId, status: s.status, currency: s.currency, mrrCents: s.mrrCents, cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      canceledAt: s.canceledAt, startDate: s.startDate, currentPeriodEnd: s.currentPeriodEnd, trialEnd: s.trialEnd, collectionMethod: s.collectionMethod,
      items: s.items.map((i) => ({ productName: i.productName, unitAmountCents: i.unitAmountCents, quantity: i.quantity, interval: i.interval, intervalCount: i.intervalCount, usageType: i.usageType })),
    })),
    invoices: invoices.map((i) => ({ id: i.id, externalId: i.externalId, status: i.status, currency: i.currency, amountDueCents: i.amountDueCents, amountPaidCents: i.amountPaidCents, dueDate: i.dueDate, paidAt: i.paidAt, attemptCount: i.attemptCount, createdAt: i.sourceCreatedAt, pastDue: i.status === "open" && !!i.dueDate && i.dueDate < new Date() })),
    charges: charges.map((c) => ({ id: c.id, externalId: c.externalId, status: c.status, amountCents: c.amountCents, currency: c.currency, failureCode: c.failureCode, failureMessage: c.failureMessage, paymentMethodType: c.paymentMethodType, createdAt: c.sourceCreatedAt })),
    engagements: engagements.map((e) => ({ id: e.id, type: e.type, occurredAt: e.occurredAt, title: e.title, outcome: e.outcome })),
    tickets: tickets.map((t) => ({ id: t.id, subject: t.subject, priority: t.priority, status: t.status, isOpen: t.isOpen, openedAt: t.openedAt, closedAt: t.closedAt })),
    freshness: [...freshness.values()],
  };
}
export type AccountDetail = Awaited<ReturnType<typeof getAccountDetail>>;
