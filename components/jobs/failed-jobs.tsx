"use client";
/**
 * The dead-letter table of /settings/jobs (admins): failed jobs with their kind, connection, error in words,
 * attempts and when; "Retry" runs one again through POST /api/jobs/{id}/retry (the row then says "Queued again"
 * with a link to the job's status, GET /api/jobs/{id}). Rows come from lib/admin/failed-jobs.ts (server-rendered).
 */
import { useState } from "react";
import { ApiError, apiFetch } from "@/components/settings/api-fetch";
import { Button, Notice } from "@/components/settings/ui";
import { TimeAgo } from "@/components/settings/time-ago";

export type FailedJobView = {
  id: string;
  name: string;
  kind: string;
  connection: { id: string; name: string; provider: string } | null;
  error: string;
  error_detail: string | null;
  attempts: number;
  failed_at: string | null;
  created_at: string;
};

type RowState = { busy?: boolean; retried?: string; error?: string };

export function FailedJobs({ initial, total }: { initial: FailedJobView[]; total: number }) {
  const [state, setState] = useState<Record<string, RowState>>({});
  const set = (id: string, s: RowState) => setState((prev) => ({ ...prev, [id]: s }));

  async function retry(id: string) {
    set(id, { busy: true });
    try {
      const job = await apiFetch<{ id: string; status: string }>(`/api/jobs/${encodeURIComponent(id)}/retry`, { method: "POST" });
      set(id, { retried: job.status });
    } catch (e) {
      set(id, { error: e instanceof ApiError ? e.message : "Could not retry the job." });
    }
  }

  if (initial.length === 0) {
    return <Notice tone="success" testId="no-failed-jobs">No failed jobs: every background job finished or is still retrying.</Notice>;
  }
  return (
    <div className="space-y-2">
      <p className="text-sm text-slate-500" data-testid="failed-jobs-total">
        {total} failed job{total === 1 ? "" : "s"}{total > initial.length ? `, the newest ${initial.length} shown` : ""}.
      </p>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm" data-testid="failed-jobs">
          <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2">Job</th>
              <th className="px-3 py-2">Connection</th>
              <th className="px-3 py-2">What went wrong</th>
              <th className="px-3 py-2 text-right">Attempts</th>
              <th className="px-3 py-2">Failed</th>
              <th className="px-3 py-2"><span className="sr-only">Retry</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {initial.map((j) => {
              const s = state[j.id] ?? {};
              return (
                <tr key={j.id} data-testid="failed-job-row" data-job-id={j.id} className="align-top">
                  <td className="px-3 py-2">
                    <div className="font-medium text-slate-900">{j.kind}</div>
                    <div className="font-mono text-xs text-slate-400">{j.name}</div>
                  </td>
                  <td className="px-3 py-2 text-slate-700">{j.connection ? `${j.connection.name} (${j.connection.provider})` : <span className="text-slate-400">whole organization</span>}</td>
                  <td className="max-w-md px-3 py-2 text-slate-700">
                    <div data-testid="failed-job-error">{j.error}</div>
                    {j.error_detail && j.error_detail !== j.error ? (
                      <details className="mt-1 text-xs text-slate-500">
                        <summary className="cursor-pointer">Technical details</summary>
                        <pre className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap break-words">{j.error_detail}</pre>
                      </details>
                    ) : null}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{j.attempts}</td>
                  <td className="px-3 py-2 whitespace-nowrap text-slate-600"><TimeAgo value={j.failed_at ?? j.created_at} /></td>
                  <td className="px-3 py-2 text-right whitespace-nowrap">
                    {s.retried ? (
                      <span role="status" className="text-green-700" data-testid="retried">
                        Queued again · <a className="underline" href={`/api/jobs/${j.id}`}>status</a>
                      </span>
                    ) : (
                      <Button variant="secondary" busy={s.busy} busyLabel="Retrying…" onClick={() => void retry(j.id)} data-testid="retry-job">Retry</Button>
                    )}
                    {s.error ? <div className="mt-1"><Notice>{s.error}</Notice></div> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
