/**
 * The command grammar of the palette and of `POST /api/commands`: a deterministic parser that turns a
 * sentence in plain words ("sync hubspot data", "show hubspot deals for acme", "update hubspot with latest
 * health scores", "which accounts renew this month and are at risk", "critical accounts of Jane Doe") into
 * one command. No model, no network, no database: the same text always gives the same command, so the
 * grammar is tested as a table (tests/commands/parse-command.test.ts) and documented in docs/commands.md.
 *
 * Grammar (after normalising: lower case, politeness words and trailing punctuation dropped, white space
 * collapsed), tried in this order — the first rule that matches wins:
 *   1. push scores   "(update|push|send|write) … hubspot … (health )?scores" / "push scores (to|back to) hubspot"
 *   2. retrain       "(re)train (the )?(churn )?model"
 *   3. score all     "(re)score (all )?(accounts)?", "(recalculate|refresh|recompute) (health )?scores"
 *   4. sync          "(full )?(re)sync [provider] [data]", "pull … from <provider>", "refresh <provider> data";
 *                    "full" / "resync" / "re-sync" / "from scratch" mean a full re-sync
 *   5. open section  "(show|open|view|list)? [provider] (deals|invoices|contacts) (for|of|at) <account>"
 *   6. account list  any of: risk words (healthy, at risk, critical), trend words (declining, improving),
 *                    lifecycle words (churned, trialing, prospects, past due), "renew(ing|s|al) this month |
 *                    this week | this quarter | in (the next) N days", "of|owned by|for <owner>", "my"
 *                    — together with the word "accounts"/"customers" or a renewal phrase
 *   7. open page     "(go to|open|show)? (dashboard|accounts|integrations|match review|scoring|users|settings)"
 *   8. open account  "(open|go to|show|find) (account )?<account>"
 * Anything else is `unknown` (the palette then searches accounts with the raw text).
 *
 * Dates are computed by the caller-supplied `now` (UTC): "this month" = from now to the end of the month.
 */

export type Provider = "hubspot" | "stripe";
export type RiskLevel = "healthy" | "at_risk" | "critical";
export type AccountSection = "overview" | "deals" | "invoices" | "contacts";
export type PageKey = "dashboard" | "accounts" | "integrations" | "matches" | "scoring" | "users";

/** The filters of an accounts-table view the parser understood (the /accounts URL parameters). */
export type AccountFilter = {
  riskLevels?: RiskLevel[];
  trend?: ("improving" | "stable" | "declining")[];
  lifecycle?: ("churned" | "trialing" | "prospect" | "past_due" | "paused" | "customer" | "all")[];
  /** Renewal within this many days from `now` (whole days, rounded up). */
  renewalWithinDays?: number;
  /** Owner as typed ("jane doe", "jane@acme.com"), resolved against the organization's owners by the executor. */
  ownerName?: string;
  /** "my …": the signed-in user's own accounts (owner with the same e-mail). */
  ownerIsMe?: boolean;
};

export type ParsedCommand =
  | { kind: "sync"; provider: Provider | "all"; full: boolean }
  | { kind: "score_all" }
  | { kind: "push_scores" }
  | { kind: "retrain_model" }
  | { kind: "open_account"; section: AccountSection; accountQuery: string; provider?: Provider }
  | { kind: "list_accounts"; filter: AccountFilter }
  | { kind: "open_page"; page: PageKey }
  | { kind: "unknown"; text: string };

export type CommandKind = ParsedCommand["kind"];

/** Commands that change data or start a job: shown and confirmed before they run, admin role only. */
export const WRITE_COMMANDS: ReadonlySet<CommandKind> = new Set(["sync", "score_all", "push_scores", "retrain_model"]);

export const PAGES: Record<PageKey, { href: string; label: string; adminOnly: boolean }> = {
  dashboard: { href: "/", label: "Dashboard", adminOnly: false },
  accounts: { href: "/accounts", label: "Accounts (latest churn scores)", adminOnly: false },
  matches: { href: "/accounts/matches", label: "Match review", adminOnly: true },
  integrations: { href: "/integrations", label: "Integrations", adminOnly: true },
  scoring: { href: "/settings/scoring", label: "Scoring settings", adminOnly: true },
  users: { href: "/settings/users", label: "Users", adminOnly: true },
};

const PROVIDER_LABEL: Record<Provider | "all", string> = { hubspot: "HubSpot", stripe: "Stripe", all: "every connection" };
const SECTION_LABEL: Record<AccountSection, string> = { overview: "account page", deals: "HubSpot deals", invoices: "Stripe invoices", contacts: "HubSpot contacts" };
const RISK_LABEL: Record<RiskLevel, string> = { healthy: "healthy", at_risk: "at risk", critical: "critical" };

/** Lower case, typographic quotes/dashes folded, politeness and filler dropped, white space collapsed. */
export function normalizeCommandText(text: string): string {
  let s = text.normalize("NFKC").toLowerCase()
    .replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').replace(/[\u2013\u2014]/g, "-")
    .replace(/^[\s/>]+/, "")
    .replace(/[\s?!.]+$/, "")
    .replace(/\s+/g, " ")
    .trim();
  // Leading politeness / question starters ("please", "can you", "could you please", "i want to", "let's").
  for (let i = 0; i < 4; i++) {
    const before = s;
    s = s.replace(/^(please|pls|kindly|hey|ok|okay|can you|could you|would you|will you|i want to|i'd like to|i would like to|let's|lets|go ahead and|now)\b,?\s*/, "");
    if (s === before) break;
  }
  s = s.replace(/\s*,?\s*\b(please|now|right now|for me)$/, "").trim();
  return s;
}

function providerIn(s: string): Provider | undefined {
  if (/\b(hubspot|hub spot|crm)\b/.test(s)) return "hubspot";
  if (/\b(stripe|billing)\b/.test(s)) return "stripe";
  return undefined;
}

/** Whole days from `now` to the end (exclusive) of the current UTC month / week (Mon-Sun) / quarter. */
function daysToEndOf(period: "week" | "month" | "quarter", now: Date): number {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  let end: number;
  if (period === "month") end = Date.UTC(y, m + 1, 1);
  else if (period === "quarter") end = Date.UTC(y, Math.floor(m / 3) * 3 + 3, 1);
  else {
    const dow = (now.getUTCDay() + 6) % 7; // Monday = 0
    end = Date.UTC(y, m, now.getUTCDate() - dow + 7);
  }
  return Math.max(1, Math.ceil((end - now.getTime()) / 86_400_000));
}

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, fourteen: 14, thirty: 30, sixty: 60, ninety: 90 };

function renewalDays(s: string, now: Date): number | undefined {
  if (!/\b(renew|renews|renewing|renewal|renewals|up for renewal)\b/.test(s)) return undefined;
  if (/\bthis month\b/.test(s)) return daysToEndOf("month", now);
  if (/\bthis week\b/.test(s)) return daysToEndOf("week", now);
  if (/\bthis quarter\b/.test(s)) return daysToEndOf("quarter", now);
  if (/\bnext month\b/.test(s)) return daysToEndOf("month", new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))) + daysToEndOf("month", now);
  const n = /\b(?:in|within)\s+(?:the\s+)?(?:next\s+)?(\d{1,4}|[a-z]+)\s+(day|days|week|weeks|month|months)\b/.exec(s)
    ?? /\bnext\s+(\d{1,4}|[a-z]+)\s+(day|days|week|weeks|month|months)\b/.exec(s);
  if (n) {
    const count = /^\d+$/.test(n[1]!) ? Number(n[1]) : NUMBER_WORDS[n[1]!];
    if (count !== undefined) {
      const unit = n[2]!.startsWith("week") ? 7 : n[2]!.startsWith("month") ? 30 : 1;
      return Math.min(3650, count * unit);
    }
  }
  if (/\bsoon\b/.test(s)) return 30;
  return 30; // "accounts up for renewal": the next 30 days
}

/** Account names / owner names keep the user's text, minus quotes and a trailing "account(s)". */
function cleanName(raw: string): string {
  let s = raw.trim();
  for (let i = 0; i < 3; i++) s = s.replace(/^(the|account|company|customer)\s+/, "").replace(/\s+(account|company|customer)$/, "").replace(/^["'`]+|["'`]+$/g, "").trim();
  return s;
}

function parseAccountList(s: string, now: Date): AccountFilter | null {
  const filter: AccountFilter = {};
  let signals = 0;
  const risk = new Set<RiskLevel>();
  if (/\bcritical\b/.test(s)) risk.add("critical");
  // "at risk" reads as "at risk or worse": the critical band is more at risk than the at-risk band.
  if (/\b(at[ -]risk|risky|in danger)\b/.test(s)) { risk.add("at_risk"); risk.add("critical"); }
  if (/\bhealthy\b/.test(s)) risk.add("healthy");
  if (risk.size) { filter.riskLevels = (["healthy", "at_risk", "critical"] as const).filter((r) => risk.has(r)); signals++; }
  const trend = (["declining", "improving"] as const).filter((t) => new RegExp(`\\b${t}\\b`).test(s) || (t === "declining" && /\b(dropping|falling|getting worse)\b/.test(s)));
  if (trend.length) { filter.trend = [...trend]; signals++; }
  const life: NonNullable<AccountFilter["lifecycle"]> = [];
  if (/\b(churned|lost customers|cancelled customers|canceled customers)\b/.test(s)) life.push("churned");
  if (/\b(trialing|trials?|in trial)\b/.test(s)) life.push("trialing");
  if (/\bprospects?\b/.test(s)) life.push("prospect");
  if (/\bpast[ -]due\b/.test(s)) life.push("past_due");
  if (/\bpaused\b/.test(s)) life.push("paused");
  if (/\ball accounts\b/.test(s) && !risk.size) life.push("all");
  if (life.length) { filter.lifecycle = life; signals++; }
  const days = renewalDays(s, now);
  if (days !== undefined) { filter.renewalWithinDays = days; signals++; }
  if (/^(my|show my|list my)\b|\bmy (accounts|customers|book)\b/.test(s)) { filter.ownerIsMe = true; signals++; }
  const owner = /\b(?:of|owned by|for|managed by|assigned to|belonging to)\s+([a-z0-9][\w .'@-]*?)$/.exec(s);
  if (owner && !/^(this|next|the next|renewal)\b/.test(owner[1]!)) {
    const name = cleanName(owner[1]!);
    if (name && !/^(me|mine|my)$/.test(name)) { filter.ownerName = name; signals++; }
    else if (/^(me|mine|my)$/.test(name)) { filter.ownerIsMe = true; signals++; }
  }
  const mentionsAccounts = /\b(accounts?|customers?|clients?|companies|renewals?)\b/.test(s);
  if (!signals || (!mentionsAccounts && days === undefined)) return null;
  return filter;
}

const PAGE_WORDS: [RegExp, PageKey][] = [
  [/^(home|dashboard|overview)$/, "dashboard"],
  [/^(accounts|account list|all accounts|latest churn scores|churn scores|scores|customers)$/, "accounts"],
  [/^(integrations?|connections?|hubspot and stripe|connectors?|sync status)$/, "integrations"],
  [/^(match review|matches|review matches|identity matches|match candidates)$/, "matches"],
  [/^(scoring|scoring settings|scoring config|score settings|weights|model settings|settings)$/, "scoring"],
  [/^(users|team|members|user management|invite users?)$/, "users"],
];

/**
 * Parse one sentence.
 * @param text what the user typed (any length; only the first 300 characters are read).
 * @param now the moment "this month" etc. are relative to (UTC).
 * @returns the command; `{kind: "unknown"}` when no rule matched (never throws).
 */
export function parseCommand(text: string, now: Date = new Date()): ParsedCommand {
  const s = normalizeCommandText(text.slice(0, 300));
  if (!s) return { kind: "unknown", text: "" };

  // 1. Push health scores to HubSpot.
  if (/\b(update|push|send|write|sync)\b.*\bhubspot\b.*\bscores?\b/.test(s)
    || /\b(push|send|write|sync|export)\b.*\bscores?\b.*\b(to|into|back to|in)\s+hubspot\b/.test(s)
    || /^(push|write[ -]back|writeback)( (health )?scores)?$/.test(s)) {
    return { kind: "push_scores" };
  }
  // 2. Retrain the churn model.
  if (/^(re-?train|train|refit|re-?fit)\b.*\bmodel\b/.test(s) || /^(re-?train)( it)?$/.test(s) || /^update (the )?(churn )?model$/.test(s)) return { kind: "retrain_model" };
  // 3. Score all accounts.
  if (/^(re-?score|score|re-?calculate|recompute|refresh|update|compute|calculate|run)\b.*\b(health )?scor(es?|ing)\b/.test(s) && !providerIn(s)
    || /^(re-?score|score)( all| every)?( the)?( accounts?| customers?)?$/.test(s)) {
    return { kind: "score_all" };
  }
  // 4. Sync a connection.
  const provider = providerIn(s);
  const full = /\b(full|re-?sync|from scratch|everything again|complete|all records)\b/.test(s);
  if (/^(full |complete )?(re-?sync|sync|synchronise|synchronize|import)\b/.test(s)
    || /^(run|start|do|trigger|kick off)( an?| the)?( full| complete| new)? (re-?sync|sync)\b/.test(s)
    || (/^(pull|fetch|refresh|reload|get)\b/.test(s) && provider && /\b(data|latest|from|everything|records)\b/.test(s))) {
    if (!/\b(scores?|model)\b/.test(s)) return { kind: "sync", provider: provider ?? "all", full };
  }
  // 5. Deals / invoices / contacts of an account.
  let sec: { provider?: string; noun: string; account: string } | null = null;
  const m1 = /^(?:(?:show|open|view|list|see|find|get|display|what are)\s+(?:me\s+)?(?:the\s+|all\s+)?)?(?:(hubspot|stripe)\s+)?(deals?|invoices?|contacts?|people|stakeholders|billing)\s+(?:for|of|at|from|in|with|on)\s+(.+)$/.exec(s);
  if (m1) sec = { provider: m1[1], noun: m1[2]!, account: m1[3]! };
  const m2 = m1 ? null : /^(?:(?:show|open|view|list|see|get)\s+)?(?:the\s+)?(.+?)(?:'s|s')\s+(?:(hubspot|stripe)\s+)?(deals?|invoices?|contacts?)$/.exec(s);
  if (m2) sec = { provider: m2[2], noun: m2[3]!, account: m2[1]! };
  if (sec) {
    const section: AccountSection = sec.noun.startsWith("deal") ? "deals" : sec.noun.startsWith("invoice") || sec.noun === "billing" ? "invoices" : "contacts";
    const accountQuery = cleanName(sec.account);
    if (accountQuery) return { kind: "open_account", section, accountQuery, ...(sec.provider ? { provider: sec.provider as Provider } : {}) };
  }
  // 6. A filtered accounts view.
  const filter = parseAccountList(s, now);
  if (filter) return { kind: "list_accounts", filter };
  // 7. A page.
  const pageText = s.replace(/^(go to|goto|open|show|show me|take me to|navigate to|view)\s+(the\s+)?/, "").replace(/\s+page$/, "");
  for (const [re, page] of PAGE_WORDS) if (re.test(pageText)) return { kind: "open_page", page };
  // 8. One account.
  const acct = /^(?:open|go to|goto|show|show me|find|view|jump to|look up|lookup|search(?: for)?)\s+(?:the\s+)?(?:account\s+|customer\s+|company\s+)?(.+)$/.exec(s);
  if (acct) {
    const accountQuery = cleanName(acct[1]!);
    if (accountQuery) return { kind: "open_account", section: "overview", accountQuery };
  }
  return { kind: "unknown", text: s };
}

/** The sentence the palette and the API show for what was understood, e.g. "Sync HubSpot (full re-sync)". */
export function describeCommand(c: ParsedCommand): string {
  switch (c.kind) {
    case "sync": return `Sync ${PROVIDER_LABEL[c.provider]} (${c.full ? "full re-sync: re-read everything" : "incremental: changes since the last sync"})`;
    case "score_all": return "Score all accounts now (identity → today's signals → health scores)";
    case "push_scores": return "Push the latest health scores to HubSpot (connections with write-back on)";
    case "retrain_model": return "Retrain the churn model on this organization's history, then re-score";
    case "open_account": return `Open the ${SECTION_LABEL[c.section]} of the account matching "${c.accountQuery}"`;
    case "list_accounts": return `Show accounts: ${describeFilter(c.filter)}`;
    case "open_page": return `Go to ${PAGES[c.page].label}`;
    case "unknown": return c.text ? `Not a command: search accounts for "${c.text}"` : "Type a command or an account name";
  }
}

/** "risk level at risk or critical · renewing within 28 days · owner jane" */
export function describeFilter(f: AccountFilter): string {
  const parts: string[] = [];
  if (f.riskLevels?.length) parts.push(`risk level ${f.riskLevels.map((r) => RISK_LABEL[r]).join(" or ")}`);
  if (f.trend?.length) parts.push(`trend ${f.trend.join(" or ")}`);
  if (f.lifecycle?.length) parts.push(f.lifecycle.includes("all") ? "every lifecycle state" : `lifecycle ${f.lifecycle.map((l) => l.replace("_", " ")).join(" or ")}`);
  if (f.renewalWithinDays !== undefined) parts.push(`renewing within ${f.renewalWithinDays} day${f.renewalWithinDays === 1 ? "" : "s"}`);
  if (f.ownerName) parts.push(`owner "${f.ownerName}"`);
  if (f.ownerIsMe) parts.push("owned by you");
  return parts.join(" · ") || "all paying customers";
}
