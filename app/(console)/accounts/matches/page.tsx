/**
 * /accounts/matches (admin): ambiguous identity matches to confirm or reject (`?status=confirmed|rejected`
 * shows past decisions). The first page is read on the server with the same query as
 * `GET /api/accounts/matches`.
 */
import Link from "next/link";
import { NotAllowed } from "@/components/layout/not-allowed";
import { MatchReview, type MatchView } from "@/components/matches/match-review";
import { listMatchCandidates } from "@/lib/accounts/list-match-candidates";
import { requirePageRole } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { toSnakeCase } from "@/lib/http/case";

export const dynamic = "force-dynamic";

const STATUSES = ["pending", "confirmed", "rejected"] as const;
type Status = (typeof STATUSES)[number];

export default async function MatchReviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { user, allowed } = await requirePageRole("admin");
  const header = (
    <div>
      <h1 className="text-2xl font-semibold">Match review</h1>
      <p className="mt-1 text-sm text-slate-500">Is this HubSpot company the same customer as that Stripe customer? Confirm or reject the matches we were not sure about.</p>
    </div>
  );
  if (!allowed) return <section className="space-y-4">{header}<NotAllowed need="admin" /></section>;
  const raw = (await searchParams).status;
  const status: Status = STATUSES.includes(raw as Status) ? (raw as Status) : "pending";
  const db = getDb();
  const [page, total] = await Promise.all([
    listMatchCandidates(db, { organizationId: user.organizationId, status, limit: 25 }),
    db.matchCandidate.count({ where: { organizationId: user.organizationId, status } }),
  ]);
  return (
    <section className="space-y-4">
      {header}
      <nav aria-label="Match status" className="flex flex-wrap gap-2 text-sm">
        {STATUSES.map((s) => (
          <Link key={s} href={s === "pending" ? "/accounts/matches" : `/accounts/matches?status=${s}`} aria-current={s === status ? "page" : undefined}
            className={`rounded-full border px-3 py-1 ${s === status ? "border-indigo-600 bg-indigo-600 text-white" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50"}`}>
            {s === "pending" ? "To review" : s === "confirmed" ? "Confirmed" : "Rejected"}
          </Link>
        ))}
      </nav>
      <MatchReview key={status} status={status} initial={toSnakeCase(page.items) as MatchView[]} total={total} nextCursor={page.nextCursor} />
    </section>
  );
}
