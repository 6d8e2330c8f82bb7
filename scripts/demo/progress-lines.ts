/**
 * Progress lines for `npm run demo` (issue 18: it printed nothing for about 2.5 minutes while it synced and
 * scored). A listener for scripts/lib/cli-db.ts `observeJobs`: it turns the jobs' progress writes into one
 * plain line per phase change, and while a phase runs at most one line every `everyMs` (default 5 s) per job
 * with its counts, e.g.
 *   sync HubSpot: companies 1,200/3,000 · contacts 800 (12 s)
 *   scoring pipeline: signals — reconstructing 365 days (41 s)
 * Plain lines (no redrawing), so they read the same in a terminal, a pipe and CI logs.
 */
import type { JobProgressEvent } from "../lib/cli-db";

type Stream = { processed?: number; total?: number | null };

const JOB_LABEL: Record<string, string> = {
  "refresh-organization-job": "scoring pipeline",
  "fit-scoring-job": "fit to history",
};

const n = (x: number) => x.toLocaleString("en-US");

/** Build the listener; `print` gets one finished line at a time; `now` is injectable for tests. */
export function demoProgressLines(print: (line: string) => void, opts: { everyMs?: number; now?: () => number } = {}) {
  const everyMs = opts.everyMs ?? 5_000;
  const now = opts.now ?? Date.now;
  const seen = new Map<string, { phase: string; lastAt: number; startedAt: number }>();
  return (e: JobProgressEvent) => {
    const p = e.progress;
    const provider = typeof p.provider === "string" ? p.provider : (e.payload?.provider as string | undefined);
    const label = e.name === "sync-connection-job" || p.streams
      ? `sync ${provider === "stripe" ? "Stripe" : provider === "hubspot" ? "HubSpot" : "connection"}`
      : JOB_LABEL[e.name ?? ""] ?? e.name ?? "job";
    const phase = `${String(p.phase ?? "")}${p.detail ? ` — ${String(p.detail)}` : ""}`;
    const t = now();
    const prev = seen.get(e.jobId);
    const state = prev ?? { phase: "", lastAt: 0, startedAt: t };
    const phaseChanged = phase !== state.phase;
    if (!phaseChanged && t - state.lastAt < everyMs) return;
    const streams = p.streams && typeof p.streams === "object" ? Object.entries(p.streams as Record<string, Stream>) : [];
    const counts = streams.length
      ? streams.map(([k, s]) => `${k} ${n(s.processed ?? 0)}${s.total ? `/${n(s.total)}` : ""}`).join(" · ")
      : typeof p.processed === "number" ? `${n(p.processed)}${typeof p.total === "number" ? `/${n(p.total)}` : ""}` : "";
    const what = [phase && !(streams.length && phase === "syncing") ? phase : "", counts].filter(Boolean).join(": ");
    print(`  ${label}: ${what || "working"} (${Math.round((t - state.startedAt) / 1000)} s)`);
    seen.set(e.jobId, { phase, lastAt: t, startedAt: state.startedAt });
  };
}
