"use client";
/**
 * One connection (a HubSpot portal or a Stripe account) on the Integrations page: status badge, name,
 * "(test)" for Stripe test mode, credential hint (last 4), Sync Now / Full re-sync with live progress,
 * last sync time and per-object counts, the error log with guidance, settings (webhook secret,
 * write-back, property mappings), replacing the credential, and Disconnect.
 */
import { useCallback, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, Notice } from "@/components/settings/ui";
import { ConnectionBadge } from "@/components/ui/badges";
import { TimeAgo } from "@/components/settings/time-ago";
import { formatDate } from "@/lib/format";
import { ConnectForm, type ConfigureResponse } from "./connect-form";
import { PropertyMappingsEditor, WebhookSecretForm, WriteBackToggle } from "./connection-settings";
import { DisconnectButton } from "./disconnect-button";
import { objectLabel } from "./progress";
import { SyncHistory } from "./sync-history";
import { SyncProgressView, useJobPolling } from "./sync-progress";
import { isActiveJob, PROVIDER_LABEL, type ConnectionView, type JobView } from "./types";

type SyncResponse = { jobs: { connection_id: string; job: { id: string; status: string }; deduplicated: boolean }[] };

export function ConnectionCard({ connection, onChanged, onMessage }: {
  connection: ConnectionView;
  /** Re-read the list from the server (after a sync finishes, a setting changes, …). */
  onChanged: () => Promise<void> | void;
  /** A page-level banner (e.g. the result of a disconnect). */
  onMessage: (tone: "success" | "warning" | "error", text: string) => void;
}) {
  const c = connection;
  const serverJob = c.current_job && isActiveJob(c.current_job.status) ? c.current_job.id : null;
  const [startedJob, setStartedJob] = useState<string | null>(null);
  const [finished, setFinished] = useState<Set<string>>(() => new Set());
  const [starting, setStarting] = useState<"sync" | "full" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lastFinished, setLastFinished] = useState<JobView | null>(null);
  const [credMsg, setCredMsg] = useState<string[] | null>(null);

  const candidate = startedJob ?? serverJob;
  const jobId = candidate && !finished.has(candidate) ? candidate : null;

  const onFinished = useCallback((j: JobView) => {
    setFinished((s) => new Set(s).add(j.id));
    setStartedJob(null);
    setLastFinished(j);
    void onChanged();
  }, [onChanged]);
  const { job, error: pollError } = useJobPolling(jobId, onFinished);

  async function startSync(full: boolean) {
    setStarting(full ? "full" : "sync");
    setError(null);
    setLastFinished(null);
    try {
      const r = await apiFetch<SyncResponse>(`/api/integrations/${c.provider}/sync?connection_id=${encodeURIComponent(c.id)}&full=${full}`, { method: "POST" });
      const j = r.jobs.find((x) => x.connection_id === c.id) ?? r.jobs[0];
      if (j) setStartedJob(j.job.id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(null);
    }
  }

  const syncing = jobId !== null;
  const status = syncing ? "syncing" : c.status;
  const runs = [...c.last_runs].sort((a, b) => a.object_type.localeCompare(b.object_type) || a.direction.localeCompare(b.direction));
  const errors = c.last_runs.filter((r) => r.error || r.skip_reasons.length > 0);
  // The newest full run per object type: its counts stay visible after later incremental syncs (issue 18).
  const fullByType = new Map((c.last_full_runs ?? []).map((r) => [r.object_type, r]));
  const providerLabel = PROVIDER_LABEL[c.provider];
  const finishedJob = lastFinished ?? (c.current_job && !isActiveJob(c.current_job.status) ? { status: c.current_job.status, error: c.current_job.error } : null);

  return (
    <article className="space-y-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid={`connection-${c.provider}`} aria-labelledby={`conn-${c.id}`}>
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h3 id={`conn-${c.id}`} className="flex flex-wrap items-center gap-2 font-semibold text-slate-900">
            <span className="break-all">{c.display_name}</span>
            {c.mode === "test" && <span className="text-sm font-normal text-amber-700" data-testid="test-mode">(test)</span>}
            <ConnectionBadge status={status} />
          </h3>
          <p className="mt-0.5 text-xs text-slate-500">
            {c.provider === "hubspot" ? "Portal" : "Account"} {c.external_account_id}
            {" · "}{c.auth_type === "oauth" ? "OAuth" : c.provider === "stripe" ? "API key" : "Access token"}
            {c.credentials_hint && <> ending in <span className="font-mono">{c.credentials_hint.replace(/^[•.…*]+/, "")}</span></>}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="primary" onClick={() => startSync(false)} busy={starting === "sync" || (syncing && starting === null)} busyLabel="Syncing…"
            disabled={syncing || starting !== null || c.status === "reconnect_needed"} data-testid="sync-now">Sync Now</Button>
          <Button onClick={() => startSync(true)} busy={starting === "full"} busyLabel="Starting…"
            disabled={syncing || starting !== null || c.status === "reconnect_needed"} title="Re-read every record from the start (slower)">Full re-sync</Button>
        </div>
      </header>

      {c.status === "reconnect_needed" && (
        <Notice tone="warning">{providerLabel} no longer accepts the stored credential (revoked or expired). Paste a new one under “Replace credential” below{c.auth_type === "oauth" ? " or connect with OAuth again" : ""}.</Notice>
      )}
      {error && <Notice>{error}</Notice>}
      {syncing && (job ? <SyncProgressView progress={job.progress} status={job.status} /> : <SyncProgressView progress={c.current_job?.progress ?? null} status="queued" />)}
      {syncing && pollError && <Notice tone="warning">Could not read the progress: {pollError} Retrying…</Notice>}
      {!syncing && finishedJob && finishedJob.status !== "succeeded" && (
        <Notice>The last sync {finishedJob.status === "cancelled" ? "was cancelled" : "failed"}{finishedJob.error ? `: ${finishedJob.error}` : "."} The next sync resumes from the last checkpoint.</Notice>
      )}
      {!syncing && lastFinished?.status === "succeeded" && <Notice tone="success">Sync complete. Accounts are being scored in the background.</Notice>}

      <section aria-label="Last sync" className="space-y-2">
        <p className="text-sm text-slate-700">
          Last sync: <strong><TimeAgo value={c.last_sync_at} testId="last-sync" /></strong>
          {c.last_full_sync_at && <span className="text-slate-500"> · last full sync {formatDate(c.last_full_sync_at)}</span>}
        </p>
        {runs.length > 0 ? (
          <div className="relative overflow-x-auto rounded-lg border border-slate-100">
            <table className="w-full min-w-[480px] text-left text-xs" data-testid="sync-counts">
              <thead className="bg-slate-50 text-slate-500">
                <tr>
                  <th scope="col" className="px-2 py-1.5 font-medium">Object</th>
                  <th scope="col" className="px-2 py-1.5 font-medium">Status</th>
                  <th scope="col" className="px-2 py-1.5 text-right font-medium">Records</th>
                  <th scope="col" className="px-2 py-1.5 text-right font-medium">Skipped</th>
                  <th scope="col" className="px-2 py-1.5 font-medium">Mode</th>
                  <th scope="col" className="px-2 py-1.5 font-medium">Finished</th>
                  <th scope="col" className="px-2 py-1.5 text-right font-medium">Last full sync</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id} className="border-t border-slate-100">
                    <td className="px-2 py-1.5 font-medium text-slate-700">{objectLabel(r.object_type)}{r.direction === "outbound" ? " (write-back)" : ""}</td>
                    <td className={`px-2 py-1.5 ${r.status === "failed" ? "text-red-700" : r.status === "partial" ? "text-amber-700" : "text-slate-600"}`}>{r.status}</td>
                    <td className="px-2 py-1.5 text-right tabular-nums">{r.records_processed.toLocaleString("en-US")}{r.records_total !== null && r.records_total >= r.records_processed ? ` / ${r.records_total.toLocaleString("en-US")}` : ""}</td>
                    <td className="px-2 py-1.5 text-right tabular-nums">{r.records_skipped.toLocaleString("en-US")}</td>
                    <td className="px-2 py-1.5 text-slate-600">{r.mode}</td>
                    <td className="px-2 py-1.5 text-slate-600">{r.completed_at ? <TimeAgo value={r.completed_at} /> : "running"}</td>
                    <td className="px-2 py-1.5 text-right tabular-nums text-slate-600" data-testid="last-full-count">
                      {r.direction === "inbound" && fullByType.get(r.object_type)
                        ? <>{fullByType.get(r.object_type)!.records_processed.toLocaleString("en-US")} <span className="text-slate-400">({formatDate(fullByType.get(r.object_type)!.started_at)})</span></>
                        : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          !syncing && <p className="text-sm text-slate-500">Nothing synced yet. Click <strong>Sync Now</strong> to pull your {c.provider === "hubspot" ? "companies, contacts and deals" : "customers, subscriptions, invoices and charges"}.</p>
        )}
      </section>

      <SyncHistory connection={c} />

      {(c.webhooks.pending > 0 || c.webhooks.failed > 0) && (
        <section aria-label="Webhooks" data-testid="webhook-health">
          <Notice tone="warning">
            Webhooks: {c.webhooks.pending > 0 && <>{c.webhooks.pending} event{c.webhooks.pending === 1 ? "" : "s"} received but not applied yet (retried automatically every few minutes). </>}
            {c.webhooks.failed > 0 && <>{c.webhooks.failed} failed in the last 3 days{c.webhooks.last_error ? ` — latest: ${c.webhooks.last_error}` : ""}. The next sync picks up what they carried.</>}
          </Notice>
        </section>
      )}

      {(errors.length > 0 || c.last_error) && (
        <section aria-label="Error log" className="space-y-2" data-testid="error-log">
          <h4 className="text-sm font-semibold text-slate-700">Errors and skipped records</h4>
          {c.last_error && !errors.some((r) => r.error && c.last_error?.includes(r.error)) && <Notice>{c.last_error}</Notice>}
          <ul className="space-y-2">
            {errors.map((r) => (
              <li key={r.id} className="rounded-md border border-red-100 bg-red-50/50 p-2 text-xs text-slate-700">
                <p className="font-medium text-slate-800">{objectLabel(r.object_type)} · {formatDate(r.started_at)} · {r.status}</p>
                {r.error && <p className="mt-0.5 break-words text-red-800">{r.error}</p>}
                {r.error_guidance && <p className="mt-0.5 break-words text-slate-700"><span className="font-medium">What to do: </span>{r.error_guidance}</p>}
                {r.skip_reasons.length > 0 && (
                  <details className="mt-1">
                    <summary className="cursor-pointer text-slate-600">{r.records_skipped} record{r.records_skipped === 1 ? "" : "s"} skipped</summary>
                    <ul className="mt-1 list-disc space-y-0.5 pl-5">
                      {r.skip_reasons.map((s, i) => <li key={i} className="break-words"><span className="font-mono">{s.external_id ?? "?"}</span>: {s.reason}</li>)}
                    </ul>
                  </details>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}

      <details className="group rounded-lg border border-slate-100 p-3" open={c.status === "reconnect_needed" || undefined}>
        <summary className="cursor-pointer text-sm font-medium text-slate-700">Settings</summary>
        <div className="mt-3 space-y-5">
          <WebhookSecretForm connection={c} onSaved={() => void onChanged()} />
          {c.provider === "hubspot" && <WriteBackToggle connection={c} onSaved={() => void onChanged()} />}
          {c.provider === "hubspot" && <PropertyMappingsEditor connection={c} onSaved={() => void onChanged()} />}
          <div className="space-y-2">
            <h4 className="text-sm font-medium text-slate-700">Replace credential</h4>
            <ConnectForm provider={c.provider} showOAuth={c.auth_type === "oauth"} submitLabel="Test & Save"
              onSaved={(r: ConfigureResponse) => { setCredMsg([...r.missing_scopes.map((s) => `Missing scope: ${s}`), ...r.warnings]); void onChanged(); }} />
            {credMsg && (credMsg.length ? <Notice tone="warning">{credMsg.join(" · ")}</Notice> : <Notice tone="success">Credential verified and saved.</Notice>)}
          </div>
          <div className="flex items-center justify-between gap-2 border-t border-slate-100 pt-3">
            <p className="text-xs text-slate-500">Disconnecting keeps your synced data.</p>
            <DisconnectButton connection={c} onDone={(w) => { onMessage(w ? "warning" : "success", `${providerLabel} “${c.display_name}” disconnected. Your synced data is kept.${w ? ` ${w}` : ""}`); void onChanged(); }} />
          </div>
        </div>
      </details>
    </article>
  );
}
