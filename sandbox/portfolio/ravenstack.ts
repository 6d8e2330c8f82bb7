/**
 * The RavenStack portfolio: the public synthetic SaaS data set in ../shared/data/ravenstack/
 * (credit "River @ Rivalytics") mapped to HubSpot and Stripe records. The data is read in place,
 * verified against its SHA256SUMS, never copied into the repository. Every rule below is
 * deterministic (keyed hashes, no Math.random / Date.now): same files + same anchor → the same
 * portfolio, byte for byte. The full mapping, the identity-resolution design and its counts, the
 * failure rule and the churn definition are documented in docs/sandbox.md ("RavenStack mapping").
 *
 * Dates: every date of the data set is shifted by a whole number of days so that its last date
 * (2024-12-31) becomes `anchor`; the sandbox clock starts at `anchor` 12:00 UTC, and nothing that
 * is created, started, canceled, invoiced or charged lies after that moment.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import type { StripeCharge, StripeCustomer, StripeEvent, StripeInvoice, StripePaymentMethod, StripePrice, StripeProduct, StripeSubscription } from "../stripe/portfolio";
import type { GroundTruth, GroundTruthAccount, HubspotObject, HubspotOwner, IdentityCategory, Portfolio } from "./schema";
import {
  makeAccount,
  makeCharge,
  makeCustomer,
  makeInvoice,
  makePaymentMethod,
  makePrice,
  makeProduct,
  makeSubscription,
  type CancellationDetails,
  type PaymentMethodKind,
} from "./stripe-shapes";
import {
  DAY_MS,
  DECISION_MAKER_TITLES,
  FIRST_NAMES,
  FREE_MAIL,
  HOUR_MS,
  LAST_NAMES,
  OTHER_TITLES,
  StripeIds,
  addMonths,
  anchorMs,
  emailLocal,
  hash01,
  hashInt,
  iso,
  parseUtc,
  pick,
  sec,
} from "./util";

/** The five CSV files of the data set, all listed in its SHA256SUMS. */
export const RAVENSTACK_FILES = [
  "ravenstack_accounts.csv",
  "ravenstack_subscriptions.csv",
  "ravenstack_feature_usage.csv",
  "ravenstack_support_tickets.csv",
  "ravenstack_churn_events.csv",
] as const;

/** The data set is missing, incomplete or altered. */
export class RavenstackDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RavenstackDataError";
  }
}

/**
 * Where the data set lives: `dataDir` if given, else `$RAVENSTACK_DIR`, else
 * `<cwd>/../shared/data/ravenstack` (the repository's sibling folder).
 */
export function resolveRavenstackDir(dataDir?: string): string {
  return path.resolve(dataDir ?? process.env.RAVENSTACK_DIR ?? path.resolve(process.cwd(), "../shared/data/ravenstack"));
}

/**
 * Reads the five CSV files and checks each against `SHA256SUMS` in the same folder.
 * @returns file name → contents.
 * @throws RavenstackDataError when SHA256SUMS or a file is missing or a checksum differs.
 */
export function readVerifiedRavenstack(dir: string): Record<(typeof RAVENSTACK_FILES)[number], Buffer> {
  const sumsPath = path.join(dir, "SHA256SUMS");
  if (!fs.existsSync(sumsPath)) {
    throw new RavenstackDataError(`RavenStack data not found: ${sumsPath} is missing. Point RAVENSTACK_DIR (or dataDir) at the folder holding the CSV files and SHA256SUMS.`);
  }
  const expected = new Map<string, string>();
  for (const line of fs.readFileSync(sumsPath, "utf8").split("\n")) {
    const m = /^([0-9a-f]{64})\s+\*?(.+?)\s*$/.exec(line.trim());
    if (m) expected.set(m[2], m[1]);
  }
  const out = {} as Record<(typeof RAVENSTACK_FILES)[number], Buffer>;
  for (const f of RAVENSTACK_FILES) {
    const want = expected.get(f);
    if (!want) throw new RavenstackDataError(`RavenStack SHA256SUMS in ${dir} does not list ${f}; refusing to use unverified data.`);
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) throw new RavenstackDataError(`RavenStack data incomplete: ${p} is missing.`);
    const buf = fs.readFileSync(p);
    const got = createHash("sha256").update(buf).digest("hex");
    if (got !== want) {
      throw new RavenstackDataError(
        `RavenStack data failed its SHA256 check: ${p} has sha256 ${got}, SHA256SUMS expects ${want}. ` +
          `The portfolio is pinned to that exact copy (see PROVENANCE.md); restore the original file.`,
      );
    }
    out[f] = buf;
  }
  return out;
}

type AccountRow = { account_id: string; account_name: string; industry: string; country: string; signup_date: string; referral_source: string; plan_tier: string; seats: string; is_trial: string; churn_flag: string };
type SubRow = { subscription_id: string; account_id: string; start_date: string; end_date: string; plan_tier: string; seats: string; mrr_amount: string; arr_amount: string; is_trial: string; upgrade_flag: string; downgrade_flag: string; churn_flag: string; billing_frequency: string; auto_renew_flag: string };
type UsageRow = { usage_id: string; subscription_id: string; usage_date: string; feature_name: string; usage_count: string; usage_duration_secs: string; error_count: string; is_beta_feature: string };
type TicketRow = { ticket_id: string; account_id: string; submitted_at: string; closed_at: string; resolution_time_hours: string; priority: string; first_response_time_minutes: string; satisfaction_score: string; escalation_flag: string };
type ChurnRow = { churn_event_id: string; account_id: string; churn_date: string; reason_code: string; refund_amount_usd: string; preceding_upgrade_flag: string; preceding_downgrade_flag: string; is_reactivation: string; feedback_text: string };

function csv<T>(buf: Buffer): T[] {
  return parse(buf, { columns: true, skip_empty_lines: true }) as T[];
}

const TLD: Record<string, string> = { US: "com", UK: "co.uk", DE: "de", FR: "fr", IN: "in", CA: "ca", AU: "com.au" };
const COUNTRY: Record<string, string> = { US: "United States", UK: "United Kingdom", DE: "Germany", FR: "France", IN: "India", CA: "Canada", AU: "Australia" };
const INDUSTRY: Record<string, string> = {
  EdTech: "E_LEARNING",
  FinTech: "FINANCIAL_SERVICES",
  DevTools: "COMPUTER_SOFTWARE",
  HealthTech: "HOSPITAL_HEALTH_CARE",
  Cybersecurity: "COMPUTER_NETWORK_SECURITY",
};
const FEEDBACK: Record<string, CancellationDetails["feedback"]> = {
  pricing: "too_expensive",
  budget: "too_expensive",
  support: "customer_service",
  features: "missing_features",
  competitor: "switched_service",
  unknown: "other",
};
/** HubSpot's default call dispositions (GUIDs as the API returns them). */
const CALL_DISPOSITIONS = [
  "f240bbac-87c9-4f6e-bf70-924b57d47db7", // Connected
  "f240bbac-87c9-4f6e-bf70-924b57d47db7",
  "f240bbac-87c9-4f6e-bf70-924b57d47db7",
  "73a0d17f-1163-4015-bdd5-ec830791da20", // No answer
  "b2cf5968-551e-4856-9783-52b3da59a7d0", // Left voicemail
  "9d9162e7-6cf3-4944-bf63-4dff82258764", // Busy
] as const;
const CONNECTED = CALL_DISPOSITIONS[0];
const TICKET_TOPICS = [
  ["PRODUCT_ISSUE", "Error when exporting a report"],
  ["PRODUCT_ISSUE", "Sync job stuck"],
  ["PRODUCT_ISSUE", "Dashboard loads slowly"],
  ["BILLING_ISSUE", "Question about an invoice"],
  ["BILLING_ISSUE", "Seat count does not match"],
  ["FEATURE_REQUEST", "Request: SSO for all workspaces"],
  ["FEATURE_REQUEST", "Request: API rate limit increase"],
  ["GENERAL_INQUIRY", "How do I invite my team?"],
  ["GENERAL_INQUIRY", "Login problem after password reset"],
] as const;

/** Identity categories in the order they take accounts (sorted by a hash of the account id), with their shares. */
const CATEGORY_SHARES: [IdentityCategory, number][] = [
  ["stripe_only", 0.03],
  ["hubspot_only", 0.03],
  ["metadata_link", 0.03],
  ["name_only", 0.04],
  ["domain_different_name", 0.08],
];
const AMBIGUOUS_CASES = 2;
const TRIAL_DAYS = 30;
const BASE_FAILURE_RATE = 0.005;
const RISKY_FAILURE_RATE = 0.3;
const RECENT_TICKET_OPEN_RATE = 0.5;
const RECENT_RECOVERY_RATE = 0.4;
const RETRY_DAYS = [3, 5, 7] as const;

/** The deterministic company domain: name lower-cased, non-alphanumerics dropped, TLD by country. */
export function ravenstackDomain(accountName: string, country: string): string {
  return `${accountName.toLowerCase().replace(/[^a-z0-9]/g, "")}.${TLD[country] ?? "com"}`;
}

/** Builder options; `anchor` is the `YYYY-MM-DD` the data set's last date is mapped to. */
export type RavenstackOptions = { dataDir?: string; anchor: string };

type Acc = {
  row: AccountRow;
  category: IdentityCategory;
  domain: string;
  owner: HubspotOwner;
  companyId: string | null;
  duplicateCompanyId: string | null;
  customerId: string | null;
  contacts: string[];
  churned: boolean;
  churnedAtMs: number | null;
  risky: boolean;
  createdMs: number;
};

type SubPlan = {
  row: SubRow;
  /** A churned account's subscription starting after its churn date: not mapped. */
  dropped: boolean;
  acc: Acc;
  /** Original-calendar end (ms), or null when live at the end of the data. */
  endMs: number | null;
  details: CancellationDetails | null;
};

/**
 * Builds the RavenStack portfolio (see the module doc and docs/sandbox.md).
 * @param opts.anchor `YYYY-MM-DD`; the data set's last date maps to it; clock.now = anchor 12:00 UTC.
 * @param opts.dataDir folder with the CSVs and SHA256SUMS (default: {@link resolveRavenstackDir}).
 * @throws RavenstackDataError when the data is missing or fails its checksum; Error for a bad anchor.
 */
export function buildRavenstackPortfolio(opts: RavenstackOptions): Portfolio {
  const anchor = anchorMs(opts.anchor);
  const files = readVerifiedRavenstack(resolveRavenstackDir(opts.dataDir));
  const accounts = csv<AccountRow>(files["ravenstack_accounts.csv"]);
  const subs = csv<SubRow>(files["ravenstack_subscriptions.csv"]);
  const usage = csv<UsageRow>(files["ravenstack_feature_usage.csv"]);
  const tickets = csv<TicketRow>(files["ravenstack_support_tickets.csv"]);
  const churns = csv<ChurnRow>(files["ravenstack_churn_events.csv"]);

  // ---- Calendar: shift by whole days so the last date of the data set becomes the anchor.
  let lastDay = 0;
  const seeDate = (s: string) => {
    if (s) lastDay = Math.max(lastDay, parseUtc(s.slice(0, 10)));
  };
  accounts.forEach((r) => seeDate(r.signup_date));
  subs.forEach((r) => (seeDate(r.start_date), seeDate(r.end_date)));
  usage.forEach((r) => seeDate(r.usage_date));
  tickets.forEach((r) => (seeDate(r.submitted_at), seeDate(r.closed_at)));
  churns.forEach((r) => seeDate(r.churn_date));
  const shift = anchor - lastDay;
  const nowMs = anchor + 12 * HOUR_MS;
  /** Original date string → shifted epoch ms. */
  const T = (s: string) => parseUtc(s) + shift;
  const ids = new StripeIds("ravenstack");

  // ---- Owners (CSMs).
  const ownerNames: [string, string][] = [["Dana", "Whitfield"], ["Marco", "Bellini"], ["Aiko", "Morimoto"], ["Grace", "Okafor"], ["Tomás", "Herrera"], ["Sanne", "de Vries"]];
  const ownerCreated = iso(T("2023-01-01"));
  const owners: HubspotOwner[] = ownerNames.map(([firstName, lastName], i) => ({
    id: String(71_000_001 + i),
    email: `${emailLocal(firstName, lastName)}@ravenstack.io`,
    firstName,
    lastName,
    userId: 9_100_001 + i,
    archived: false,
    createdAt: ownerCreated,
    updatedAt: ownerCreated,
  }));

  // ---- Identity categories: sort accounts by a keyed hash, hand out the shares in order.
  const n = accounts.length;
  const order = accounts.map((r) => r.account_id).sort((a, b) => hash01(`identity:${a}`) - hash01(`identity:${b}`) || (a < b ? -1 : 1));
  const categoryOf = new Map<string, IdentityCategory>();
  let pos = 0;
  for (const [cat, share] of CATEGORY_SHARES) {
    const k = Math.round(n * share);
    for (let i = 0; i < k && pos < n; i++) categoryOf.set(order[pos++], cat);
  }
  for (let i = 0; i < AMBIGUOUS_CASES && pos < n; i++) categoryOf.set(order[pos++], "ambiguous_domain");
  while (pos < n) categoryOf.set(order[pos++], "domain_same_name");

  // ---- Per-account facts.
  const subsBy = new Map<string, SubRow[]>();
  for (const s of subs) {
    const list = subsBy.get(s.account_id);
    if (list) list.push(s);
    else subsBy.set(s.account_id, [s]);
  }
  for (const list of subsBy.values()) list.sort((a, b) => (a.start_date < b.start_date ? -1 : a.start_date > b.start_date ? 1 : a.subscription_id < b.subscription_id ? -1 : 1));
  const churnsBy = new Map<string, ChurnRow[]>();
  for (const c of churns) {
    const list = churnsBy.get(c.account_id);
    if (list) list.push(c);
    else churnsBy.set(c.account_id, [c]);
  }
  for (const list of churnsBy.values()) list.sort((a, b) => (a.churn_date < b.churn_date ? -1 : a.churn_date > b.churn_date ? 1 : a.churn_event_id < b.churn_event_id ? -1 : 1));
  const subAccount = new Map<string, string>(subs.map((s) => [s.subscription_id, s.account_id]));

  // Payment risk: an escalated ticket in the last 120 days, or >= 10 usage errors in the last 90 days.
  const errors90 = new Map<string, number>();
  for (const u of usage) {
    if (parseUtc(u.usage_date) > lastDay - 90 * DAY_MS) {
      const a = subAccount.get(u.subscription_id)!;
      errors90.set(a, (errors90.get(a) ?? 0) + Number(u.error_count));
    }
  }
  const escalated120 = new Set(tickets.filter((t) => t.escalation_flag === "True" && parseUtc(t.submitted_at) > lastDay - 120 * DAY_MS).map((t) => t.account_id));

  const accs = new Map<string, Acc>();
  let companySeq = 0;
  for (const row of accounts) {
    const category = categoryOf.get(row.account_id)!;
    const hasCompany = category !== "stripe_only";
    const hasCustomer = category !== "hubspot_only";
    accs.set(row.account_id, {
      row,
      category,
      domain: ravenstackDomain(row.account_name, row.country),
      owner: owners[hashInt(`owner:${row.account_id}`, owners.length)],
      companyId: hasCompany ? String(20_000_000_001 + companySeq++) : null,
      duplicateCompanyId: null,
      customerId: hasCustomer ? "" : null,
      contacts: [],
      churned: row.churn_flag === "True",
      churnedAtMs: null,
      risky: escalated120.has(row.account_id) || (errors90.get(row.account_id) ?? 0) >= 10,
      createdMs: T(row.signup_date) + hashInt(`created:${row.account_id}`, 6 * 3600) * 1000,
    });
  }
  for (const a of accs.values()) if (a.category === "ambiguous_domain") a.duplicateCompanyId = String(20_000_000_001 + companySeq++);

  // ---- Subscription fates (original calendar): end dates, churn, churn events → cancellations.
  const detailsFrom = (c: ChurnRow): CancellationDetails => ({
    comment: c.feedback_text || null,
    feedback: FEEDBACK[c.reason_code] ?? "other",
    reason: "cancellation_requested",
  });
  const plain: CancellationDetails = { comment: null, feedback: null, reason: "cancellation_requested" };
  const plans: SubPlan[] = [];
  const planOf = new Map<string, SubPlan>();
  let eventsOnEndedSub = 0;
  let eventsAsPartialCancel = 0;
  let eventsUnmapped = 0;
  let eventsAsFinalChurn = 0;
  let droppedAfterChurn = 0;
  for (const a of accs.values()) {
    const list = subsBy.get(a.row.account_id) ?? [];
    const all: SubPlan[] = list.map((row) => ({ row, acc: a, dropped: false, endMs: row.end_date ? parseUtc(row.end_date) : null, details: row.end_date ? { ...plain } : null }));
    all.forEach((p) => (plans.push(p), planOf.set(p.row.subscription_id, p)));
    let mine = all;
    const events = churnsBy.get(a.row.account_id) ?? [];
    let finalEvent: ChurnRow | null = null;
    if (a.churned) {
      // Churn = accounts.churn_flag. The churn date C is the last churn event; without one, the last
      // subscription end date; without either, first start + 60..399 days (by hash). Subscriptions
      // starting on or after C are dropped (a churned customer starts nothing after it left), unless
      // that would leave none: then C moves to 30 days after the first start. A synthetic C (the
      // two fallbacks) that would lie after the data's last date is NOT capped at it (a cap piled
      // these churns onto the anchor day): it is drawn by hash strictly between the first start
      // and the last date instead.
      finalEvent = events.length ? events[events.length - 1] : null;
      const starts = list.map((s) => parseUtc(s.start_date));
      const firstStart = Math.min(...starts);
      const ends = list.filter((s) => s.end_date).map((s) => parseUtc(s.end_date));
      const synthetic = (days: number, key: string) => {
        const span = Math.round((lastDay - firstStart) / DAY_MS);
        if (firstStart + days * DAY_MS < lastDay) return firstStart + days * DAY_MS;
        return firstStart + (span <= 1 ? span : 1 + hashInt(`${key}:${a.row.account_id}`, span - 1)) * DAY_MS;
      };
      let c = finalEvent
        ? parseUtc(finalEvent.churn_date)
        : ends.length
          ? Math.max(...ends)
          : synthetic(60 + hashInt(`churn:${a.row.account_id}`, 340), "churn-late");
      if (c <= firstStart) c = synthetic(30, "churn-early");
      for (const p of mine) {
        if (parseUtc(p.row.start_date) >= c && parseUtc(p.row.start_date) > firstStart) {
          p.dropped = true;
          droppedAfterChurn++;
        } else if (p.endMs === null || p.endMs > c) {
          p.endMs = c;
          p.details = finalEvent ? detailsFrom(finalEvent) : { ...plain };
        }
      }
      if (finalEvent) eventsAsFinalChurn++;
      mine = all.filter((p) => !p.dropped);
    }
    for (const ev of events) {
      if (ev === finalEvent) continue;
      const d = parseUtc(ev.churn_date);
      // (a) a subscription that ended within 31 days after the event takes its reason;
      const ended = mine.find((p) => p.row.end_date && p.endMs! >= d && p.endMs! <= d + 31 * DAY_MS && p.details?.feedback === null);
      if (ended) {
        ended.details = detailsFrom(ev);
        eventsOnEndedSub++;
        continue;
      }
      // (b) else the latest-started live paid subscription (started before the event) is canceled on
      //     the event date, provided another live paid subscription remains (a contraction, not churn);
      const live = mine.filter((p) => p.row.is_trial !== "True" && (p.endMs === null || p.endMs > d) && parseUtc(p.row.start_date) < d && !p.row.end_date);
      const cand = live.filter((p) => p.endMs === null);
      if (cand.length >= 1 && live.length >= 2) {
        const victim = cand[cand.length - 1];
        victim.endMs = d;
        victim.details = detailsFrom(ev);
        eventsAsPartialCancel++;
        continue;
      }
      // (c) else the event has no subscription to act on.
      eventsUnmapped++;
    }
  }

  // ---- Prices: one per plan tier and interval; the per-seat list price is read from the data.
  const tierSeatPrice = new Map<string, number>(); // tier → modal dollars per seat per month
  {
    const votes = new Map<string, Map<number, number>>();
    for (const s of subs) {
      if (s.is_trial === "True" || Number(s.mrr_amount) <= 0) continue;
      const per = Math.round((Number(s.mrr_amount) * 100) / Number(s.seats));
      const m = votes.get(s.plan_tier) ?? new Map<number, number>();
      m.set(per, (m.get(per) ?? 0) + 1);
      votes.set(s.plan_tier, m);
    }
    for (const [tier, m] of [...votes.entries()].sort()) {
      const best = [...m.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0][0];
      tierSeatPrice.set(tier, best);
    }
  }
  const catalogCreated = sec(T("2023-01-01"));
  const products: StripeProduct[] = [];
  const prices: StripePrice[] = [];
  const productOf = new Map<string, StripeProduct>();
  const priceByKey = new Map<string, StripePrice>();
  for (const tier of ["Basic", "Pro", "Enterprise"].filter((t) => tierSeatPrice.has(t))) {
    const prod = makeProduct({ id: ids.next("prod"), name: `RavenStack ${tier}`, description: `RavenStack ${tier} plan, billed per seat`, createdS: catalogCreated, defaultPrice: null });
    products.push(prod);
    productOf.set(tier, prod);
  }
  const priceFor = (tier: string, interval: "month" | "year", unitCents: number): StripePrice => {
    const key = `${tier}:${interval}:${unitCents}`;
    let p = priceByKey.get(key);
    if (!p) {
      const prod = productOf.get(tier)!;
      const list = unitCents === tierSeatPrice.get(tier)! * (interval === "year" ? 12 : 1);
      p = makePrice({
        id: ids.next("price"),
        productId: prod.id,
        unitAmount: unitCents,
        interval,
        createdS: catalogCreated,
        nickname: `${tier} ${interval === "year" ? "annual" : "monthly"}${list ? "" : ` (${unitCents} custom)`}`,
        lookupKey: `${tier.toLowerCase()}_${interval === "year" ? "annual" : "monthly"}${list ? "" : `_${unitCents}`}`,
      });
      priceByKey.set(key, p);
      prices.push(p);
      if (list && interval === "month") prod.default_price = p.id;
    }
    return p;
  };
  for (const tier of productOf.keys()) {
    priceFor(tier, "month", tierSeatPrice.get(tier)!);
    priceFor(tier, "year", tierSeatPrice.get(tier)! * 12);
  }

  // ---- HubSpot companies, contacts.
  const companies: HubspotObject[] = [];
  const contacts: HubspotObject[] = [];
  let contactSeq = 0;
  const updatedBetween = (key: string, created: number) => created + Math.floor(hash01(key) * Math.max(0, nowMs - created));
  const companyObject = (a: Acc, id: string, name: string, createdMs: number, lifecycle: string, employees: number, owner: HubspotOwner): HubspotObject => {
    const updated = updatedBetween(`cupd:${id}`, createdMs);
    return {
      id,
      properties: {
        name,
        domain: a.domain,
        website: `https://www.${a.domain}`,
        industry: INDUSTRY[a.row.industry] ?? "COMPUTER_SOFTWARE",
        country: COUNTRY[a.row.country] ?? a.row.country,
        annualrevenue: String(employees * 120_000),
        numberofemployees: String(employees),
        lifecyclestage: lifecycle,
        hubspot_owner_id: owner.id,
        createdate: iso(createdMs),
        hs_lastmodifieddate: iso(updated),
        hs_object_id: id,
      },
      createdAt: iso(createdMs),
      updatedAt: iso(updated),
      archived: false,
    };
  };
  const usedLocals = new Set<string>();
  for (const a of accs.values()) {
    if (!a.companyId) continue;
    const seats = Number(a.row.seats);
    const employees = Math.max(seats, 5) * (3 + hashInt(`emp:${a.row.account_id}`, 10));
    companies.push(companyObject(a, a.companyId, a.row.account_name, a.createdMs, a.churned ? "other" : "customer", employees, a.owner));
    if (a.duplicateCompanyId) {
      const dupCreated = Math.min(nowMs - DAY_MS, a.createdMs + 200 * DAY_MS);
      const otherOwner = owners[(owners.indexOf(a.owner) + 1) % owners.length];
      companies.push(companyObject(a, a.duplicateCompanyId, `${a.row.account_name} Europe`, dupCreated, "lead", 40, otherOwner));
    }
    const k = Math.max(1, Math.min(seats, 3 + hashInt(`ncontacts:${a.row.account_id}`, 6)));
    usedLocals.clear();
    for (let j = 0; j < k; j++) {
      const key = `${a.row.account_id}:c${j}`;
      const first = pick(`${key}:f`, FIRST_NAMES);
      const last = pick(`${key}:l`, LAST_NAMES);
      let local = emailLocal(first, last);
      for (let d = 2; usedLocals.has(local); d++) local = `${emailLocal(first, last)}${d}`;
      usedLocals.add(local);
      const title = j === 0 || (j === 1 && hash01(`${key}:dm`) < 0.5) ? pick(`${key}:t`, DECISION_MAKER_TITLES) : pick(`${key}:t`, OTHER_TITLES);
      // Added 0-119 days (by hash) after the company; when that would lie after now (a young company),
      // spread by hash over the time since the company was created instead of clamping onto now.
      const offset = hashInt(`${key}:cd`, 120) * DAY_MS + hashInt(`${key}:ch`, 3600) * 1000;
      const created = a.createdMs + offset <= nowMs ? a.createdMs + offset : a.createdMs + Math.floor(hash01(`${key}:cd-late`) * Math.max(0, nowMs - a.createdMs));
      const updated = updatedBetween(`${key}:u`, created);
      const id = String(30_000_000_001 + contactSeq++);
      contacts.push({
        id,
        properties: {
          firstname: first,
          lastname: last,
          email: `${local}@${a.domain}`,
          jobtitle: title,
          phone: `+1 555 01${String(hashInt(`${key}:p`, 100)).padStart(2, "0")} ${String(hashInt(`${key}:p2`, 10000)).padStart(4, "0")}`,
          lifecyclestage: "customer",
          hubspot_owner_id: a.owner.id,
          createdate: iso(created),
          lastmodifieddate: iso(updated),
          hs_object_id: id,
        },
        createdAt: iso(created),
        updatedAt: iso(updated),
        archived: false,
        associations: { companies: [a.companyId] },
      });
      a.contacts.push(id);
    }
  }

  // ---- Stripe customers and payment methods.
  const customers: StripeCustomer[] = [];
  const paymentMethods: StripePaymentMethod[] = [];
  const pmKind = new Map<string, PaymentMethodKind>();
  const customerInfo = new Map<string, { name: string; email: string; pm: string; kind: PaymentMethodKind; prefix: string; acc: Acc }>();
  const accountNum = (name: string) => name.replace(/^Company_/, "");
  for (const a of accs.values()) {
    if (a.customerId === null) continue;
    const id = ids.next("cus");
    a.customerId = id;
    const key = a.row.account_id;
    const nm = a.row.account_name;
    const num = accountNum(nm);
    const personFirst = pick(`${key}:bf`, FIRST_NAMES);
    const personLast = pick(`${key}:bl`, LAST_NAMES);
    let name = nm;
    let email = `${pick(`${key}:box`, ["billing", "finance", "accounts", "ap"])}@${a.domain}`;
    const metadata: Record<string, string> = {};
    if (a.category === "domain_different_name") {
      // Half keep the same normalised name (suffix/case/punctuation only), half differ after normalisation.
      name = pick(`${key}:variant`, [`${nm} Inc.`, `company ${num} ltd`, `${nm} Technologies`, `The ${nm} Group`, `${nm} Holdings GmbH`, `COMPANY-${num} LLC`]);
    } else if (a.category === "name_only") {
      name = pick(`${key}:variant`, [`COMPANY_${num}, Inc.`, `Company ${num} LLC`, `company-${num} Ltd.`, nm]);
      email = `${emailLocal(personFirst, personLast)}${hashInt(`${key}:d`, 90) + 10}@${pick(`${key}:fm`, FREE_MAIL)}`;
    } else if (a.category === "metadata_link") {
      name = `${personFirst} ${personLast}`;
      email = `${emailLocal(personFirst, personLast)}${hashInt(`${key}:d`, 90) + 10}@${pick(`${key}:fm`, FREE_MAIL)}`;
      metadata.hubspot_company_id = a.companyId!;
    }
    const pm = ids.next("pm");
    const c = a.row.country;
    const kind: PaymentMethodKind = (c === "DE" || c === "FR") && hash01(`${key}:pmk`) < 0.5 ? "sepa_debit" : hash01(`${key}:pmk2`) < 0.1 ? "us_bank_account" : "card";
    pmKind.set(pm, kind);
    const createdS = sec(a.createdMs);
    paymentMethods.push(makePaymentMethod({ id: pm, customer: id, createdS, kind, name, email }));
    const prefix = id.slice(-8, -2).toUpperCase().replace(/[^A-Z0-9]/g, "X");
    customers.push(makeCustomer({ id, createdS, name, email, country: c, metadata, defaultPaymentMethod: pm, delinquent: false, invoicePrefix: prefix, nextInvoiceSequence: 1 }));
    customerInfo.set(id, { name, email, pm, kind, prefix, acc: a });
  }
  const customerById = new Map(customers.map((c) => [c.id, c]));

  // ---- Subscriptions, invoices, charges.
  const subscriptions: StripeSubscription[] = [];
  const invoices: StripeInvoice[] = [];
  const charges: StripeCharge[] = [];
  const invoicesByCustomer = new Map<string, StripeInvoice[]>();
  const eventCutoffMs = nowMs - 30 * DAY_MS;
  const recentEvents: { type: string; at: number; obj: { id: string; object: string } }[] = [];
  let failedChargesLast30 = 0;
  for (const p of plans) {
    const a = p.acc;
    if (!a.customerId || p.dropped) continue;
    const info = customerInfo.get(a.customerId)!;
    const row = p.row;
    const key = row.subscription_id;
    const interval: "month" | "year" = row.billing_frequency === "annual" ? "year" : "month";
    const months = interval === "year" ? 12 : 1;
    const seats = Math.max(1, Number(row.seats));
    const trial = row.is_trial === "True";
    const listUnit = tierSeatPrice.get(row.plan_tier)! * months;
    const unit = trial || Number(row.mrr_amount) <= 0 ? listUnit : Math.round((Number(row.mrr_amount) * 100 * months) / seats);
    const price = priceFor(row.plan_tier, interval, unit);
    const created = T(row.start_date) + 6 * HOUR_MS + hashInt(`screated:${key}`, 6 * 3600 - 1) * 1000;
    // End (shifted), at a time of day after `created` and no later than noon.
    let end: number | null = p.endMs === null ? null : Math.max(created + 60_000, p.endMs + shift + 10 * HOUR_MS + hashInt(`send:${key}`, 3600) * 1000);
    let details = p.details;
    let trialStart: number | null = null;
    let trialEnd: number | null = null;
    if (trial) {
      trialStart = created;
      trialEnd = created + TRIAL_DAYS * DAY_MS;
      if (trialEnd <= nowMs && (end === null || end > trialEnd)) {
        end = trialEnd; // trial ran out without a payment method: Stripe cancels (trial_settings.end_behavior)
        details = { comment: "Trial ended without a payment method", feedback: null, reason: null };
      }
    }
    const collection: "charge_automatically" | "send_invoice" =
      row.plan_tier === "Enterprise" && interval === "year" && hash01(`coll:${key}`) < 0.4 ? "send_invoice" : "charge_automatically";
    const subId = ids.next("sub");
    const itemId = ids.next("si");
    let periodStart = created;
    let periodEnd = trialEnd ?? addMonths(created, months);
    let latestInvoice: StripeInvoice | null = null;
    let failing = false;
    if (!trial) {
      for (let k = 0; ; k++) {
        const ps = addMonths(created, k * months);
        if (ps > nowMs || (end !== null && ps >= end)) break;
        periodStart = ps;
        periodEnd = addMonths(created, (k + 1) * months);
        const inv = billPeriod(k, ps, periodEnd);
        latestInvoice = inv.invoice;
        failing = inv.failing;
      }
    }
    function billPeriod(k: number, ps: number, pe: number): { invoice: StripeInvoice; failing: boolean } {
      const ikey = `${key}:${k}`;
      const invId = ids.next("in");
      const amount = unit * seats;
      const recent = ps >= nowMs - 90 * DAY_MS;
      const failed = hash01(`fail:${ikey}`) < (a.risky && recent ? RISKY_FAILURE_RATE : BASE_FAILURE_RATE);
      const attempts: { at: number; ok: boolean }[] = [];
      let status: "open" | "paid" = "paid";
      let next: number | null = null;
      let due: number | null = null;
      // First attempt one hour after the invoice (Stripe's automatic collection); for an invoice of the
      // last hour, spread by hash over the time since it was created (no pile-up at exactly now).
      const first = ps + HOUR_MS <= nowMs ? ps + HOUR_MS : ps + Math.floor(hash01(`first:${ikey}`) * Math.max(0, nowMs - ps));
      if (collection === "charge_automatically") {
        if (!failed) attempts.push({ at: first, ok: true });
        else {
          const retries = RETRY_DAYS.map((d) => ps + d * DAY_MS);
          const old = ps < nowMs - 30 * DAY_MS;
          const recoverAt = old || hash01(`recover:${ikey}`) < RECENT_RECOVERY_RATE ? hashInt(`retry:${ikey}`, retries.length) : -1;
          attempts.push({ at: first, ok: false });
          for (let r = 0; r < retries.length; r++) {
            if (retries[r] > nowMs) {
              next = retries[r];
              break;
            }
            attempts.push({ at: retries[r], ok: r === recoverAt });
            if (r === recoverAt) break;
          }
          if (!attempts[attempts.length - 1].ok) status = "open";
          else next = null;
        }
      } else {
        due = ps + 30 * DAY_MS;
        const payAt = failed ? ps + (31 + hashInt(`late:${ikey}`, 30)) * DAY_MS : ps + (2 + hashInt(`pay:${ikey}`, 24)) * DAY_MS;
        if (payAt <= nowMs) attempts.push({ at: payAt, ok: true });
        else status = "open";
      }
      const pi = ids.next("pi");
      const attemptCharges: StripeCharge[] = [];
      for (const at of attempts) {
        const ch = makeCharge({
          id: ids.next("ch"),
          customer: a.customerId!,
          createdS: sec(at.at),
          amount,
          paymentMethod: info.pm,
          paymentMethodKind: info.kind,
          name: info.name,
          email: info.email,
          description: k === 0 ? "Subscription creation" : "Subscription update",
          failure: at.ok ? null : hashInt(`fcode:${ikey}:${at.at}`, 3),
          paymentIntent: pi,
          balanceTransaction: at.ok ? ids.next("txn") : null,
        });
        charges.push(ch);
        attemptCharges.push(ch);
        if (!at.ok && at.at >= nowMs - 30 * DAY_MS) failedChargesLast30++;
      }
      const paidAt = status === "paid" ? attempts[attempts.length - 1].at : null;
      const invoice = makeInvoice({
        id: invId,
        lineId: ids.next("il"),
        customer: a.customerId!,
        customerName: info.name,
        customerEmail: info.email,
        accountName: "RavenStack",
        number: "",
        createdS: sec(ps),
        subscription: subId,
        subscriptionItem: itemId,
        priceId: price.id,
        productId: productOf.get(row.plan_tier)!.id,
        productName: productOf.get(row.plan_tier)!.name,
        unitAmount: unit,
        quantity: seats,
        interval,
        periodStartS: sec(ps),
        periodEndS: sec(pe),
        billingReason: k === 0 ? "subscription_create" : "subscription_cycle",
        collectionMethod: collection,
        status,
        attemptCount: attempts.length,
        paidAtS: paidAt === null ? null : sec(paidAt),
        dueDateS: due === null ? null : sec(due),
        nextPaymentAttemptS: next === null ? null : sec(next),
      });
      invoices.push(invoice);
      // Stripe events of the last 30 days (the events API keeps 30 days).
      if (ps >= eventCutoffMs) recentEvents.push({ type: "invoice.finalized", at: ps, obj: invoice });
      for (const ch of attemptCharges) {
        if (ch.created * 1000 < eventCutoffMs) continue;
        const okCharge = ch.status === "succeeded";
        recentEvents.push({ type: okCharge ? "charge.succeeded" : "charge.failed", at: ch.created * 1000, obj: ch });
        recentEvents.push({ type: okCharge ? "invoice.paid" : "invoice.payment_failed", at: ch.created * 1000, obj: invoice });
      }
      const list = invoicesByCustomer.get(a.customerId!) ?? [];
      list.push(invoice);
      invoicesByCustomer.set(a.customerId!, list);
      const pastDue = status === "open" && ((collection === "charge_automatically" && attempts.length > 0) || (due !== null && due < nowMs));
      return { invoice, failing: pastDue };
    }
    const live = end === null;
    const status: "trialing" | "active" | "past_due" | "canceled" = !live ? "canceled" : trial ? "trialing" : failing ? "past_due" : "active";
    let cancelAtPeriodEnd = false;
    let cancelAt: number | null = null;
    let canceledAt: number | null = end;
    if (live && !trial && row.auto_renew_flag === "False") {
      cancelAtPeriodEnd = true;
      cancelAt = periodEnd;
      // Requested 1-48 h into the current period; a period that began less than 48 h ago gets a request
      // time spread (by hash) over the hours since it began, never a pile-up at exactly "now".
      const requestFrom = Math.max(created, periodStart);
      const requestDelay = (1 + hashInt(`req:${key}`, 48)) * HOUR_MS;
      canceledAt = requestFrom + requestDelay <= nowMs ? requestFrom + requestDelay : requestFrom + Math.floor(hash01(`req-late:${key}`) * (nowMs - requestFrom));
      details = { comment: null, feedback: null, reason: "cancellation_requested" };
    }
    if (status === "canceled" && details === null) details = { ...plain };
    if (failing && live) customerById.get(a.customerId)!.delinquent = true;
    if (!live && status === "canceled" && a.churned) a.churnedAtMs = Math.max(a.churnedAtMs ?? 0, end!);
    const sub = makeSubscription({
        id: subId,
        itemId,
        customer: a.customerId,
        createdS: sec(created),
        priceId: price.id,
        quantity: seats,
        status,
        periodStartS: sec(periodStart),
        periodEndS: sec(periodEnd),
        billingCycleAnchorS: sec(trialEnd ?? created),
        cancelAtPeriodEnd,
        cancelAtS: cancelAt === null ? null : sec(cancelAt),
        canceledAtS: canceledAt === null ? null : sec(canceledAt),
        endedAtS: end === null ? null : sec(end),
        cancellationDetails: details ?? { comment: null, feedback: null, reason: null },
        trialStartS: trialStart === null ? null : sec(trialStart),
        trialEndS: trialEnd === null ? null : sec(trialEnd),
        collectionMethod: collection,
        defaultPaymentMethod: info.pm,
        latestInvoice: latestInvoice ? latestInvoice.id : null,
        metadata: { ravenstack_subscription_id: row.subscription_id },
      });
    subscriptions.push(sub);
    if (created >= eventCutoffMs) recentEvents.push({ type: "customer.subscription.created", at: created, obj: sub });
    if (end !== null && end >= eventCutoffMs) recentEvents.push({ type: "customer.subscription.deleted", at: end, obj: sub });
    else if (cancelAtPeriodEnd && canceledAt !== null && canceledAt >= eventCutoffMs) recentEvents.push({ type: "customer.subscription.updated", at: canceledAt, obj: sub });
  }
  // Invoice numbers per customer in chronological order; next_invoice_sequence follows.
  for (const [cid, list] of invoicesByCustomer) {
    list.sort((x, y) => x.created - y.created || (x.id < y.id ? -1 : 1));
    const info = customerInfo.get(cid)!;
    list.forEach((inv, i) => (inv.number = `${info.prefix}-${String(i + 1).padStart(4, "0")}`));
    customerById.get(cid)!.next_invoice_sequence = list.length + 1;
  }
  // Churned accounts whose only Stripe data is gone (HubSpot-only) still get a churn date from the plan.
  for (const p of plans) {
    if (p.acc.churned && !p.acc.customerId && !p.dropped && p.endMs !== null) p.acc.churnedAtMs = Math.max(p.acc.churnedAtMs ?? 0, p.endMs + shift + 10 * HOUR_MS);
  }

  // ---- Deals.
  const deals: HubspotObject[] = [];
  let dealSeq = 0;
  const stageByDays = (days: number) =>
    days > 90 ? "appointmentscheduled" : days > 60 ? "qualifiedtobuy" : days > 30 ? "presentationscheduled" : days > 14 ? "decisionmakerboughtin" : "contractsent";
  const addDeal = (a: Acc, name: string, amount: number, stage: string, createdMs: number, closeMs: number, dealtype: string, extra: Record<string, string> = {}) => {
    const id = String(40_000_000_001 + dealSeq++);
    const closed = stage === "closedwon" || stage === "closedlost";
    const c = Math.min(createdMs, nowMs);
    const modified = closed ? Math.min(nowMs, Math.max(c, closeMs)) : updatedBetween(`dupd:${id}`, c);
    deals.push({
      id,
      properties: {
        dealname: name,
        amount: String(Math.round(amount)),
        dealstage: stage,
        pipeline: "default",
        closedate: iso(closeMs),
        createdate: iso(c),
        dealtype,
        hubspot_owner_id: a.owner.id,
        hs_lastmodifieddate: iso(modified),
        hs_object_id: id,
        // RavenStack's amounts are ARR; HubSpot's calculated "Monthly recurring revenue" (hs_mrr) is ARR ÷ 12
        // (knowledge.hubspot.com/crm-deals/hubspots-default-deal-properties) — the sales-activity scorecard can sum it.
        hs_mrr: String(Math.round(amount / 12)),
        ...extra,
      },
      createdAt: iso(c),
      updatedAt: iso(modified),
      archived: false,
      associations: { companies: [a.companyId!], ...(a.contacts.length ? { contacts: [a.contacts[0]] } : {}) },
    });
  };
  const priceById = new Map(prices.map((p) => [p.id, p]));
  const subsOfCustomer = new Map<string, StripeSubscription[]>();
  for (const s of subscriptions) {
    const l = subsOfCustomer.get(s.customer) ?? [];
    l.push(s);
    subsOfCustomer.set(s.customer, l);
  }
  for (const a of accs.values()) {
    if (!a.companyId) continue;
    const list = (subsBy.get(a.row.account_id) ?? []).filter((s) => s.is_trial !== "True" && Number(s.arr_amount) > 0 && !planOf.get(s.subscription_id)!.dropped);
    if (list.length) {
      const first = list[0];
      const firstStart = T(first.start_date) + 6 * HOUR_MS;
      const amount = list.filter((s) => s.start_date === first.start_date).reduce((x, s) => x + Number(s.arr_amount), 0);
      addDeal(a, `${a.row.account_name} – new business`, amount, "closedwon", Math.max(a.createdMs, firstStart - 14 * DAY_MS), firstStart, "newbusiness");
      for (const s of list.slice(1)) {
        if (s.upgrade_flag !== "True") continue;
        const at = T(s.start_date) + 6 * HOUR_MS;
        addDeal(a, `${a.row.account_name} – upgrade to ${s.plan_tier}`, Number(s.arr_amount), "closedwon", Math.max(a.createdMs, at - 10 * DAY_MS), at, "existingbusiness");
      }
    }
    if (a.churned && a.churnedAtMs !== null) {
      const lost = plans.filter((p) => p.acc === a && !p.dropped && p.row.is_trial !== "True" && p.endMs !== null && p.endMs + shift + 10 * HOUR_MS >= a.churnedAtMs! - DAY_MS);
      const amount = lost.reduce((x, p) => x + Number(p.row.arr_amount), 0);
      const reason = (churnsBy.get(a.row.account_id) ?? []).at(-1)?.reason_code ?? "unknown";
      addDeal(a, `${a.row.account_name} – renewal`, amount, "closedlost", Math.max(a.createdMs, a.churnedAtMs - 60 * DAY_MS), Math.min(nowMs, a.churnedAtMs), "existingbusiness", { closed_lost_reason: reason });
    } else if (a.customerId) {
      // The next annual renewal within 120 days, if any, gets an open renewal deal.
      const upcoming = (subsOfCustomer.get(a.customerId) ?? [])
        .filter((s) => (s.status === "active" || s.status === "past_due") && s.items.data[0].current_period_end * 1000 - nowMs <= 120 * DAY_MS)
        .filter((s) => priceById.get(String(s.items.data[0].price))?.recurring?.interval === "year")
        .sort((x, y) => x.items.data[0].current_period_end - y.items.data[0].current_period_end);
      if (upcoming.length) {
        const s = upcoming[0];
        const renewal = s.items.data[0].current_period_end * 1000;
        const unitPrice = priceById.get(String(s.items.data[0].price))?.unit_amount ?? 0;
        const amount = (unitPrice * (s.items.data[0].quantity ?? 1)) / 100;
        const days = Math.ceil((renewal - nowMs) / DAY_MS);
        addDeal(a, `${a.row.account_name} – renewal ${iso(renewal).slice(0, 7)}`, amount, stageByDays(days), Math.max(a.createdMs, renewal - 120 * DAY_MS), renewal, "existingbusiness");
      }
    }
  }

  // ---- Engagements derived from feature usage (synthetic: see docs/sandbox.md).
  const calls: HubspotObject[] = [];
  const meetings: HubspotObject[] = [];
  const notes: HubspotObject[] = [];
  let engSeq = 0;
  for (const u of usage) {
    const a = accs.get(subAccount.get(u.subscription_id)!)!;
    if (!a.companyId) continue;
    const at = T(u.usage_date) + 8 * HOUR_MS + hashInt(`et:${u.usage_id}`, 3.5 * 3600) * 1000;
    if (a.churnedAtMs !== null && at > a.churnedAtMs) continue;
    const errorsN = Number(u.error_count);
    const r = hash01(`touch:${u.usage_id}`);
    if (errorsN < 4 && r >= 0.22) continue;
    const kind = errorsN >= 4 ? "note" : hash01(`kind:${u.usage_id}`) < 0.5 ? "call" : hash01(`kind2:${u.usage_id}`) < 0.5 ? "note" : "meeting";
    const feature = `${u.feature_name.replace("_", " ")}${u.is_beta_feature === "True" ? " (beta)" : ""}`;
    const base = { hubspot_owner_id: a.owner.id, hs_timestamp: iso(at), hs_createdate: iso(at), hs_lastmodifieddate: iso(at) };
    const assoc = { companies: [a.companyId], ...(a.contacts.length ? { contacts: [pick(`ec:${u.usage_id}`, a.contacts)] } : {}) };
    let id: string;
    if (kind === "call") {
      id = String(50_000_000_001 + engSeq++);
      const disp = pick(`disp:${u.usage_id}`, CALL_DISPOSITIONS);
      const durMs = disp === CONNECTED ? Math.min(Number(u.usage_duration_secs), 3600) * 1000 : hashInt(`dur:${u.usage_id}`, 30_000);
      calls.push({
        id,
        properties: {
          ...base,
          hs_call_title: `Check-in about ${feature}`,
          hs_call_body: `Discussed ${feature}: ${u.usage_count} uses in the period.`,
          hs_call_direction: hash01(`dir:${u.usage_id}`) < 0.7 ? "OUTBOUND" : "INBOUND",
          hs_call_disposition: disp,
          hs_call_duration: String(durMs),
          hs_call_status: "COMPLETED",
          hs_object_id: id,
        },
        createdAt: iso(at),
        updatedAt: iso(at),
        archived: false,
        associations: assoc,
      });
    } else if (kind === "meeting") {
      id = String(60_000_000_001 + engSeq++);
      // Booked 1-14 days before it takes place (hs_createdate = createdAt), so "meetings set" (by booking time)
      // and "meetings held" (by hs_timestamp) fall in different weeks, as in a real portal (issue 17 scorecard).
      const booked = at - (1 + hashInt(`mb:${u.usage_id}`, 14)) * DAY_MS;
      const outcome = pick(`mo:${u.usage_id}`, ["COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "COMPLETED", "NO_SHOW", "RESCHEDULED", "CANCELED"]);
      meetings.push({
        id,
        properties: {
          ...base,
          hs_createdate: iso(booked),
          hs_meeting_title: `${a.row.account_name} – ${feature} review`,
          hs_meeting_body: `Walkthrough of ${feature}.`,
          hs_meeting_outcome: outcome,
          hs_meeting_start_time: iso(at),
          hs_meeting_end_time: iso(at + 30 * 60_000),
          hs_object_id: id,
        },
        createdAt: iso(booked),
        updatedAt: iso(at),
        archived: false,
        associations: assoc,
      });
    } else {
      id = String(70_000_000_001 + engSeq++);
      notes.push({
        id,
        properties: {
          ...base,
          hs_note_body:
            errorsN >= 4
              ? `Customer reported ${errorsN} errors in ${feature}; escalated to engineering.`
              : hash01(`dmnote:${u.usage_id}`) < 0.25
                ? `Spoke with the ${pick(`dmw:${u.usage_id}`, ["CEO", "decision maker", "DM"])} about ${feature}: ${u.usage_count} uses in the period.`
                : `Usage review: ${feature} used ${u.usage_count} times (${Math.round(Number(u.usage_duration_secs) / 60)} min).`,
          hs_object_id: id,
        },
        createdAt: iso(at),
        updatedAt: iso(at),
        archived: false,
        associations: assoc,
      });
    }
  }

  // ---- Tickets.
  const hsTickets: HubspotObject[] = [];
  let ticketSeq = 0;
  let openTickets = 0;
  for (const t of tickets) {
    const a = accs.get(t.account_id)!;
    if (!a.companyId) continue;
    const created = T(t.submitted_at);
    const closed = T(t.closed_at);
    const escalated = t.escalation_flag === "True";
    // Open: closed after now, or submitted in the last 14 days and escalated (or, by hash, half of the others).
    const open = closed > nowMs || (created >= nowMs - 14 * DAY_MS && (escalated || hash01(`open:${t.ticket_id}`) < RECENT_TICKET_OPEN_RATE));
    if (open) openTickets++;
    const [category, subject] = pick(`topic:${t.ticket_id}`, TICKET_TOPICS);
    const id = String(80_000_000_001 + ticketSeq++);
    const modified = open ? created : closed;
    hsTickets.push({
      id,
      properties: {
        subject,
        content: `${subject} (ticket ${t.ticket_id}${escalated ? ", escalated" : ""}).`,
        hs_ticket_priority: t.priority.toUpperCase(),
        hs_ticket_category: category,
        hs_pipeline: "0",
        hs_pipeline_stage: open ? (escalated ? "3" : "1") : "4",
        createdate: iso(created),
        closed_date: open ? null : iso(closed),
        hs_time_to_first_agent_reply: String(Number(t.first_response_time_minutes) * 60_000),
        hubspot_owner_id: a.owner.id,
        hs_lastmodifieddate: iso(modified),
        hs_object_id: id,
      },
      createdAt: iso(created),
      updatedAt: iso(modified),
      archived: false,
      associations: { companies: [a.companyId], ...(a.contacts.length ? { contacts: [pick(`tc:${t.ticket_id}`, a.contacts)] } : {}) },
    });
  }

  // ---- Ground truth.
  const gtAccounts: GroundTruthAccount[] = [];
  const counts = { domain_same_name: 0, domain_different_name: 0, name_only: 0, metadata_link: 0, ambiguous_domain: 0, stripe_only: 0, hubspot_only: 0 } as Record<IdentityCategory, number>;
  for (const a of accs.values()) {
    counts[a.category]++;
    const rule = a.category === "metadata_link" ? "metadata" : a.category.startsWith("domain_") ? "domain" : a.category === "name_only" ? "name" : null;
    gtAccounts.push({
      key: a.row.account_id,
      category: a.category,
      hubspotCompanyId: a.companyId,
      stripeCustomerId: a.customerId,
      ...(a.duplicateCompanyId ? { candidateCompanyIds: [a.companyId!, a.duplicateCompanyId] } : {}),
      expectedRule: rule,
      expectedOutcome: a.category === "stripe_only" || a.category === "hubspot_only" ? "single" : a.category === "name_only" || a.category === "ambiguous_domain" ? "review" : "merged",
      churned: a.churned,
      churnedAt: a.churnedAtMs === null ? null : iso(a.churnedAtMs),
    });
  }
  for (const a of accs.values()) {
    if (!a.duplicateCompanyId) continue;
    counts.hubspot_only++;
    gtAccounts.push({
      key: `${a.row.account_id}-dup`,
      category: "hubspot_only",
      hubspotCompanyId: a.duplicateCompanyId,
      stripeCustomerId: null,
      expectedRule: null,
      expectedOutcome: "single",
      churned: false,
      churnedAt: null,
    });
  }
  const groundTruth: GroundTruth = {
    source: "ravenstack",
    counts,
    accounts: gtAccounts,
    notes: {
      churnDefinition: "accounts.churn_flag = True: all subscriptions of the account end (canceled) on its churn date (its last churn event)",
      dayShift: Math.round(shift / DAY_MS),
      churnedAccounts: [...accs.values()].filter((a) => a.churned).length,
      churnEventsAsFinalChurn: eventsAsFinalChurn,
      subscriptionsDroppedAfterChurn: droppedAfterChurn,
      churnEventsOnEndedSubscription: eventsOnEndedSub,
      churnEventsAsPartialCancellation: eventsAsPartialCancel,
      churnEventsUnmapped: eventsUnmapped,
      paymentRiskAccounts: [...accs.values()].filter((a) => a.risky).length,
      failedChargesLast30Days: failedChargesLast30,
      openTickets,
    },
  };

  // Events: sorted by time (then type, then object id), ids in that order; `data.object` is a copy of
  // the stored record as it stands at the clock's "now" (not a historical snapshot), rendered by the
  // sandbox like any API object (prices embedded in subscription items) when the event is read.
  const TYPE_ORDER = ["customer.subscription.created", "invoice.finalized", "charge.failed", "invoice.payment_failed", "charge.succeeded", "invoice.paid", "customer.subscription.updated", "customer.subscription.deleted"];
  recentEvents.sort((x, y) => x.at - y.at || TYPE_ORDER.indexOf(x.type) - TYPE_ORDER.indexOf(y.type) || (x.obj.id < y.obj.id ? -1 : x.obj.id > y.obj.id ? 1 : 0));
  const events: StripeEvent[] = recentEvents.map((e) => ({
    id: ids.next("evt"),
    object: "event",
    // No api_version: the sandbox renders `data.object` in the account's default API version
    // (`stripe.api_version`, default the pinned one), as Stripe does for events.
    created: sec(e.at),
    data: { object: { ...e.obj } },
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: e.type,
  }));

  const stripeAccount = makeAccount({ id: ids.next("acct"), name: "RavenStack", email: "billing@ravenstack.io", createdS: catalogCreated, url: "https://ravenstack.io" });
  return {
    version: 1,
    clock: { now: iso(nowMs), speed: 1 },
    hubspot: {
      portal: { id: 4_820_133, name: "RavenStack" },
      owners,
      companies,
      contacts,
      deals,
      calls,
      meetings,
      notes,
      tickets: hsTickets,
    },
    stripe: {
      account: stripeAccount,
      products,
      prices,
      customers,
      subscriptions,
      invoices,
      charges,
      payment_methods: paymentMethods,
      events,
    },
    groundTruth,
  };
}
