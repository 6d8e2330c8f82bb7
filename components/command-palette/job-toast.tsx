"use client";
/**
 * Bottom-right toasts for jobs the palette started: each polls GET /api/jobs/{id} every 1.5 s until the
 * job succeeds, fails or is cancelled, shows its status and progress (sync jobs: records processed per
 * object type; others: their phase), and links to the job.
 */
import { useEffect, useState } from "react";
import { apiFetch } from "@/components/settings/api-fetch";

export type ToastJob = { id: string; name: string; status: string; label: string; href: string };
type JobState = { status: string; progress: Record<string, unknown> | null; error: string | null };

const DONE = new Set(["succeeded", "failed", "cancelled"]);

/** "companies 1,200/3,400 · contacts 800" or the phase of a scoring job. */
export function progressText(p: Record<string, unknown> | null): string {
  if (!p) return "";
  const streams = p.streams as Record<string, { processed?: number; total?: number | null }> | undefined;
  if (streams && typeof streams === "object") {
    return Object.entries(streams).map(([k, v]) => `${k} ${(v.processed ?? 0).toLocaleString("en-US")}${v.total ? `/${v.total.toLocaleString("en-US")}` : ""}`).join(" · ");
  }
  const phase = p.phase ?? p.stage ?? p.step;
  return typeof phase === "string" ? phase.replaceAll("_", " ") : "";
}

function OneJob({ job, onDismiss }: { job: ToastJob; onDismiss: () => void }) {
  const [state, setState] = useState<JobState>({ status: job.status, progress: null, error: null });
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const j = await apiFetch<JobState>(job.href);
        if (stop) return;
        setState(j);
        if (DONE.has(j.status)) return;
      } catch { /* keep polling: a blip must not end the toast */ }
      if (!stop) timer = setTimeout(poll, 1500);
    };
    void poll();
    return () => { stop = true; if (timer) clearTimeout(timer); };
  }, [job.href]);
  const tone = state.status === "succeeded" ? "border-emerald-300" : state.status === "failed" ? "border-red-300" : "border-slate-200";
  return (
    <div className={`w-80 rounded-lg border ${tone} bg-white p-3 text-sm shadow-lg`} data-testid="job-toast" data-status={state.status}>
      <div className="flex items-start justify-between gap-2">
        <span className="font-medium">{job.label}</span>
        <button type="button" onClick={onDismiss} aria-label="Dismiss" className="text-slate-400 hover:text-slate-700">×</button>
      </div>
      <p className="mt-1 text-xs text-slate-600">
        <span data-testid="job-toast-status">{state.status}</span>
        {progressText(state.progress) ? ` · ${progressText(state.progress)}` : ""}
      </p>
      {state.error && <p className="mt-1 text-xs text-red-700">{state.error}</p>}
      <a href={job.href} target="_blank" rel="noreferrer" className="mt-1 inline-block text-xs text-indigo-700 hover:underline" data-testid="job-toast-link">Job {job.id}</a>
    </div>
  );
}

export function JobToast({ jobs, onDismiss }: { jobs: ToastJob[]; onDismiss: (id: string) => void }) {
  if (!jobs.length) return null;
  return (
    <div className="fixed bottom-4 right-4 z-50 space-y-2" aria-live="polite">
      {jobs.map((j) => <OneJob key={j.id} job={j} onDismiss={() => onDismiss(j.id)} />)}
    </div>
  );
}
