/**
 * A seeded synthetic portfolio for scale tests and benchmarks (up to 100,000 companies / 500,000
 * contacts / 20,000 Stripe customers). Deterministic: same options → the same portfolio, byte for
 * byte. Records are plain objects built in loops (no per-record closures); values are derived from
 * keyed hashes of the seed and the record number.
 *
 * Shape: companies `Company NNNNN` at `companyNNNNN.example` (or `.test` for the second half),
 * contacts spread round-robin over companies, deals round-robin, and Stripe customers 1:1 with the
 * first `customers` companies (e-mail at the company's domain, so identity resolution merges them
 * by domain), except every 50th customer, which uses a free-mail address and carries
 * `metadata.hubspot_company_id`, and every 97th, which exists only in Stripe.
 * Each customer has `subscriptionsPerCustomer` monthly subscriptions with `invoicesMonths` months
 * of paid invoices (one charge each; about 3% of the last month's charges fail).
 */
import type { StripeCharge, StripeCustomer, StripeInvoice, StripePaymentMethod, StripePrice, StripeProduct, StripeSubscription } from "../stripe/portfolio";
import type { GroundTruth, GroundTruthAccount, HubspotObject, HubspotOwner, Portfolio } from "./schema";
import { makeAccount, makeCharge, makeCustomer, makeInvoice, makePaymentMethod, makePrice, makeProduct, makeSubscription } from "./stripe-shapes";
import { DAY_MS, DECISION_MAKER_TITLES, FIRST_NAMES, HOUR_MS, LAST_NAMES, OTHER_TITLES, StripeIds, addMonths, anchorMs, hash01, hashInt, iso, sec } from "./util";

/** Options of {@link buildSyntheticPortfolio}; every count is optional. */
export type SyntheticOptions = {
  /** HubSpot companies (default 1,000). */
  companies?: number;
  /** HubSpot contacts, spread over companies (default 5 × companies). */
  contacts?: number;
  /** HubSpot deals (default = companies). */
  deals?: number;
  /** Calls + meetings + notes in total (default 2 × companies). */
  engagements?: number;
  /** HubSpot tickets (default companies / 2). */
  tickets?: number;
  /** Stripe customers (default min(companies, 20,000)). */
  customers?: number;
  /** Subscriptions per customer (default 1). */
  subscriptionsPerCustomer?: number;
  /** Months of invoice history per subscription (default 12; 0 = no invoices/charges). */
  invoicesMonths?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** `YYYY-MM-DD`; clock.now = anchor 12:00 UTC (default 2026-01-01, fixed so output never depends on the day). */
  anchor?: string;
  /** Include the groundTruth block (default true). */
  groundTruth?: boolean;
};

const INDUSTRIES = ["COMPUTER_SOFTWARE", "FINANCIAL_SERVICES", "E_LEARNING", "HOSPITAL_HEALTH_CARE", "RETAIL", "MARKETING_AND_ADVERTISING"];
const STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"];
const TIERS = [
  { name: "Starter", unit: 1900 },
  { name: "Growth", unit: 4900 },
  { name: "Scale", unit: 19900 },
];

function nonNegInt(name: string, v: number | undefined, dflt: number, max = 10_000_000): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 0 || x > max) throw new Error(`synthetic option ${name} must be an integer 0..${max}, got ${String(v)}`);
  return x;
}

const NUMERIC_KEYS = ["companies", "contacts", "deals", "engagements", "tickets", "customers", "subscriptionsPerCustomer", "invoicesMonths", "seed"] as const;
const ALL_KEYS: readonly string[] = [...NUMERIC_KEYS, "anchor", "groundTruth"];

/** camelCase for snake_case / kebab-case aliases (`invoices_months` → `invoicesMonths`). */
function canonicalKey(k: string): string {
  return k.trim().replace(/[-_]([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Normalises an options object: snake_case/kebab-case keys accepted (as the CLI may pass them).
 * @throws Error naming an unknown option.
 */
export function normalizeSyntheticOptions(o: Record<string, unknown>): SyntheticOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = canonicalKey(k);
    if (!ALL_KEYS.includes(key)) throw new Error(`unknown synthetic option "${k}" (known: ${ALL_KEYS.join(", ")})`);
    if (v !== undefined) out[key] = v;
  }
  return out as SyntheticOptions;
}

/**
 * Parses the CLI form `companies=5000,contacts=50000,deals=10000,customers=2000,seed=7` into options
 * (snake_case aliases such as `invoices_months=6` accepted).
 * @throws Error naming an unknown key or a non-numeric value.
 */
export function parseSyntheticSpec(spec: string): SyntheticOptions {
  const out: Record<string, number | string | boolean> = {};
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [raw, v] = part.split("=", 2);
    const k = canonicalKey(raw);
    if (k === "anchor") out.anchor = v;
    else if (k === "groundTruth") out.groundTruth = v !== "false";
    else if ((NUMERIC_KEYS as readonly string[]).includes(k)) {
      if (!/^\d+$/.test(v ?? "")) throw new Error(`synthetic option ${raw} needs a whole number, got "${v}"`);
      out[k] = Number(v);
    } else throw new Error(`unknown synthetic option "${raw}" (known: ${ALL_KEYS.join(", ")})`);
  }
  return out as SyntheticOptions;
}

/**
 * Builds a synthetic portfolio (see the module doc). Option keys may also be snake_case.
 * @throws Error for unknown options, negative / non-integer counts or a bad anchor.
 */
export function buildSyntheticPortfolio(options: SyntheticOptions = {}): Portfolio {
  const opts = normalizeSyntheticOptions(options as Record<string, unknown>);
  const nCompanies = nonNegInt("companies", opts.companies, 1000);
  const nContacts = nonNegInt("contacts", opts.contacts, nCompanies * 5);
  const nDeals = nonNegInt("deals", opts.deals, nCompanies);
  const nEng = nonNegInt("engagements", opts.engagements, nCompanies * 2);
  const nTickets = nonNegInt("tickets", opts.tickets, Math.floor(nCompanies / 2));
  const nCustomers = nonNegInt("customers", opts.customers, Math.min(nCompanies, 20_000));
  const subsPer = nonNegInt("subscriptionsPerCustomer", opts.subscriptionsPerCustomer, 1, 100);
  const months = nonNegInt("invoicesMonths", opts.invoicesMonths, 12, 120);
  const seed = opts.seed ?? 1;
  const anchor = anchorMs(opts.anchor ?? "2026-01-01");
  const nowMs = anchor + 12 * HOUR_MS;
  const S = `syn${seed}`;
  const ids = new StripeIds(S);
  const h = (k: string) => hash01(`${S}:${k}`);
  const hi = (k: string, n: number) => hashInt(`${S}:${k}`, n);
  const start = anchor - 3 * 365 * DAY_MS;

  const owners: HubspotOwner[] = [];
  for (let i = 0; i < 8; i++) {
    const t = iso(start);
    owners.push({ id: String(71_000_001 + i), email: `csm${i + 1}@example.com`, firstName: FIRST_NAMES[i], lastName: LAST_NAMES[i], userId: 9_100_001 + i, archived: false, createdAt: t, updatedAt: t });
  }
  const domainOf = (i: number) => `company${String(i).padStart(6, "0")}.${i % 2 ? "test" : "example"}`;
  const companyId = (i: number) => String(20_000_000_001 + i);
  const createdOf = (i: number) => start + Math.floor(h(`cc${i}`) * (nowMs - start - DAY_MS));

  const companies: HubspotObject[] = new Array(nCompanies);
  for (let i = 0; i < nCompanies; i++) {
    const id = companyId(i);
    const created = createdOf(i);
    const updated = created + Math.floor(h(`cu${i}`) * (nowMs - created));
    const employees = 5 + hi(`ce${i}`, 2000);
    const cs = iso(created);
    const us = iso(updated);
    companies[i] = {
      id,
      properties: {
        name: `Company ${String(i).padStart(6, "0")}`,
        domain: domainOf(i),
        industry: INDUSTRIES[i % INDUSTRIES.length],
        annualrevenue: String(employees * 100_000),
        numberofemployees: String(employees),
        lifecyclestage: "customer",
        hubspot_owner_id: owners[i % owners.length].id,
        createdate: cs,
        hs_lastmodifieddate: us,
        hs_object_id: id,
      },
      createdAt: cs,
      updatedAt: us,
      archived: false,
    };
  }
  const contacts: HubspotObject[] = new Array(nContacts);
  for (let j = 0; j < nContacts; j++) {
    const ci = nCompanies ? j % nCompanies : 0;
    const id = String(30_000_000_001 + j);
    const created = nCompanies ? createdOf(ci) + hi(`kc${j}`, 90) * DAY_MS : start;
    const c = Math.min(created, nowMs);
    const updated = c + Math.floor(h(`ku${j}`) * (nowMs - c));
    const first = FIRST_NAMES[hi(`kf${j}`, FIRST_NAMES.length)];
    const last = LAST_NAMES[hi(`kl${j}`, LAST_NAMES.length)];
    const cs = iso(c);
    const us = iso(updated);
    contacts[j] = {
      id,
      properties: {
        firstname: first,
        lastname: last,
        email: `contact${j}@${nCompanies ? domainOf(ci) : "example.com"}`,
        jobtitle: j < nCompanies ? DECISION_MAKER_TITLES[j % DECISION_MAKER_TITLES.length] : OTHER_TITLES[j % OTHER_TITLES.length],
        phone: `+1 555 0${String(j % 1000).padStart(3, "0")}`,
        lifecyclestage: "customer",
        createdate: cs,
        lastmodifieddate: us,
        hs_object_id: id,
      },
      createdAt: cs,
      updatedAt: us,
      archived: false,
      ...(nCompanies ? { associations: { companies: [companyId(ci)] } } : {}),
    };
  }
  const deals: HubspotObject[] = new Array(nCompanies ? nDeals : 0);
  for (let d = 0; d < deals.length; d++) {
    const ci = d % nCompanies;
    const id = String(40_000_000_001 + d);
    const created = Math.min(nowMs, createdOf(ci) + hi(`dc${d}`, 200) * DAY_MS);
    const stage = STAGES[hi(`ds${d}`, STAGES.length)];
    const close = stage.startsWith("closed") ? created + Math.floor(h(`dx${d}`) * (nowMs - created)) : nowMs + (1 + hi(`dy${d}`, 180)) * DAY_MS;
    const mod = Math.min(nowMs, Math.max(created, stage.startsWith("closed") ? close : created));
    const cs = iso(created);
    const ms = iso(mod);
    deals[d] = {
      id,
      properties: {
        dealname: `Deal ${d}`,
        amount: String(1000 + hi(`da${d}`, 99_000)),
        // HubSpot's calculated "Monthly recurring revenue" deal property (knowledge.hubspot.com/crm-deals/
        // hubspots-default-deal-properties): here the amount read as an annual value, ÷ 12 (issue 17 scorecard).
        ...(stage === "closedwon" ? { hs_mrr: String(Math.round((1000 + hi(`da${d}`, 99_000)) / 12)) } : {}),
        dealstage: stage,
        pipeline: "default",
        closedate: iso(close),
        createdate: cs,
        hubspot_owner_id: owners[ci % owners.length].id,
        hs_lastmodifieddate: ms,
        hs_object_id: id,
      },
      createdAt: cs,
      updatedAt: ms,
      archived: false,
      associations: { companies: [companyId(ci)] },
    };
  }
  const calls: HubspotObject[] = [];
  const meetings: HubspotObject[] = [];
  const notes: HubspotObject[] = [];
  for (let e = 0; nCompanies && e < nEng; e++) {
    const ci = e % nCompanies;
    const at = nowMs - (1 + hi(`et${e}`, 365 * 24)) * HOUR_MS;
    const kind = e % 3;
    const id = String((kind === 0 ? 50_000_000_001 : kind === 1 ? 60_000_000_001 : 70_000_000_001) + e);
    const ts = iso(at);
    const props: Record<string, string | null> = { hs_timestamp: ts, hubspot_owner_id: owners[ci % owners.length].id, hs_lastmodifieddate: ts, hs_object_id: id };
    if (kind === 0) {
      props.hs_call_title = "Check-in";
      props.hs_call_disposition = "f240bbac-87c9-4f6e-bf70-924b57d47db7";
      props.hs_call_duration = String(60_000 + hi(`ed${e}`, 1_800_000));
      props.hs_call_direction = e % 2 ? "INBOUND" : "OUTBOUND";
    } else if (kind === 1) {
      props.hs_meeting_title = "Quarterly review";
      props.hs_meeting_outcome = "COMPLETED";
    } else props.hs_note_body = `Note ${e}`;
    // Calls and meetings name the contact they were with (one of the company's contacts; contact ci is its
    // decision maker), as HubSpot's calls/meetings carry contact associations (issue 17 scorecard).
    const perCompany = nContacts > ci ? Math.floor((nContacts - 1 - ci) / nCompanies) + 1 : 0;
    const contact = kind !== 2 && perCompany ? [String(30_000_000_001 + ci + nCompanies * hi(`ek${e}`, perCompany))] : null;
    const rec: HubspotObject = { id, properties: props, createdAt: ts, updatedAt: ts, archived: false, associations: { companies: [companyId(ci)], ...(contact ? { contacts: contact } : {}) } };
    (kind === 0 ? calls : kind === 1 ? meetings : notes).push(rec);
  }
  const tickets: HubspotObject[] = [];
  for (let t = 0; nCompanies && t < nTickets; t++) {
    const ci = (t * 7) % nCompanies;
    const id = String(80_000_000_001 + t);
    const created = nowMs - (1 + hi(`tc${t}`, 365 * 24)) * HOUR_MS;
    const open = h(`to${t}`) < 0.15;
    const closed = open ? null : Math.min(nowMs, created + (1 + hi(`tr${t}`, 72)) * HOUR_MS);
    tickets.push({
      id,
      properties: {
        subject: `Ticket ${t}`,
        hs_ticket_priority: ["LOW", "MEDIUM", "HIGH", "URGENT"][hi(`tp${t}`, 4)],
        hs_pipeline: "0",
        hs_pipeline_stage: open ? "1" : "4",
        createdate: iso(created),
        closed_date: closed === null ? null : iso(closed),
        hs_lastmodifieddate: iso(closed ?? created),
        hs_object_id: id,
      },
      createdAt: iso(created),
      updatedAt: iso(closed ?? created),
      archived: false,
      associations: { companies: [companyId(ci)] },
    });
  }

  // ---- Stripe.
  const catalog = sec(start);
  const products: StripeProduct[] = [];
  const prices: StripePrice[] = [];
  for (const t of TIERS) {
    const prod = makeProduct({ id: ids.next("prod"), name: t.name, description: `${t.name} plan`, createdS: catalog, defaultPrice: null });
    const price = makePrice({ id: ids.next("price"), productId: prod.id, unitAmount: t.unit, interval: "month", createdS: catalog, nickname: `${t.name} monthly`, lookupKey: `${t.name.toLowerCase()}_monthly` });
    prod.default_price = price.id;
    products.push(prod);
    prices.push(price);
  }
  const customers: StripeCustomer[] = new Array(nCustomers);
  const pms: StripePaymentMethod[] = new Array(nCustomers);
  const subscriptions: StripeSubscription[] = [];
  const invoices: StripeInvoice[] = [];
  const charges: StripeCharge[] = [];
  const gt: GroundTruthAccount[] = [];
  for (let c = 0; c < nCustomers; c++) {
    const stripeOnly = c % 97 === 96 || c >= nCompanies;
    const link = !stripeOnly && c % 50 === 49;
    const ci = c;
    const id = ids.next("cus");
    const pm = ids.next("pm");
    const created = stripeOnly ? start + hi(`sc${c}`, 900) * DAY_MS : Math.min(nowMs - DAY_MS, createdOf(ci) + DAY_MS);
    const name = stripeOnly ? `Solo Customer ${c}` : `Company ${String(ci).padStart(6, "0")}`;
    const email = link ? `owner${c}@gmail.com` : stripeOnly ? `billing@solo${c}.example` : `billing@${domainOf(ci)}`;
    customers[c] = makeCustomer({
      id,
      createdS: sec(created),
      name: link ? `Billing contact ${c}` : name,
      email,
      country: "US",
      metadata: link ? { hubspot_company_id: companyId(ci) } : {},
      defaultPaymentMethod: pm,
      delinquent: false,
      invoicePrefix: `S${String(c).padStart(6, "0")}`,
      nextInvoiceSequence: 1,
    });
    pms[c] = makePaymentMethod({ id: pm, customer: id, createdS: sec(created), kind: "card", name, email });
    if (opts.groundTruth !== false) {
      gt.push({
        key: `syn-${c}`,
        category: stripeOnly ? "stripe_only" : link ? "metadata_link" : "domain_same_name",
        hubspotCompanyId: stripeOnly ? null : companyId(ci),
        stripeCustomerId: id,
        expectedRule: stripeOnly ? null : link ? "metadata" : "domain",
        expectedOutcome: stripeOnly ? "single" : "merged",
        churned: false,
        churnedAt: null,
      });
    }
    let seq = 0;
    for (let s = 0; s < subsPer; s++) {
      const tier = hi(`st${c}:${s}`, TIERS.length);
      const price = prices[tier];
      const qty = 1 + hi(`sq${c}:${s}`, 50);
      const subCreated = Math.max(created, nowMs - (months + 1) * 30 * DAY_MS + hi(`sd${c}:${s}`, 28) * DAY_MS);
      const subId = ids.next("sub");
      const itemId = ids.next("si");
      let ps = subCreated;
      let pe = addMonths(subCreated, 1);
      let latest: string | null = null;
      let pastDue = false;
      for (let k = 0; months > 0 && addMonths(subCreated, k) <= nowMs; k++) {
        ps = addMonths(subCreated, k);
        pe = addMonths(subCreated, k + 1);
        const recent = ps > nowMs - 30 * DAY_MS;
        const fail = recent && h(`f${c}:${s}:${k}`) < 0.03;
        const invId = ids.next("in");
        const at = Math.min(nowMs, ps + HOUR_MS);
        charges.push(
          makeCharge({
            id: ids.next("ch"),
            customer: id,
            createdS: sec(at),
            amount: price.unit_amount! * qty,
            paymentMethod: pm,
            paymentMethodKind: "card",
            name,
            email,
            description: k === 0 ? "Subscription creation" : "Subscription update",
            failure: fail ? 0 : null,
            paymentIntent: ids.next("pi"),
            balanceTransaction: fail ? null : ids.next("txn"),
          }),
        );
        invoices.push(
          makeInvoice({
            id: invId,
            lineId: ids.next("il"),
            customer: id,
            customerName: name,
            customerEmail: email,
            accountName: "Synthetic SaaS",
            number: `S${String(c).padStart(6, "0")}-${String(++seq).padStart(4, "0")}`,
            createdS: sec(ps),
            subscription: subId,
            subscriptionItem: itemId,
            priceId: price.id,
            productId: String(price.product),
            productName: TIERS[tier].name,
            unitAmount: price.unit_amount!,
            quantity: qty,
            interval: "month",
            periodStartS: sec(ps),
            periodEndS: sec(pe),
            billingReason: k === 0 ? "subscription_create" : "subscription_cycle",
            collectionMethod: "charge_automatically",
            status: fail ? "open" : "paid",
            attemptCount: 1,
            paidAtS: fail ? null : sec(at),
            dueDateS: null,
            nextPaymentAttemptS: fail ? sec(ps + 3 * DAY_MS) : null,
          }),
        );
        latest = invId;
        pastDue = fail;
      }
      customers[c].next_invoice_sequence = seq + 1;
      if (pastDue) customers[c].delinquent = true;
      subscriptions.push(
        makeSubscription({
          id: subId,
          itemId,
          customer: id,
          createdS: sec(subCreated),
          priceId: price.id,
          quantity: qty,
          status: pastDue ? "past_due" : "active",
          periodStartS: sec(ps),
          periodEndS: sec(pe),
          billingCycleAnchorS: sec(subCreated),
          cancelAtPeriodEnd: false,
          cancelAtS: null,
          canceledAtS: null,
          endedAtS: null,
          cancellationDetails: { comment: null, feedback: null, reason: null },
          trialStartS: null,
          trialEndS: null,
          collectionMethod: "charge_automatically",
          defaultPaymentMethod: pm,
          latestInvoice: latest,
          metadata: {},
        }),
      );
    }
  }
  let groundTruth: GroundTruth | undefined;
  if (opts.groundTruth !== false) {
    const counts = { domain_same_name: 0, domain_different_name: 0, name_only: 0, metadata_link: 0, ambiguous_domain: 0, stripe_only: 0, hubspot_only: 0 };
    for (const a of gt) counts[a.category]++;
    counts.hubspot_only = Math.max(0, nCompanies - (gt.length - counts.stripe_only));
    groundTruth = { source: `synthetic(seed=${seed})`, counts, accounts: gt, notes: { hubspotOnly: "companies without a customer (index >= customers, or a Stripe-only customer's index) are HubSpot-only" } };
  }

  return {
    version: 1,
    clock: { now: iso(nowMs), speed: 1 },
    hubspot: { portal: { id: 4_820_134, name: "Synthetic SaaS" }, owners, companies, contacts, deals, calls, meetings, notes, tickets },
    stripe: {
      account: makeAccount({ id: ids.next("acct"), name: "Synthetic SaaS", email: "billing@synthetic.example", createdS: catalog, url: "https://synthetic.example" }),
      products,
      prices,
      customers,
      subscriptions,
      invoices,
      charges,
      payment_methods: pms,
    },
    ...(groundTruth ? { groundTruth } : {}),
  };
}
