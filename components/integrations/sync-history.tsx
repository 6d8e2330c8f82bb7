"use client";
/**
 * A connection's sync history on its Integrations card (GET /api/integrations/{provider}/sync-runs, kept
 * 90 days): one row per sync — when, trigger, mode, status, records per object type, skipped records with
 * reasons, duration, errors with what to do — filterable by mode, status and trigger, 10 at a time.
 * Loaded only when the section is opened.
 */
import { useCallback, useEffect, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Notice } from "@/components/settings/ui";
import { formatDate } from "@/lib/format";
import { objectLabel } from "./progress";
import type { ConnectionView } from "./types";

type HistoryObject = {
  object_type: string; direction: string; mode: string; status: string; records_processed: number; records_skipped: number;
  skip_reasons: { external_id: string | null; reason: string }[]; error: string | null; error_guidance: string | null;
};
type HistoryEntry = {
  job_id: string | null; started_at: string; completed_at: string | null; duration_ms: number | null; trigger: string; mode: string; status: string;
  totals: { records_processed: number; records_skipped: number; request_count: number }; objects: HistoryObject[];
  errors: { object_type: string; error: string; guidance: string | null }[];
};
type Page = { data: HistoryEntry[]; total: number; next_cursor: string | null };

const MODES = ["", "full", "incremental", "webhook", "write_back"];
const STATUSES = ["", "succeeded", "partial", "failed", "running", "cancelled"];
const TRIGGERS = ["", "manual", "cron", "cli", "demo", "webhook", "write_back"];

function duration(ms: number | null): string {
  if (ms === null) return "running";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function SyncHistory({ connection }: { connection: ConnectionView }) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState({ mode: "", status: "", trigger: "" });
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [total, setTotal] = useState(0);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (more: string | null) => {
    setLoading(true); setError(null);
    const p = new URLSearchParams({ connection_id: connection.id, limit: "10" });
    for (const [k, v] of Object.entries(filter)) if (v) p.set(k, v);
    if (more) p.set("cursor", more);
    try {
      const r = await apiFetch<Page>(`/api/integrations/${connection.provider}/sync-runs?${p}`);
      setEntries((prev) => (more ? [...prev, ...r.data] : r.data));
      setTotal(r.total);
      setCursor(r.next_cursor);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setLoading(false);
    }
  }, [connection.id, connection.provider, filter]);

  useEffect(() => { if (open) void load(null); }, [open, load, connection.last_sync_at]);

  const select = (key: keyof typeof filter, values: string[], label: string) => (
    <label className="flex items-center gap-1">
      <span className="text-slate-500">{label}</span>
      <select value={filter[key]} onChange={(e) => setFilter((f) => ({ ...f, [key]: e.target.value }))} className="rounded border border-slate-200 px-1 py-0.5">
        {values.map((v) => <option key={v} value={v}>{v ? v.replace("_", " ") : "any"}</option>)}
      </select>
    </label>
  );

  return (
    <details className="rounded-lg border border-slate-100 p-3" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)} data-testid="sync-history">
      <summary className="cursor-pointer text-sm font-medium text-slate-700">Sync history (90 days)</summary>
      {open && (
        <div className="mt-3 space-y-2 text-xs">
          <div className="flex flex-wrap gap-3">
            {select("mode", MODES, "Mode")}
            {select("status", STATUSES, "Status")}
            {select("trigger", TRIGGERS, "Trigger")}
            <span className="ml-auto text-slate-500">{total} sync{total === 1 ? "" : "s"}</span>
          </div>
          {error && <Notice>{error}</Notice>}
          {!error && !loading && entries.length === 0 && <p className="text-slate-500">No syncs match.</p>}
          <ul className="space-y-2">
            {entries.map((e, i) => (
              <li key={e.job_id ?? `${e.started_at}-${i}`} className="rounded-md border border-slate-100 p-2" data-testid="sync-history-entry">
                <p className="flex flex-wrap gap-x-2 font-medium text-slate-800">
                  <span>{formatDate(e.started_at)} {new Date(e.started_at).toISOString().slice(11, 16)} UTC</span>
                  <span className="text-slate-500">{e.trigger.replace("_", " ")}</span>
                  <span>{e.mode.replace("_", " ")}</span>
                  <span className={e.status === "failed" ? "text-red-700" : e.status === "partial" ? "text-amber-700" : "text-slate-600"}>{e.status}</span>
                  <span className="text-slate-500">{duration(e.duration_ms)} · {e.totals.records_processed.toLocaleString("en-US")} records · {e.totals.request_count.toLocaleString("en-US")} requests</span>
                </p>
                <p className="mt-1 text-slate-600">
                  {e.objects.map((o) => `${objectLabel(o.object_type)}${o.direction === "outbound" ? " (write-back)" : ""} ${o.records_processed.toLocaleString("en-US")}${o.records_skipped ? ` (${o.records_skipped} skipped)` : ""}`).join(" · ")}
                </p>
                {e.errors.map((x) => (
                  <p key={x.object_type} className="mt-1 break-words text-red-800">{objectLabel(x.object_type)}: {x.error}{x.guidance ? <span className="text-slate-700"> — what to do: {x.guidance}</span> : null}</p>
                ))}
                {e.objects.some((o) => o.skip_reasons.length) && (
                  <details className="mt-1">
                    <summary className="cursor-pointer text-slate-600">Skipped records</summary>
                    <ul className="mt-1 list-disc space-y-0.5 pl-5">
                      {e.objects.flatMap((o) => o.skip_reasons.slice(0, 10).map((s, j) => <li key={`${o.object_type}-${j}`} className="break-words">{objectLabel(o.object_type)} <span className="font-mono">{s.external_id ?? "?"}</span>: {s.reason}</li>))}
                    </ul>
                  </details>
                )}
              </li>
            ))}
          </ul>
          {cursor && <button type="button" disabled={loading} onClick={() => void load(cursor)} className="text-indigo-700 hover:underline">Show older syncs</button>}
        </div>
      )}
    </details>
  );
}
