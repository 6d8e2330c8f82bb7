"use client";
/**
 * Per-connection settings on the Integrations page:
 * - webhook signing secret (`PATCH /api/integrations/{name}/settings` `{connection_id, webhook_secret}`;
 *   stored encrypted, only its last 4 characters come back),
 * - HubSpot write-back toggle (`{connection_id, write_back}`),
 * - HubSpot property mappings (`PUT /api/integrations/hubspot/mappings`
 *   `{connection_id, mappings: {hubspot_property: account_field}}`): extra company properties copied
 *   into each account's custom fields on the next sync.
 */
import { useId, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, INPUT_CLASS, Notice } from "@/components/settings/ui";
import type { ConnectionView } from "./types";

type SettingsResponse = { connection: ConnectionView };

export function WebhookSecretForm({ connection, onSaved }: { connection: ConnectionView; onSaved: (c: ConnectionView) => void }) {
  const id = useId();
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ tone: "error" | "success"; text: string } | null>(null);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setMsg(null);
    try {
      const r = await apiFetch<SettingsResponse>(`/api/integrations/${connection.provider}/settings`, {
        method: "PATCH", body: { connection_id: connection.id, webhook_secret: value.trim() },
      });
      setValue("");
      setMsg({ tone: "success", text: "Webhook secret saved." });
      onSaved(r.connection);
    } catch (err) {
      setMsg({ tone: "error", text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  const where = connection.provider === "stripe"
    ? "Stripe Dashboard → Developers → Webhooks → your endpoint → Signing secret (whsec_…). Endpoint URL: /api/webhooks/stripe on this server."
    : "Your HubSpot app's client secret, used to verify the signature of webhook calls (signature v3).";
  return (
    <form onSubmit={save} className="space-y-2" noValidate>
      <label htmlFor={`${id}-wh`} className="block text-sm font-medium text-slate-700">
        Webhook signing secret {connection.webhook_secret_hint && <span className="font-normal text-slate-500">(current: {connection.webhook_secret_hint})</span>}
      </label>
      <div className="flex flex-col gap-2 sm:flex-row">
        <input id={`${id}-wh`} type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)}
          placeholder={connection.webhook_secret_hint ? "Paste a new secret to replace it" : "Paste the signing secret"}
          className={`${INPUT_CLASS} sm:mt-0`} aria-describedby={`${id}-wh-help`} />
        <Button type="submit" busy={busy} busyLabel="Saving…" disabled={value.trim().length === 0} className="shrink-0 whitespace-nowrap">Save secret</Button>
      </div>
      <p id={`${id}-wh-help`} className="text-xs text-slate-500">{where}</p>
      {msg && <Notice tone={msg.tone}>{msg.text}</Notice>}
    </form>
  );
}

export function WriteBackToggle({ connection, onSaved }: { connection: ConnectionView; onSaved: (c: ConnectionView) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pushMsg, setPushMsg] = useState<{ tone: "error" | "success"; text: string } | null>(null);
  const [pushing, setPushing] = useState(false);

  async function toggle(next: boolean) {
    setBusy(true);
    setError(null);
    try {
      const r = await apiFetch<SettingsResponse>(`/api/integrations/${connection.provider}/settings`, {
        method: "PATCH", body: { connection_id: connection.id, write_back: next },
      });
      onSaved(r.connection);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function pushNow() {
    setPushing(true);
    setPushMsg(null);
    try {
      await apiFetch<unknown>(`/api/integrations/hubspot/push-scores?connection_id=${encodeURIComponent(connection.id)}`, { method: "POST" });
      setPushMsg({ tone: "success", text: "Pushing the latest scores to HubSpot in the background." });
    } catch (err) {
      setPushMsg({ tone: "error", text: errorMessage(err) });
    } finally {
      setPushing(false);
    }
  }

  return (
    <div className="space-y-2">
      <label className="flex items-start gap-2 text-sm text-slate-700">
        <input type="checkbox" checked={connection.write_back} disabled={busy} onChange={(e) => void toggle(e.target.checked)}
          className="mt-0.5" data-testid="write-back-toggle" />
        <span>
          <span className="font-medium">Write health scores back to HubSpot</span>
          <span className="block text-xs text-slate-500">After each scoring run, each company gets the churnwatch health score, risk level and churn probability properties.</span>
        </span>
      </label>
      {connection.write_back && (
        <Button onClick={pushNow} busy={pushing} busyLabel="Pushing…">Push scores now</Button>
      )}
      {error && <Notice>{error}</Notice>}
      {pushMsg && <Notice tone={pushMsg.tone}>{pushMsg.text}</Notice>}
    </div>
  );
}

type Row = { key: number; property: string; field: string };

const FIELD_RE = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;
const PROPERTY_RE = /^[a-z0-9_]{1,100}$/;

/** Edit {hubspot_property: account_field} pairs; validates locally, saves with PUT /api/integrations/hubspot/mappings. */
export function PropertyMappingsEditor({ connection, onSaved }: { connection: ConnectionView; onSaved: () => void }) {
  const id = useId();
  const initial = Object.entries(connection.property_mappings).map(([property, field], i) => ({ key: i, property, field }));
  const [rows, setRows] = useState<Row[]>(initial);
  const [nextKey, setNextKey] = useState(initial.length);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ tone: "error" | "success"; text: string } | null>(null);

  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (!r.property && !r.field) continue;
    if (!PROPERTY_RE.test(r.property)) problems.push(`"${r.property || "(empty)"}" is not a HubSpot property name (lowercase letters, digits, _)`);
    if (!FIELD_RE.test(r.field)) problems.push(`"${r.field || "(empty)"}" is not a valid account field name (letters, digits, _; starts with a letter)`);
    if (seen.has(r.property)) problems.push(`"${r.property}" is mapped twice`);
    seen.add(r.property);
  }

  const update = (key: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  async function save() {
    setBusy(true);
    setMsg(null);
    try {
      const mappings = Object.fromEntries(rows.filter((r) => r.property && r.field).map((r) => [r.property, r.field]));
      await apiFetch<unknown>("/api/integrations/hubspot/mappings", { method: "PUT", body: { connection_id: connection.id, mappings } });
      setMsg({ tone: "success", text: "Mappings saved. They apply from the next sync." });
      onSaved();
    } catch (err) {
      setMsg({ tone: "error", text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset className="space-y-2" data-testid="property-mappings">
      <legend className="text-sm font-medium text-slate-700">Property mappings</legend>
      <p className="text-xs text-slate-500">Copy extra HubSpot company properties into the account (shown as custom fields on the account page).</p>
      {rows.length === 0 && <p className="text-xs text-slate-500">No mappings yet. Add one to bring a custom company property into Churnwatch.</p>}
      <ul className="space-y-2">
        {rows.map((r, i) => (
          <li key={r.key} className="grid grid-cols-1 gap-2 sm:grid-cols-[1fr_1fr_auto] sm:items-end">
            <div>
              <label htmlFor={`${id}-p${r.key}`} className="block text-xs font-medium text-slate-600">HubSpot property {i + 1}</label>
              <input id={`${id}-p${r.key}`} value={r.property} onChange={(e) => update(r.key, { property: e.target.value.trim() })} placeholder="e.g. contract_tier" className={INPUT_CLASS} />
            </div>
            <div>
              <label htmlFor={`${id}-f${r.key}`} className="block text-xs font-medium text-slate-600">Account field {i + 1}</label>
              <input id={`${id}-f${r.key}`} value={r.field} onChange={(e) => update(r.key, { field: e.target.value.trim() })} placeholder="e.g. contractTier" className={INPUT_CLASS} />
            </div>
            <Button variant="ghost" onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))} aria-label={`Remove mapping ${i + 1}`}>Remove</Button>
          </li>
        ))}
      </ul>
      {problems.length > 0 && <Notice tone="warning">{problems.join("; ")}</Notice>}
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => { setRows((rs) => [...rs, { key: nextKey, property: "", field: "" }]); setNextKey((k) => k + 1); }}>Add mapping</Button>
        <Button variant="primary" onClick={save} busy={busy} busyLabel="Saving…" disabled={problems.length > 0}>Save mappings</Button>
      </div>
      {msg && <Notice tone={msg.tone}>{msg.text}</Notice>}
    </fieldset>
  );
}
