"use client";
/**
 * The alerts page (issue 16): deliveries with their status and error and a "Send again" button; the rules (an admin
 * creates and deletes them: kind, threshold, Slack / e-mail, cooldown, playbook task); the organization's settings
 * (Slack webhook — write-only, only its hint is shown —, daily digest time, HubSpot write-back of tasks and notes).
 */
import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "@/components/settings/api-fetch";
import { OwnerMapping } from "./owner-mapping";

type Delivery = {
  id: string; kind: string; channel: string; target: string; status: string; attempts: number; last_error: string | null; next_attempt_at: string | null;
  sent_at: string | null; created_at: string; subject: string; event: { rule_name: string; account_id: string; account_name: string; summary: string } | null;
};
type Rule = { id: string; name: string; kind: string; params: Record<string, unknown>; slack_enabled: boolean; slack_webhook_hint: string | null; email_enabled: boolean; email_to: string; email_list: string[]; cooldown_hours: number; playbook: { title: string; due_in_days: number }[]; enabled: boolean };
type Settings = { slack_webhook_hint: string | null; digest_enabled: boolean; digest_time_utc: string; hubspot_write_back: boolean };

const KINDS: { kind: string; label: string; param?: { key: string; label: string; def: number } }[] = [
  { kind: "risk_level_changed", label: "Risk level changed to critical" },
  { kind: "score_dropped", label: "Health score dropped by ≥ N points in 7 days", param: { key: "points", label: "points", def: 10 } },
  { kind: "payment_failed", label: "Payment failed" },
  { kind: "cancellation_scheduled", label: "Cancellation scheduled for ≥ share of MRR", param: { key: "share", label: "share (0-1)", def: 0.5 } },
  { kind: "renewal_at_risk", label: "Renewal within N days while at risk", param: { key: "days", label: "days", def: 30 } },
  { kind: "probability_above", label: "Churn probability above P", param: { key: "probability", label: "probability (0-1)", def: 0.7 } },
];

const STATUS_CLS: Record<string, string> = { sent: "bg-emerald-50 text-emerald-800", failed: "bg-red-50 text-red-800", retrying: "bg-amber-50 text-amber-800", pending: "bg-slate-100 text-slate-700", sending: "bg-slate-100 text-slate-700" };

export function AlertsClient({ isAdmin }: { isAdmin: boolean }) {
  const [deliveries, setDeliveries] = useState<Delivery[]>([]);
  const [rules, setRules] = useState<Rule[]>([]);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ name: "Account turned critical", kind: "risk_level_changed", value: "", slack: true, slackUrl: "", email: true, emailTo: "csm", emailList: "", cooldown: 24, playbook: "" });
  const [sForm, setSForm] = useState({ slackUrl: "", digestTime: "08:00", digestEnabled: true, writeBack: false });

  const load = useCallback(async () => {
    try {
      const [d, r, s] = await Promise.all([
        apiFetch<{ data: Delivery[] }>("/api/alerts?limit=100"), apiFetch<{ data: Rule[] }>("/api/alerts/rules"), apiFetch<Settings>("/api/alerts/settings"),
      ]);
      setDeliveries(d.data);
      setRules(r.data);
      setSettings(s);
      setSForm((f) => ({ ...f, digestTime: s.digest_time_utc, digestEnabled: s.digest_enabled, writeBack: s.hubspot_write_back }));
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 3_000); // deliveries change in the background (retries)
    return () => clearInterval(t);
  }, [load]);

  async function act(f: () => Promise<unknown>) {
    setError(null);
    try {
      await f();
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const kind = KINDS.find((k) => k.kind === form.kind)!;
  return (
    <div className="space-y-6">
      {error ? <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800">{error}</p> : null}

      <section className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="mb-2 font-semibold">Deliveries</h2>
        {deliveries.length === 0 ? <p className="text-sm text-slate-500">No alerts yet.</p> : (
          <table className="w-full text-sm" data-testid="deliveries">
            <thead><tr className="text-left text-xs text-slate-500"><th>When</th><th>Alert</th><th>Channel</th><th>Status</th><th>Error</th><th /></tr></thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id} className="border-t border-slate-100 align-top" data-testid="delivery-row" data-status={d.status} data-channel={d.channel}>
                  <td className="py-1 pr-2 text-xs text-slate-500">{d.created_at.slice(0, 16).replace("T", " ")}</td>
                  <td className="py-1 pr-2">{d.event ? <><a className="text-indigo-700 hover:underline" href={`/accounts/${d.event.account_id}`}>{d.event.summary}</a><div className="text-xs text-slate-500">{d.event.rule_name}</div></> : d.subject}</td>
                  <td className="py-1 pr-2">{d.channel === "slack" ? "Slack" : "E-mail"}<div className="text-xs text-slate-500">{d.target}</div></td>
                  <td className="py-1 pr-2"><span className={`rounded px-1.5 py-0.5 text-xs ${STATUS_CLS[d.status] ?? ""}`}>{d.status}</span><div className="text-xs text-slate-500">{d.attempts} attempt{d.attempts === 1 ? "" : "s"}{d.next_attempt_at && d.status === "retrying" ? ` · next ${d.next_attempt_at.slice(11, 19)}` : ""}</div></td>
                  <td className="py-1 pr-2 text-xs text-red-700" data-testid="delivery-error">{d.status === "sent" ? "" : d.last_error}</td>
                  <td className="py-1">{isAdmin && d.status === "failed" ? <button className="rounded border border-slate-300 px-2 py-0.5 text-xs" onClick={() => void act(() => apiFetch(`/api/alerts/deliveries/${d.id}/resend`, { method: "POST" }))}>Send again</button> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="mb-2 font-semibold">Rules</h2>
        <ul className="mb-4 divide-y divide-slate-100 text-sm" data-testid="rules">
          {rules.map((r) => (
            <li key={r.id} className="flex items-center gap-2 py-1.5">
              <span className="font-medium">{r.name}</span>
              <span className="text-xs text-slate-500">{r.kind} {JSON.stringify(r.params)} · {[r.slack_enabled ? `Slack${r.slack_webhook_hint ? ` ${r.slack_webhook_hint}` : ""}` : null, r.email_enabled ? `e-mail to ${r.email_to === "csm" ? "the CSM" : r.email_list.join(", ")}` : null].filter(Boolean).join(" + ")} · cooldown {r.cooldown_hours} h{r.playbook.length ? ` · playbook: ${r.playbook.map((p) => p.title).join(", ")}` : ""}</span>
              {isAdmin ? <button className="ml-auto text-xs text-red-700" onClick={() => void act(() => apiFetch(`/api/alerts/rules/${r.id}`, { method: "DELETE" }))}>Delete</button> : null}
            </li>
          ))}
        </ul>
        {isAdmin ? (
          <form className="grid gap-2 text-sm md:grid-cols-2" aria-label="New alert rule" onSubmit={(e) => {
            e.preventDefault();
            const params = kind.param ? { [kind.param.key]: Number(form.value || kind.param.def) } : form.kind === "risk_level_changed" ? { levels: ["critical"] } : {};
            void act(() => apiFetch("/api/alerts/rules", { method: "POST", body: {
              name: form.name, kind: form.kind, params, slack_enabled: form.slack, ...(form.slackUrl ? { slack_webhook_url: form.slackUrl } : {}),
              email_enabled: form.email, email_to: form.emailTo, email_list: form.emailList.split(",").map((s) => s.trim()).filter(Boolean), cooldown_hours: Number(form.cooldown),
              playbook: form.playbook.trim() ? [{ title: form.playbook.trim(), due_in_days: 2 }] : [],
            } }).then(() => setForm((f) => ({ ...f, slackUrl: "" })))); // the webhook URL is a secret: not left on screen
          }}>
            <label className="flex flex-col">Name<input aria-label="Rule name" className="rounded border border-slate-300 px-2 py-1" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
            <label className="flex flex-col">When<select aria-label="Rule kind" className="rounded border border-slate-300 px-2 py-1" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value, value: "" })}>{KINDS.map((k) => <option key={k.kind} value={k.kind}>{k.label}</option>)}</select></label>
            {kind.param ? <label className="flex flex-col">{kind.param.label}<input aria-label="Threshold" className="rounded border border-slate-300 px-2 py-1" placeholder={String(kind.param.def)} value={form.value} onChange={(e) => setForm({ ...form, value: e.target.value })} /></label> : null}
            <label className="flex items-center gap-2"><input type="checkbox" aria-label="Slack" checked={form.slack} onChange={(e) => setForm({ ...form, slack: e.target.checked })} /> Slack</label>
            <label className="flex flex-col">Slack incoming-webhook URL (empty: the organization&apos;s)<input aria-label="Rule Slack webhook URL" className="rounded border border-slate-300 px-2 py-1" value={form.slackUrl} onChange={(e) => setForm({ ...form, slackUrl: e.target.value })} placeholder="https://hooks.slack.com/services/…" /></label>
            <label className="flex items-center gap-2"><input type="checkbox" aria-label="E-mail" checked={form.email} onChange={(e) => setForm({ ...form, email: e.target.checked })} /> E-mail to
              <select aria-label="E-mail to" className="rounded border border-slate-300 px-1" value={form.emailTo} onChange={(e) => setForm({ ...form, emailTo: e.target.value })}><option value="csm">the account&apos;s CSM</option><option value="list">a list</option></select></label>
            {form.emailTo === "list" ? <label className="flex flex-col">Addresses (comma-separated)<input aria-label="E-mail list" className="rounded border border-slate-300 px-2 py-1" value={form.emailList} onChange={(e) => setForm({ ...form, emailList: e.target.value })} /></label> : null}
            <label className="flex flex-col">Cooldown per account (hours)<input aria-label="Cooldown hours" type="number" min={0} className="rounded border border-slate-300 px-2 py-1" value={form.cooldown} onChange={(e) => setForm({ ...form, cooldown: Number(e.target.value) })} /></label>
            <label className="flex flex-col">Playbook task (optional, due in 2 days)<input aria-label="Playbook task" className="rounded border border-slate-300 px-2 py-1" value={form.playbook} onChange={(e) => setForm({ ...form, playbook: e.target.value })} placeholder="Critical: call the champion within 2 days" /></label>
            <div className="md:col-span-2"><button type="submit" className="rounded bg-indigo-600 px-3 py-1.5 text-white">Create rule</button></div>
          </form>
        ) : null}
      </section>

      {isAdmin && settings ? (
        <section className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="mb-2 font-semibold">Settings</h2>
          <form className="grid gap-2 text-sm md:grid-cols-2" aria-label="Alert settings" onSubmit={(e) => {
            e.preventDefault();
            void act(() => apiFetch("/api/alerts/settings", { method: "PUT", body: { ...(sForm.slackUrl ? { slack_webhook_url: sForm.slackUrl } : {}), digest_enabled: sForm.digestEnabled, digest_time_utc: sForm.digestTime, hubspot_write_back: sForm.writeBack } }).then(() => setSForm((f) => ({ ...f, slackUrl: "" }))));
          }}>
            <label className="flex flex-col">Organization Slack webhook {settings.slack_webhook_hint ? `(set: ${settings.slack_webhook_hint})` : "(not set)"}<input aria-label="Organization Slack webhook URL" className="rounded border border-slate-300 px-2 py-1" value={sForm.slackUrl} onChange={(e) => setSForm({ ...sForm, slackUrl: e.target.value })} placeholder="https://hooks.slack.com/services/…" /></label>
            <label className="flex flex-col">Daily digest at (UTC)<input aria-label="Digest time" type="time" className="rounded border border-slate-300 px-2 py-1" value={sForm.digestTime} onChange={(e) => setSForm({ ...sForm, digestTime: e.target.value })} /></label>
            <label className="flex items-center gap-2"><input type="checkbox" checked={sForm.digestEnabled} onChange={(e) => setSForm({ ...sForm, digestEnabled: e.target.checked })} /> Send the daily digest to each CSM</label>
            <label className="flex items-center gap-2"><input type="checkbox" checked={sForm.writeBack} onChange={(e) => setSForm({ ...sForm, writeBack: e.target.checked })} /> Write tasks and notes to HubSpot</label>
            <div className="md:col-span-2"><button type="submit" className="rounded bg-slate-700 px-3 py-1.5 text-white">Save settings</button></div>
          </form>
        </section>
      ) : null}

      {isAdmin ? <OwnerMapping /> : null}
    </div>
  );
}
