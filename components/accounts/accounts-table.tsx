"use client";
/**
 * The Latest Churn Scores table. Sorting, filtering, search and pagination happen on the server
 * (GET /api/accounts semantics via the page's searchParams); this component only edits the URL, so the
 * URL always holds the view and "Export CSV" downloads exactly that view. TanStack Table in manual mode.
 */
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, useTransition } from "react";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type SortingState } from "@tanstack/react-table";
import { RiskBadge, TrendArrow } from "@/components/ui/badges";
import type { LifecycleState } from "@/lib/signals/types";
import { LifecycleBadge } from "./lifecycle-badge";
import { formatDate, formatMoney, formatPercent, formatScore } from "@/lib/format";

export type AccountRowView = {
  accountId: string; name: string; domain: string | null; owner: string | null;
  healthScore: number | null; riskLevel: "healthy" | "at_risk" | "critical" | null; trend: "improving" | "stable" | "declining" | null;
  churnProbability: number | null; mrrCents: number | null; arrCents: number | null; currency: string | null;
  renewalDate: string | null; topReason: string | null;
  /** Lifecycle state (issue 13): only customer / past_due accounts have a risk level. */
  lifecycleState: LifecycleState | null; churnedAt: string | null;
  /** Mapped HubSpot custom fields shown as optional columns (`?columns=`; issue 18). */
  customFields?: Record<string, string | null>;
  /** Open tasks on the account (issue 16). */
  openTasks?: number;
};

const PAYING = new Set<string>(["customer", "past_due"]);

const col = createColumnHelper<AccountRowView>();
const SORTABLE: Record<string, string> = { healthScore: "health_score", churnProbability: "churn_probability", mrrCents: "mrr", name: "name", renewalDate: "renewal_date" };

const columns = [
  col.accessor("name", {
    header: "Account",
    cell: (c) => (
      <div className="min-w-40">
        <Link href={`/accounts/${c.row.original.accountId}`} className="font-medium text-indigo-700 hover:underline">{c.getValue()}</Link>
        {c.row.original.domain && <div className="text-xs text-slate-500">{c.row.original.domain}</div>}
      </div>
    ),
  }),
  col.accessor("owner", { header: "Owner", enableSorting: false, cell: (c) => c.getValue() ?? <span className="text-slate-400">unassigned</span> }),
  col.accessor("healthScore", {
    header: "Health",
    cell: (c) => (
      <div className="flex items-center gap-2 whitespace-nowrap">
        <span className="w-7 text-right font-semibold tabular-nums">{formatScore(c.getValue())}</span>
        {c.row.original.riskLevel || !c.row.original.lifecycleState || PAYING.has(c.row.original.lifecycleState)
          ? <RiskBadge level={c.row.original.riskLevel} />
          : <span className="text-xs text-slate-400" title="Risk levels are for paying customers">no risk level</span>}
      </div>
    ),
  }),
  col.accessor("lifecycleState", {
    header: "Status", enableSorting: false,
    cell: (c) => <LifecycleBadge state={c.getValue()} churnedAt={c.row.original.churnedAt} />,
  }),
  col.accessor("trend", { header: "Trend", enableSorting: false, cell: (c) => <TrendArrow trend={c.getValue()} /> }),
  col.accessor("churnProbability", { header: "Churn prob.", cell: (c) => <span className="tabular-nums">{formatPercent(c.getValue())}</span> }),
  col.accessor("mrrCents", {
    header: "MRR / ARR",
    cell: (c) => (
      <div className="whitespace-nowrap tabular-nums">
        {formatMoney(c.getValue(), c.row.original.currency, { compact: true })}
        <div className="text-xs text-slate-500">{formatMoney(c.row.original.arrCents, c.row.original.currency, { compact: true })}/yr</div>
      </div>
    ),
  }),
  col.accessor("renewalDate", { header: "Renewal", cell: (c) => <span className="whitespace-nowrap">{formatDate(c.getValue())}</span> }),
  col.accessor("topReason", { header: "Top reason", enableSorting: false, cell: (c) => <span className="text-sm text-slate-600">{c.getValue() ?? "—"}</span> }),
  col.accessor("openTasks", { header: "Open tasks", enableSorting: false, cell: (c) => (c.getValue() ? <span className="tabular-nums" data-testid="open-tasks">{c.getValue()}</span> : <span className="text-slate-400">—</span>) }),
];

export function AccountsTable(props: {
  rows: AccountRowView[]; total: number; nextCursor: string | null; prevCursor: string | null; page: number;
  owners: { id: string; name: string }[];
  error?: string | null;
  /** The organization's mapped custom fields (lib/queries/custom-fields.ts) and the ones shown as columns. */
  mappedFields?: string[];
  customColumns?: string[];
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const [q, setQ] = useState(params.get("q") ?? "");

  const sortParam = params.get("sort") ?? "health_score";
  const orderParam = params.get("order") ?? (["health_score", "name", "renewal_date"].includes(sortParam) ? "asc" : "desc");
  const sortId = Object.entries(SORTABLE).find(([, v]) => v === sortParam)?.[0] ?? "healthScore";
  const sorting: SortingState = [{ id: sortId, desc: orderParam === "desc" }];

  function update(changes: Record<string, string | null>, keepCursor = false) {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    if (!keepCursor) next.delete("cursor");
    startTransition(() => router.push(`${pathname}?${next.toString()}`));
  }

  const customColumns = props.customColumns ?? [];
  const allColumns = [...columns, ...customColumns.map((f) => col.display({
    id: `cf_${f}`, header: f.replace(/_/g, " "),
    cell: (c) => <span className="text-sm text-slate-700" data-testid={`custom-${f}`}>{c.row.original.customFields?.[f] ?? "—"}</span>,
  }))];
  const [cfField, setCfField] = useState(() => params.get("custom_field")?.split(":")[0] ?? "");
  const [cfValue, setCfValue] = useState(() => params.get("custom_field")?.split(":").slice(1).join(":") ?? "");

  const table = useReactTable({
    data: props.rows,
    columns: allColumns,
    state: { sorting },
    manualSorting: true,
    manualPagination: true,
    getCoreRowModel: getCoreRowModel(),
    onSortingChange: (updater) => {
      const s = typeof updater === "function" ? updater(sorting) : updater;
      const first = s[0];
      if (!first) return update({ sort: null, order: null });
      update({ sort: SORTABLE[first.id] ?? "health_score", order: first.desc ? "desc" : "asc" });
    },
  });

  const page = props.page;
  const csvParams = new URLSearchParams(params.toString());
  csvParams.delete("cursor"); csvParams.set("format", "csv");

  return (
    <div className="space-y-3">
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => { e.preventDefault(); update({ q, custom_field: cfField ? `${cfField}:${cfValue.trim()}` : null }); }}
        role="search"
      >
        <div>
          <label htmlFor="q" className="block text-xs font-medium text-slate-600">Search</label>
          <input id="q" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Name or domain"
            className="mt-1 w-56 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
        </div>
        <div>
          <label htmlFor="lifecycle" className="block text-xs font-medium text-slate-600">Accounts</label>
          <select id="lifecycle" value={params.get("lifecycle") ?? ""} onChange={(e) => update({ lifecycle: e.target.value })}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm">
            <option value="">Paying customers</option>
            <option value="past_due">Past due</option>
            <option value="trialing">Trialing</option>
            <option value="paused">Paused</option>
            <option value="churned">Churned</option>
            <option value="prospect">Prospects</option>
            <option value="all">All accounts</option>
          </select>
        </div>
        <div>
          <label htmlFor="risk" className="block text-xs font-medium text-slate-600">Risk level</label>
          <select id="risk" value={params.get("risk_level") ?? ""} onChange={(e) => update({ risk_level: e.target.value })}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm">
            <option value="">All</option>
            <option value="critical">Critical</option>
            <option value="at_risk">At risk</option>
            <option value="critical,at_risk">Critical + at risk</option>
            <option value="healthy">Healthy</option>
          </select>
        </div>
        <div>
          <label htmlFor="trend" className="block text-xs font-medium text-slate-600">Trend</label>
          <select id="trend" value={params.get("trend") ?? ""} onChange={(e) => update({ trend: e.target.value })}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm">
            <option value="">All</option>
            <option value="declining">Declining</option>
            <option value="stable">Stable</option>
            <option value="improving">Improving</option>
          </select>
        </div>
        <div>
          <label htmlFor="owner" className="block text-xs font-medium text-slate-600">Owner</label>
          <select id="owner" value={params.get("owner") ?? ""} onChange={(e) => update({ owner: e.target.value })}
            className="mt-1 max-w-48 rounded-md border border-slate-300 px-2 py-1.5 text-sm">
            <option value="">Anyone</option>
            <option value="none">Unassigned</option>
            {props.owners.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </div>
        {(props.mappedFields?.length ?? 0) > 0 && (
          <div data-testid="custom-field-filter">
            <label htmlFor="cf-field" className="block text-xs font-medium text-slate-600">Mapped field</label>
            <div className="mt-1 flex gap-1">
              <select id="cf-field" value={cfField} onChange={(e) => { setCfField(e.target.value); if (!e.target.value) update({ custom_field: null }); }}
                className="max-w-40 rounded-md border border-slate-300 px-2 py-1.5 text-sm">
                <option value="">—</option>
                {props.mappedFields!.map((f) => <option key={f} value={f}>{f}</option>)}
              </select>
              <input aria-label="Mapped field value" value={cfValue} onChange={(e) => setCfValue(e.target.value)} placeholder="equals…" disabled={!cfField}
                className="w-28 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
            </div>
          </div>
        )}
        {(props.mappedFields?.length ?? 0) > 0 && (
          <details className="relative" data-testid="column-picker">
            <summary className="cursor-pointer rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700">Columns</summary>
            <div className="absolute z-10 mt-1 w-56 space-y-1 rounded-md border border-slate-200 bg-white p-2 text-sm shadow">
              {props.mappedFields!.map((f) => (
                <label key={f} className="flex items-center gap-2">
                  <input type="checkbox" checked={customColumns.includes(f)}
                    onChange={(e) => update({ columns: (e.target.checked ? [...customColumns, f] : customColumns.filter((x) => x !== f)).join(",") || null }, true)} />
                  {f}
                </label>
              ))}
            </div>
          </details>
        )}
        <button type="submit" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">Search</button>
        <a href={`/api/accounts?${csvParams.toString()}`} className="ml-auto rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50" download>
          Export CSV
        </a>
      </form>

      {props.error && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{props.error}</p>}

      <div className={`overflow-x-auto rounded-xl border border-slate-200 bg-white ${pending ? "opacity-60" : ""}`}>
        <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="accounts-table">
          <thead className="bg-slate-50">
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => {
                  const sorted = h.column.getIsSorted();
                  return (
                    <th key={h.id} scope="col" className="px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600"
                      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}>
                      {h.column.getCanSort() ? (
                        <button type="button" onClick={h.column.getToggleSortingHandler()} className="inline-flex items-center gap-1 hover:text-slate-900">
                          {flexRender(h.column.columnDef.header, h.getContext())}
                          <span aria-hidden>{sorted === "asc" ? "↑" : sorted === "desc" ? "↓" : "↕"}</span>
                        </button>
                      ) : flexRender(h.column.columnDef.header, h.getContext())}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody className="divide-y divide-slate-100">
            {table.getRowModel().rows.map((r) => (
              <tr key={r.id} className="hover:bg-slate-50" data-testid="account-row">
                {r.getVisibleCells().map((c) => <td key={c.id} className="px-3 py-2 align-top">{flexRender(c.column.columnDef.cell, c.getContext())}</td>)}
              </tr>
            ))}
            {props.rows.length === 0 && (
              <tr><td colSpan={allColumns.length} className="px-3 py-8 text-center text-slate-500">No accounts match this view.</td></tr>
            )}
          </tbody>
        </table>
      </div>

      <div className="flex items-center justify-between text-sm text-slate-600">
        <span data-testid="accounts-total">{props.total.toLocaleString()} accounts · page {page}</span>
        <div className="flex gap-2">
          <button type="button" disabled={page <= 1} onClick={() => update({ cursor: props.prevCursor }, true)}
            className="rounded-md border border-slate-300 bg-white px-3 py-1 disabled:opacity-40">Previous</button>
          <button type="button" disabled={!props.nextCursor} onClick={() => update({ cursor: props.nextCursor }, true)}
            className="rounded-md border border-slate-300 bg-white px-3 py-1 disabled:opacity-40">Next</button>
        </div>
      </div>
    </div>
  );
}
