/**
 * The pure core of identity resolution (docs/identity.md): given every source record of one
 * organization, its current links and the admin's rejections, decide which account each record
 * belongs to and which ambiguous pairs need review. No I/O; `resolveIdentities` applies the plan.
 *
 * The plan is a function of its input: running it again on its own result changes nothing
 * (idempotent), which is what lets every sync call resolution unconditionally.
 *
 * Rules, in order, for a Stripe customer (HubSpot companies anchor accounts):
 * 1. explicit_metadata (1.0): `metadata.hubspot_company_id` names exactly one account's company.
 * 2. email_domain (0.9): the customer's (non-free-mail) e-mail domain equals the domain of the
 *    companies of exactly one account; several accounts → review candidates, no merge.
 * 3. normalized_name (0.6): same `companyNameKey` and no conflicting evidence → review candidate
 *    only (never an automatic merge).
 * Otherwise the record keeps / gets an account of its own (new_account).
 * Manual records (`isManual`) are never moved; a rejected (record, account) pair is never merged
 * or proposed again.
 */
import type { MatchRule } from "@/lib/generated/sqlite/client";
import { companyEmailDomain, companyNameKey, normalizeDomain } from "./normalize";
import { isFreeMailDomain } from "./free-mail-domains";
import { COMPANY, CUSTOMER, companyDomainOf, hubspotCompanyIdOf, type IdentitySource } from "./source-record";

/** Confidence stored with each rule (0-1). */
export const RULE_CONFIDENCE: Record<MatchRule, number> = {
  explicit_metadata: 1,
  manual: 1,
  email_domain: 0.9,
  normalized_name: 0.6,
  new_account: 1,
};

/** Confidence of a hubspot_company_id that names companies in several portals (review only). */
export const AMBIGUOUS_EXPLICIT_CONFIDENCE = 0.9;

/** Name matches against more accounts than this are too generic to propose. */
export const MAX_NAME_CANDIDATES = 5;

/** A change to one source record's link. */
export type LinkAssignment = {
  sourceRecordId: string;
  connectionId: string;
  accountId: string;
  rule: MatchRule;
  confidence: number;
  /** True when the account changes (false: only rule/confidence are refreshed). */
  moved: boolean;
};

/** A pair an admin should review (MatchCandidate with status pending). */
export type CandidateProposal = {
  sourceRecordId: string;
  accountId: string;
  rule: MatchRule;
  confidence: number;
  reason: string;
};

export type IdentityPlan = {
  /** Ids of accounts to create (their fields are computed from their sources afterwards). */
  newAccountIds: string[];
  /** Only records whose account, rule or confidence change. */
  assignments: LinkAssignment[];
  /** The complete desired set of pending candidates of the organization. */
  candidates: CandidateProposal[];
  /** Accounts that had sources and have none after the plan; `mergedInto` receives their history. */
  emptiedAccounts: { accountId: string; mergedInto: string | null }[];
  /** sourceRecordId → accountId after the plan, for every record. */
  finalAccountOf: Map<string, string>;
};

export type PlanInput = {
  sources: IdentitySource[];
  /** Keys `pairKey(sourceRecordId, accountId)` of rejected MatchCandidates. */
  rejected: ReadonlySet<string>;
  /** Id generator for new accounts. */
  newId: () => string;
};

/** Key of a (source record, account) pair in `PlanInput.rejected`. */
export function pairKey(sourceRecordId: string, accountId: string): string {
  return `${sourceRecordId}\u0000${accountId}`;
}

type Target =
  | { kind: "merge"; accountId: string; rule: MatchRule }
  | { kind: "standalone"; candidates: CandidateProposal[] };

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Build the plan. See the module comment for the rules. */
export function planIdentityLinks(input: PlanInput): IdentityPlan {
  const { sources, rejected, newId } = input;
  const finalAccountOf = new Map<string, string>();
  const assignments: LinkAssignment[] = [];
  const newAccountIds: string[] = [];
  const candidates: CandidateProposal[] = [];

  const assign = (s: IdentitySource, accountId: string, rule: MatchRule, confidence: number) => {
    finalAccountOf.set(s.id, accountId);
    const moved = s.accountId !== accountId;
    if (moved || s.matchRule !== rule || s.matchConfidence !== confidence) {
      assignments.push({ sourceRecordId: s.id, connectionId: s.connectionId, accountId, rule, confidence, moved });
    }
  };
  const createAccount = () => {
    const id = newId();
    newAccountIds.push(id);
    return id;
  };

  const companies = sources.filter((s) => s.objectType === COMPANY);
  const others = sources.filter((s) => s.objectType !== COMPANY);

  // 1. Companies anchor accounts: keep their account, or give them a new one.
  for (const c of companies) {
    if (c.accountId) {
      finalAccountOf.set(c.id, c.accountId);
      if (!c.isManual && c.matchRule === null) assign(c, c.accountId, "new_account", RULE_CONFIDENCE.new_account);
    } else {
      const rule: MatchRule = c.isManual ? "manual" : "new_account";
      assign(c, createAccount(), rule, RULE_CONFIDENCE[rule]);
    }
  }

  const accountsWithCompany = new Set(companies.map((c) => finalAccountOf.get(c.id)!));
  const byExternalId = new Map<string, IdentitySource[]>();
  const byDomain = new Map<string, IdentitySource[]>();
  const byNameKey = new Map<string, IdentitySource[]>();
  for (const c of companies) {
    pushTo(byExternalId, c.externalId, c);
    const d = companyDomainOf(c);
    if (d) pushTo(byDomain, d, c);
    const k = companyNameKey(c.name);
    if (k) pushTo(byNameKey, k, c);
  }
  const accountsOf = (list: IdentitySource[] | undefined) => [...new Set((list ?? []).map((c) => finalAccountOf.get(c.id)!))];

  // 2. Customers (and any other non-company record type): manual ones stay, the rest follow the rules.
  for (const s of others) {
    if (s.isManual) {
      if (s.accountId) finalAccountOf.set(s.id, s.accountId);
      else assign(s, createAccount(), "manual", RULE_CONFIDENCE.manual);
      continue;
    }
    const target = s.objectType === CUSTOMER ? targetFor(s) : { kind: "standalone" as const, candidates: [] };
    if (target.kind === "merge") {
      assign(s, target.accountId, target.rule, RULE_CONFIDENCE[target.rule]);
      continue;
    }
    // Standalone: keep a company-less account, otherwise detach into a new one.
    const keep = s.accountId !== null && !accountsWithCompany.has(s.accountId);
    assign(s, keep ? s.accountId! : createAccount(), "new_account", RULE_CONFIDENCE.new_account);
    candidates.push(...target.candidates);
  }

  function targetFor(s: IdentitySource): Target {
    const notRejected = (accountId: string) => !rejected.has(pairKey(s.id, accountId));

    // Rule 1: explicit metadata.hubspot_company_id.
    const hsId = hubspotCompanyIdOf(s);
    if (hsId) {
      const accounts = accountsOf(byExternalId.get(hsId));
      if (accounts.length === 1 && notRejected(accounts[0])) return { kind: "merge", accountId: accounts[0], rule: "explicit_metadata" };
      if (accounts.length > 1) {
        return {
          kind: "standalone",
          candidates: accounts.filter(notRejected).map((accountId) => ({
            sourceRecordId: s.id, accountId, rule: "explicit_metadata", confidence: AMBIGUOUS_EXPLICIT_CONFIDENCE,
            reason: `metadata.hubspot_company_id "${hsId}" names companies in ${accounts.length} HubSpot portals`,
          })),
        };
      }
    }

    // Rule 2: e-mail domain = company domain (never free-mail).
    const ownDomain = normalizeDomain(s.domain);
    const domain = companyEmailDomain(s.email) ?? (ownDomain && !isFreeMailDomain(ownDomain) ? ownDomain : null);
    if (domain) {
      const accounts = accountsOf(byDomain.get(domain));
      if (accounts.length === 1 && notRejected(accounts[0])) return { kind: "merge", accountId: accounts[0], rule: "email_domain" };
      if (accounts.length > 1) {
        return {
          kind: "standalone",
          candidates: accounts.filter(notRejected).map((accountId) => ({
            sourceRecordId: s.id, accountId, rule: "email_domain", confidence: RULE_CONFIDENCE.email_domain,
            reason: `E-mail domain ${domain} matches HubSpot companies of ${accounts.length} accounts`,
          })),
        };
      }
    }

    // Rule 3: exact normalized name, review only, and only without conflicting evidence.
    const key = companyNameKey(s.name);
    if (key) {
      const matches = (byNameKey.get(key) ?? []).filter((c) => {
        const cd = companyDomainOf(c);
        return !(domain && cd && cd !== domain); // a company e-mail on another domain contradicts the name
      });
      const accounts = accountsOf(matches).filter(notRejected);
      if (accounts.length > 0 && accounts.length <= MAX_NAME_CANDIDATES) {
        const evidence = s.email ? (domain ? `e-mail domain ${domain} not known in HubSpot` : "free-mail e-mail") : "no e-mail";
        return {
          kind: "standalone",
          candidates: accounts.map((accountId) => ({
            sourceRecordId: s.id, accountId, rule: "normalized_name", confidence: RULE_CONFIDENCE.normalized_name,
            reason: `Same normalized name "${key}" (${evidence})${accounts.length > 1 ? `; ${accounts.length} accounts share it` : ""}`,
          })),
        };
      }
    }
    return { kind: "standalone", candidates: [] };
  }

  // 3. Accounts left without sources, and where their sources went.
  const before = new Map<string, string[]>();
  for (const s of sources) if (s.accountId) pushTo(before, s.accountId, s.id);
  const stillUsed = new Set(finalAccountOf.values());
  const emptiedAccounts: IdentityPlan["emptiedAccounts"] = [];
  for (const [accountId, ids] of before) {
    if (stillUsed.has(accountId)) continue;
    const counts = new Map<string, number>();
    for (const id of ids) {
      const to = finalAccountOf.get(id)!;
      counts.set(to, (counts.get(to) ?? 0) + 1);
    }
    const mergedInto = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    emptiedAccounts.push({ accountId, mergedInto });
  }

  return { newAccountIds, assignments, candidates, emptiedAccounts, finalAccountOf };
}
