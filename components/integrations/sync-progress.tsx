"use client";
/**
 * Live progress of a running sync job: polls `GET /api/jobs/{id}` about once a second while the job is
 * queued/running and shows, per object type, records so far (of the total when known), rate and ETA.
 * The job id comes from `GET /api/integrations` (`connections[].current_job`), so the view survives a
 * page reload. Calls `onFinished(job)` once when the job leaves queued/running.
 */
import { useEffect, useRef, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { formatEta, formatRate, objectLabel, parseSyncProgress, streamPercent } from "./progress";
import { isActiveJob, type JobView } from "./types";

const POLL_MS = 1000;

/** Poll a job until it finishes. Returns the latest job view and the last polling error (if any). */
export function useJobPolling(jobId: string | null, onFinished?: (job: JobView) => void): { job: JobView | null; error: string | null } {
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const finishedRef = useRef(onFinished);
  useEffect(() => { finishedRef.current = onFinished; }, [onFinished]);

  useEffect(() => {
    if (!jobId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ctrl = new AbortController();
    const tick = async () => {
      try {
        const j = await apiFetch<JobView>(`/api/jobs/${encodeURIComponent(jobId)}`, { signal: ctrl.signal });
        if (stopped) return;
        setJob(j);
        setError(null);
        if (!isActiveJob(j.status)) {
          finishedRef.current?.(j);
          return;
        }
      } catch (e) {
        if (stopped) return;
        setError(errorMessage(e));
      }
      timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => { stopped = true; ctrl.abort(); if (timer) clearTimeout(timer); };
  }, [jobId]);

  return { job: job?.id === jobId ? job : null, error };
}

/** The per-object progress table of one job's progress JSON. */
export function SyncProgressView({ progress, status }: { progress: unknown; status: string }) {
  const { phase, streams } = parseSyncProgress(progress);
  const label = status === "queued" ? "Waiting for a worker…" : phase === "syncing" || !phase ? "Syncing…" : `${objectLabel(phase)}…`;
  return (
    <div data-testid="sync-progress" className="rounded-lg border border-blue-200 bg-blue-50 p-3">
      <p className="flex items-center gap-2 text-sm font-medium text-blue-900" role="status" aria-live="polite">
        <span className="inline-block h-2 w-2 animate-pulse rounded-full bg-blue-600" aria-hidden="true" />
        {label}
      </p>
      {streams.length > 0 ? (
        <div className="relative mt-2 overflow-x-auto">
          <table className="w-full min-w-[420px] text-left text-xs text-slate-700">
            <thead>
              <tr className="text-slate-500">
                <th scope="col" className="py-1 pr-3 font-medium">Object</th>
                <th scope="col" className="py-1 pr-3 font-medium">Records</th>
                <th scope="col" className="py-1 pr-3 font-medium">Rate</th>
                <th scope="col" className="py-1 font-medium">ETA</th>
              </tr>
            </thead>
            <tbody>
              {streams.map((s) => {
                const pct = streamPercent(s);
                return (
                  <tr key={s.name} data-testid={`progress-${s.name}`} className="border-t border-blue-100">
                    <td className="py-1 pr-3 font-medium">{objectLabel(s.name)}</td>
                    <td className="py-1 pr-3">
                      <span className="tabular-nums">{s.processed.toLocaleString("en-US")}</span>
                      {s.total !== null && <span className="text-slate-500"> of {s.total.toLocaleString("en-US")}</span>}
                      {pct !== null && (
                        <span className="ml-2 inline-block h-1.5 w-20 overflow-hidden rounded bg-blue-100 align-middle" role="progressbar"
                          aria-label={`${objectLabel(s.name)} progress`} aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
                          <span className="block h-full bg-blue-600" style={{ width: `${pct}%` }} />
                        </span>
                      )}
                    </td>
                    <td className="py-1 pr-3 tabular-nums">{formatRate(s.ratePerSec)}</td>
                    <td className="py-1 tabular-nums">{formatEta(s.etaMs)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="mt-1 text-xs text-blue-800">Starting; the first counts appear after the first page of records.</p>
      )}
    </div>
  );
}
