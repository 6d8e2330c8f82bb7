"use client";
/**
 * Match review: ambiguous identity matches side by side — the source record that would move (e.g. a
 * Stripe customer) and the account it would join with the records already on it (e.g. the HubSpot
 * company) — with names, domains, e-mails, rule, confidence and reason. Confirm
 * (`POST /api/accounts/{accountId}/links` `{candidate_id}`) or Reject
 * (`POST /api/accounts/matches/{id}/reject`); both are manual decisions that survive re-syncs.
 * More pages come from `GET /api/accounts/matches?status=…&cursor=…`.
 */
import { useState } from "react";
import { ApiError, apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, Notice } from "@/components/settings/ui";
import { formatDate, formatPercent } from "@/lib/format";

export type MatchSideView = {
  id: string;
  provider: "hubspot" | "stripe";
  connection_name: string;
  object_type: string;
  external_id: string;
  name: string | null;
  domain: string | null;
  email: string | null;
  account_id: string | null;
  is_manual: boolean;
};

export type MatchView = {
  id: string;
  rule: string;
  confidence: number;
  reason: string;
  status: string;
  created_at: string;
  decided_at: string | null;
  source_record: MatchSideView | null;
  account: { id: string; name: string; domain: string | null; sources: MatchSideView[] };
};

const RULE_LABEL: Record<string, string> = {
  explicit_metadata: "Explicit id in metadata", email_domain: "E-mail domain = company domain",
  normalized_name: "Same normalized name", manual: "Manual", new_account: "New account",
};
const ruleLabel = (r: string) => RULE_LABEL[r] ?? r.replace(/_/g, " ");
const providerLabel = (p: string) => (p === "hubspot" ? "HubSpot" : p === "stripe" ? "Stripe" : p);

function Side({ title, side }: { title: string; side: MatchSideView }) {
  return (
    <div className="min-w-0 rounded-lg border border-slate-200 bg-slate-50 p-3 text-sm">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{title}</p>
      <p className="mt-1 break-words font-semibold text-slate-900">{side.name ?? <span className="italic text-slate-400">no name</span>}</p>
      <dl className="mt-1 space-y-0.5 text-xs text-slate-600">
        <div className="flex gap-1"><dt className="text-slate-500">Source:</dt><dd>{providerLabel(side.provider)} {side.object_type} · {side.connection_name}</dd></div>
        <div className="flex gap-1"><dt className="text-slate-500">Domain:</dt><dd className="break-all">{side.domain ?? "—"}</dd></div>
        <div className="flex gap-1"><dt className="text-slate-500">E-mail:</dt><dd className="break-all">{side.email ?? "—"}</dd></div>
        <div className="flex gap-1"><dt className="text-slate-500">Id:</dt><dd className="break-all font-mono">{side.external_id}</dd></div>
      </dl>
    </div>
  );
}

function MatchCard({ m, onDecided, onGone }: { m: MatchView; onDecided: (id: string, text: string) => void; onGone: (id: string, text: string) => void }) {
  const [busy, setBusy] = useState<"confirm" | "reject" | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function decide(kind: "confirm" | "reject") {
    setBusy(kind);
    setError(null);
    try {
      if (kind === "confirm") await apiFetch(`/api/accounts/${encodeURIComponent(m.account.id)}/links`, { method: "POST", body: { candidate_id: m.id } });
      else await apiFetch(`/api/accounts/matches/${encodeURIComponent(m.id)}/reject`, { method: "POST" });
      onDecided(m.id, kind === "confirm"
        ? `Linked ${m.source_record?.name ?? "the record"} to ${m.account.name}.`
        : `Rejected: ${m.source_record?.name ?? "the record"} stays separate from ${m.account.name} and will not be proposed again.`);
    } catch (err) {
      // A match that is gone (its record was linked through a sibling card, or someone else decided it):
      // say so and refresh the list instead of leaving a card whose buttons can only fail (issue 18).
      if (err instanceof ApiError && (err.code === "not_found" || err.code === "conflict")) {
        onGone(m.id, err.code === "not_found"
          ? `${m.source_record?.name ?? "That record"} is no longer waiting for review: it was already linked. The list was refreshed.`
          : err.message);
        return;
      }
      setError(errorMessage(err));
      setBusy(null);
    }
  }

  const pending = m.status === "pending";
  return (
    <li className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid="match-candidate">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="rounded-full bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-800">{ruleLabel(m.rule)}</span>
        <span className="text-xs text-slate-600">Confidence <strong className="tabular-nums">{formatPercent(m.confidence)}</strong></span>
        {!pending && <span className="text-xs text-slate-500">{m.status} {formatDate(m.decided_at)}</span>}
      </div>
      <p className="break-words text-sm text-slate-700">{m.reason}</p>
      <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
        {m.source_record ? <Side title="This record…" side={m.source_record} /> : <Notice tone="info">The record was deleted since this match was proposed.</Notice>}
        <div className="min-w-0 space-y-2">
          <p className="text-xs font-medium uppercase tracking-wide text-slate-500">…would join account{" "}
            <a href={`/accounts/${m.account.id}`} className="normal-case text-indigo-700 underline">{m.account.name}</a>
            {m.account.domain ? <span className="normal-case text-slate-500"> ({m.account.domain})</span> : null}
          </p>
          {m.account.sources.length ? m.account.sources.map((s) => <Side key={s.id} title="Already on the account" side={s} />) : <p className="text-sm text-slate-500">The account has no other records.</p>}
        </div>
      </div>
      {error && <Notice>{error}</Notice>}
      {pending && (
        <div className="flex flex-wrap gap-2">
          <Button variant="primary" onClick={() => decide("confirm")} busy={busy === "confirm"} busyLabel="Linking…" disabled={busy !== null || !m.source_record}
            aria-label={`Confirm: ${m.source_record?.name ?? "record"} is ${m.account.name}`}>Confirm — same customer</Button>
          <Button onClick={() => decide("reject")} busy={busy === "reject"} busyLabel="Rejecting…" disabled={busy !== null}
            aria-label={`Reject: ${m.source_record?.name ?? "record"} is not ${m.account.name}`}>Reject — different customers</Button>
        </div>
      )}
    </li>
  );
}

export function MatchReview({ initial, total, nextCursor, status }: { initial: MatchView[]; total: number; nextCursor: string | null; status: string }) {
  const [items, setItems] = useState(initial);
  const [remaining, setRemaining] = useState(total);
  const [cursor, setCursor] = useState(nextCursor);
  const [loading, setLoading] = useState(false);
  const [msg, setMsg] = useState<{ tone: "success" | "error"; text: string } | null>(null);

  /**
   * Re-read the list up to as many items as are shown: a confirm removes the other pending candidates of
   * the same record on the server, and their cards must go too.
   */
  async function refresh() {
    try {
      const r = await apiFetch<{ data: MatchView[]; total: number; next_cursor: string | null }>(`/api/accounts/matches?status=${status}&limit=${Math.min(200, Math.max(20, items.length))}`);
      setItems(r.data);
      setCursor(r.next_cursor);
      setRemaining(r.total);
    } catch {
      /* the list stays as it is; the next decision refreshes again */
    }
  }

  async function more() {
    if (!cursor) return;
    setLoading(true);
    try {
      const r = await apiFetch<{ data: MatchView[]; total: number; next_cursor: string | null }>(`/api/accounts/matches?status=${status}&cursor=${encodeURIComponent(cursor)}`);
      setItems((xs) => [...xs, ...r.data.filter((d) => !xs.some((x) => x.id === d.id))]);
      setCursor(r.next_cursor);
      setRemaining(r.total);
    } catch (err) {
      setMsg({ tone: "error", text: errorMessage(err) });
    } finally {
      setLoading(false);
    }
  }

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600" data-testid="match-count">{remaining.toLocaleString("en-US")} {status === "pending" ? "awaiting review" : status}</p>
      {msg && <Notice tone={msg.tone} testId="match-message">{msg.text}</Notice>}
      {items.length === 0 ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600">
          {status === "pending"
            ? <>Nothing to review. Ambiguous matches (for example two companies sharing a customer&apos;s e-mail domain) appear here after a sync; clear ones are linked automatically.</>
            : <>No {status} matches yet.</>}
        </div>
      ) : (
        <ul className="space-y-4">
          {items.map((m) => (
            <MatchCard key={m.id} m={m} onDecided={(id, text) => {
              setItems((xs) => xs.filter((x) => x.id !== id));
              setMsg({ tone: "success", text });
              void refresh();
            }} onGone={(id, text) => {
              setItems((xs) => xs.filter((x) => x.id !== id));
              setMsg({ tone: "error", text });
              void refresh();
            }} />
          ))}
        </ul>
      )}
      {cursor && <Button onClick={more} busy={loading} busyLabel="Loading…">Load more</Button>}
    </div>
  );
}
