/**
 * Runs one typed command for a signed-in user (POST /api/commands; the palette calls it too).
 *
 *   runCommand(db, user, {text, confirm}) → CommandOutcome
 *
 * 1. parseCommand(text) (lib/commands/parse-command.ts) → what was understood, described in words.
 * 2. Commands that write or start a job (sync, score all, push scores, retrain) need the admin role
 *    (owner or admin, as the routes they stand for: POST /api/integrations/{name}/sync, /score,
 *    /hubspot/push-scores, /api/models/train). Without `confirm: true` they only answer
 *    `status: "needs_confirmation"` with the description — nothing runs. With it, the same library calls as
 *    those routes run and the started jobs are returned (id, status, href of GET /api/jobs/{id}).
 * 3. Read commands answer at once: `navigate` with the console URL (an accounts view with its filters, an
 *    account page section, a page), with a small preview for chat tools (first rows and total); `choose` when
 *    several accounts match; `not_found` / `not_understood` with a message in user words.
 * Every query is scoped to the caller's organization.
 *
 * @throws AppError forbidden — a CSM asking for a write command or an admin page (message names the role).
 * @throws AppError conflict — nothing to run it on (no HubSpot connection, write-back off, reconnect needed).
 */
import { hasRole, type UserContext } from "@/lib/auth/context";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { enqueueJob, type JobView } from "@/lib/jobs";
import { listAccountScores, ZAccountListQuery } from "@/lib/queries/list-account-scores";
import { describeCommand, describeFilter, PAGES, parseCommand, WRITE_COMMANDS, type AccountFilter, type ParsedCommand } from "./parse-command";
import { searchAccounts, type AccountSearchHit } from "./search-accounts";

export type CommandStatus = "needs_confirmation" | "started" | "navigate" | "choose" | "not_found" | "not_understood";

export type CommandOutcome = {
  understood: { kind: ParsedCommand["kind"]; summary: string; writes: boolean; params: Record<string, unknown> };
  status: CommandStatus;
  /** What to tell the user, in product words. */
  message: string;
  /** Console URL to open (navigate), else null. */
  href: string | null;
  /** Jobs started (status started): follow them with GET /api/jobs/{id}. */
  jobs: { id: string; name: string; status: string; label: string; href: string }[];
  /** Accounts to choose from (choose / not_understood). */
  candidates: { accountId: string; name: string; domain: string | null; matchedBy: string; href: string }[];
  /** A taste of what `href` shows, for chat tools: total rows and up to 10 of them. */
  preview: { total: number; rows: Record<string, unknown>[] } | null;
};

const SECTION_ANCHOR = { overview: "", deals: "#deals", invoices: "#invoices", contacts: "#contacts" } as const;

function outcome(c: ParsedCommand, rest: Partial<CommandOutcome> & Pick<CommandOutcome, "status" | "message">): CommandOutcome {
  const { kind, ...params } = c;
  return {
    understood: { kind, summary: describeCommand(c), writes: WRITE_COMMANDS.has(kind), params },
    href: null, jobs: [], candidates: [], preview: null,
    ...rest,
  };
}

const jobLink = (j: JobView, label: string) => ({ id: j.id, name: j.name, status: j.status, label, href: `/api/jobs/${j.id}` });

/** The accounts-table URL of a filter (the /accounts page reads the same parameters as GET /api/accounts). */
function accountsHref(f: AccountFilter, ownerId: string | null): string {
  const p = new URLSearchParams();
  if (f.riskLevels?.length) p.set("risk_level", f.riskLevels.join(","));
  if (f.trend?.length) p.set("trend", f.trend.join(","));
  if (f.lifecycle?.length) p.set("lifecycle", f.lifecycle.join(","));
  if (f.renewalWithinDays !== undefined) { p.set("renewal_within_days", String(f.renewalWithinDays)); p.set("sort", "renewal_date"); }
  if (ownerId) p.set("owner", ownerId);
  const s = p.toString();
  return s ? `/accounts?${s}` : "/accounts";
}

/** The organization's owner a typed name or e-mail means: exact e-mail, exact full name, then a unique partial match. */
async function resolveOwner(db: Db, organizationId: string, typed: string): Promise<{ id: string; name: string } | { ambiguous: string[] } | null> {
  const owners = await db.owner.findMany({ where: { organizationId, archived: false }, select: { id: true, firstName: true, lastName: true, email: true } });
  const named = owners.map((o) => ({ id: o.id, email: o.email?.toLowerCase() ?? "", name: [o.firstName, o.lastName].filter(Boolean).join(" ") || o.email || o.id }));
  const t = typed.toLowerCase().trim();
  const exact = named.filter((o) => o.email === t || o.name.toLowerCase() === t);
  if (exact.length === 1) return exact[0]!;
  const partial = named.filter((o) => o.name.toLowerCase().split(/\s+/).some((w) => w === t) || o.name.toLowerCase().includes(t) || o.email.startsWith(`${t}@`));
  if (partial.length === 1) return partial[0]!;
  if (partial.length > 1) return { ambiguous: partial.slice(0, 5).map((o) => o.name) };
  return null;
}

export async function runCommand(db: Db, user: UserContext, input: { text: string; confirm?: boolean }, now = new Date()): Promise<CommandOutcome> {
  const c = parseCommand(input.text, now);
  const summary = describeCommand(c);
  const isAdmin = hasRole(user.role, "admin");
  const org = user.organizationId;

  if (WRITE_COMMANDS.has(c.kind)) {
    if (!isAdmin) {
      throw new AppError("forbidden", `"${summary}" needs the admin role, and you are signed in as a ${user.role.toUpperCase()}: ask an admin of ${user.organizationName} to run it. You can still open accounts, their deals, invoices and contacts, and the filtered account views.`);
    }
    if (!input.confirm) return outcome(c, { status: "needs_confirmation", message: `${summary}. Confirm to run it.` });
  }

  switch (c.kind) {
    case "sync": {
      const { startConnectionSync } = await import("@/lib/integrations/manage-connections");
      const conns = await db.connection.findMany({
        where: { organizationId: org, ...(c.provider === "all" ? {} : { provider: c.provider }), status: { not: "disconnected" }, credentialsEnc: { not: null } },
        orderBy: { createdAt: "asc" },
      });
      const name = c.provider === "all" ? "HubSpot or Stripe" : c.provider === "hubspot" ? "HubSpot" : "Stripe";
      if (!conns.length) throw new AppError("conflict", `There is no ${name} connection to sync: connect ${name} on the Integrations page first.`);
      const usable = conns.filter((x) => x.status !== "reconnect_needed");
      if (!usable.length) throw new AppError("conflict", `${name} access was revoked or expired: reconnect it on the Integrations page, then sync.`);
      const jobs = [];
      for (const conn of usable) {
        const r = await startConnectionSync(db, { organizationId: org, connectionId: conn.id, full: c.full, trigger: "manual" });
        jobs.push(jobLink(r.job, `${c.full ? "Full sync" : "Sync"} of ${conn.provider === "hubspot" ? "HubSpot" : "Stripe"} "${conn.displayName}"${r.deduplicated ? " (already running)" : ""}`));
      }
      const skipped = conns.length - usable.length;
      return outcome(c, { status: "started", message: `Started: ${jobs.map((j) => j.label).join("; ")}.${skipped ? ` ${skipped} connection(s) need reconnecting and were not synced.` : ""}`, jobs, href: "/integrations" });
    }
    case "score_all": {
      const { job } = await enqueueJob(db, "refresh-organization-job", { organizationId: org, trigger: "manual" }, { organizationId: org });
      return outcome(c, { status: "started", message: "Scoring every account: identity → today's signals → health scores.", jobs: [jobLink(job, "Score all accounts")], href: "/accounts" });
    }
    case "push_scores": {
      const { enqueuePushScores } = await import("@/lib/connectors/hubspot/jobs");
      const jobs = await enqueuePushScores(db, { organizationId: org });
      if (!jobs.length) throw new AppError("conflict", "No HubSpot connection has write-back on: turn on \"Write health scores back to HubSpot\" on the Integrations page first.");
      return outcome(c, { status: "started", message: `Pushing changed health scores to HubSpot (${jobs.length} connection${jobs.length === 1 ? "" : "s"}).`, jobs: jobs.map((j) => jobLink(j, "Push health scores to HubSpot")), href: "/integrations" });
    }
    case "retrain_model": {
      const { trainAndStoreModel } = await import("@/lib/model/train-from-db");
      const model = await trainAndStoreModel(db, { organizationId: org, now });
      const { job } = await enqueueJob(db, "refresh-organization-job", { organizationId: org, trigger: "model" }, { organizationId: org });
      return outcome(c, { status: "started", message: `Model v${model.version} (${model.status.replaceAll("_", " ")}, ${model.trainingRows} training rows); re-scoring every account with it.`, jobs: [jobLink(job, "Re-score with the new model")], href: "/settings/scoring" });
    }
    case "open_page": {
      const page = PAGES[c.page];
      if (page.adminOnly && !isAdmin) throw new AppError("forbidden", `${page.label} is for admins, and you are signed in as a ${user.role.toUpperCase()}.`);
      return outcome(c, { status: "navigate", message: `Opening ${page.label}.`, href: page.href });
    }
    case "list_accounts": {
      let ownerId: string | null = null;
      const f = c.filter;
      if (f.ownerIsMe) {
        const mine = await db.owner.findFirst({ where: { organizationId: org, archived: false, email: user.email.toLowerCase() }, select: { id: true } });
        if (!mine) return outcome(c, { status: "not_found", message: `No HubSpot owner has your e-mail (${user.email}), so no accounts are assigned to you. Try "critical accounts of <owner name>".` });
        ownerId = mine.id;
      } else if (f.ownerName) {
        const o = await resolveOwner(db, org, f.ownerName);
        if (!o) return outcome(c, { status: "not_found", message: `No account owner matches "${f.ownerName}". Owners come from HubSpot; check the spelling or use their e-mail.` });
        if ("ambiguous" in o) return outcome(c, { status: "not_found", message: `"${f.ownerName}" matches several owners (${o.ambiguous.join(", ")}): type the full name.` });
        ownerId = o.id;
      }
      const href = accountsHref(f, ownerId);
      const query = ZAccountListQuery.parse(Object.fromEntries(new URLSearchParams({ ...Object.fromEntries(new URL(href, "http://x").searchParams), limit: "10" })));
      const page = await listAccountScores(db, org, query);
      return outcome(c, {
        status: "navigate", href,
        message: `${page.total} account${page.total === 1 ? "" : "s"}: ${describeFilter(f)}.`,
        preview: { total: page.total, rows: page.data.map((r) => ({ account_id: r.accountId, name: r.name, health_score: r.healthScore, risk_level: r.riskLevel, renewal_date: r.renewalDate?.toISOString().slice(0, 10) ?? null, owner: r.owner?.name ?? null })) },
      });
    }
    case "open_account": {
      const hits = await searchAccounts(db, org, c.accountQuery, 6);
      const cand = (h: AccountSearchHit) => ({ accountId: h.accountId, name: h.name, domain: h.domain, matchedBy: h.matchedBy, href: `/accounts/${h.accountId}${SECTION_ANCHOR[c.section]}` });
      if (!hits.length) return outcome(c, { status: "not_found", message: `No account matches "${c.accountQuery}" (searched names, domains, HubSpot and Stripe ids).` });
      const best = hits[0]!;
      const clear = hits.length === 1 || best.rank < hits[1]!.rank;
      if (!clear) return outcome(c, { status: "choose", message: `${hits.length} accounts match "${c.accountQuery}": pick one.`, candidates: hits.map(cand) });
      return outcome(c, {
        status: "navigate", href: cand(best).href, candidates: [cand(best)],
        message: `Opening the ${c.section === "overview" ? "account page" : c.section} of ${best.name}.`,
        preview: c.section === "overview" ? null : await sectionPreview(db, org, best.accountId, c.section),
      });
    }
    case "unknown": {
      const hits = c.text ? await searchAccounts(db, org, input.text, 6) : [];
      return outcome(c, {
        status: hits.length ? "choose" : "not_understood",
        message: hits.length
          ? `Not a command; ${hits.length} account${hits.length === 1 ? "" : "s"} match "${input.text.trim()}".`
          : `Not understood. Try "sync hubspot data", "show hubspot deals for <account>", "update hubspot with latest health scores", "which accounts renew this month and are at risk" or "critical accounts of <owner>".`,
        candidates: hits.map((h) => ({ accountId: h.accountId, name: h.name, domain: h.domain, matchedBy: h.matchedBy, href: `/accounts/${h.accountId}` })),
      });
    }
  }
}

/** Up to 10 deals / invoices / contacts of one account (already checked to belong to the organization). */
async function sectionPreview(db: Db, organizationId: string, accountId: string, section: "deals" | "invoices" | "contacts"): Promise<CommandOutcome["preview"]> {
  const where = { organizationId, accountId };
  if (section === "deals") {
    const [total, rows] = await Promise.all([db.deal.count({ where: { ...where, archivedAt: null } }), db.deal.findMany({ where: { ...where, archivedAt: null }, orderBy: [{ closeDate: "desc" }], take: 10 })]);
    return { total, rows: rows.map((d) => ({ name: d.name, stage: d.dealStage, renewal_stage: d.renewalStage, amount_cents: d.amountCents, currency: d.currency, close_date: d.closeDate?.toISOString().slice(0, 10) ?? null })) };
  }
  if (section === "invoices") {
    const [total, rows] = await Promise.all([db.invoice.count({ where }), db.invoice.findMany({ where, orderBy: [{ sourceCreatedAt: "desc" }], take: 10 })]);
    return { total, rows: rows.map((i) => ({ invoice: i.externalId, status: i.status, amount_due_cents: i.amountDueCents, currency: i.currency, due_date: i.dueDate?.toISOString().slice(0, 10) ?? null, paid_at: i.paidAt?.toISOString() ?? null })) };
  }
  const [total, rows] = await Promise.all([db.contact.count({ where: { ...where, archivedAt: null } }), db.contact.findMany({ where: { ...where, archivedAt: null }, orderBy: [{ lastActivityAt: "desc" }], take: 10 })]);
  return { total, rows: rows.map((x) => ({ name: [x.firstName, x.lastName].filter(Boolean).join(" ") || null, email: x.email, job_title: x.jobTitle })) };
}
