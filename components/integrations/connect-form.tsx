"use client";
/**
 * Connect a provider: paste a credential and "Test & Save" (`POST /api/integrations/{name}/configure`
 * with `{token}` for HubSpot or `{api_key}` for Stripe: the server verifies it with a real call before
 * storing it encrypted), or "Connect with OAuth" (`POST /api/integrations/{name}/connect` →
 * `{authorize_url}`; the browser navigates there and the callback returns to `/integrations?connected=…`).
 * Errors show the server's message inline; missing scopes and warnings of a successful save are
 * reported to the parent (`onSaved`) so they stay visible after the list refreshes.
 */
import { useId, useState } from "react";
import { apiFetch, ApiError, errorMessage } from "@/components/settings/api-fetch";
import { Button, INPUT_CLASS, Notice } from "@/components/settings/ui";
import type { ConnectionView, ProviderName } from "./types";

export type ConfigureResponse = { connection: ConnectionView; missing_scopes: string[]; warnings: string[]; created: boolean };

const COPY: Record<ProviderName, { field: "token" | "api_key"; label: string; placeholder: string; help: string }> = {
  hubspot: {
    field: "token",
    label: "Service Key or private-app access token",
    placeholder: "pat-na1-…",
    // Today's app model (HubSpot changelog "Legacy private app creation being disabled", 2026-09/10): new legacy
    // private apps can no longer be created; a Service Key or a static-auth app of the developer platform gives
    // the same kind of static bearer token; an existing legacy private app's pat-… token keeps working.
    help: "In HubSpot, create a Service Key (Settings → Integrations → Service Keys) or a static-auth app on the developer platform — legacy private apps can no longer be created, but an existing one's pat-… token still works. Grant crm.objects.companies.read, crm.objects.contacts.read, crm.objects.deals.read and crm.objects.owners.read (optional: tickets; for write-back also crm.objects.companies.write and crm.schemas.companies.write), then paste its access token. Webhooks (instant updates) need OAuth: Service Keys do not support them.",
  },
  stripe: {
    field: "api_key",
    label: "API key",
    placeholder: "rk_live_… or sk_test_…",
    // Stripe recommends restricted keys, and no longer recommends Connect OAuth for new platforms
    // (docs.stripe.com/connect/oauth-standard-accounts): the key is the first choice, OAuth the alternative.
    help: "Recommended: a restricted key with read-only access (Stripe Dashboard → Developers → API keys → Create restricted key: Read on Customers, Subscriptions, Invoices, Charges, Products, Prices, Events) — Stripe recommends restricted keys, and no longer recommends Connect OAuth for new platforms. A secret key (sk_…) also works. Test-mode keys are labelled (test).",
  },
};

export function ConnectForm({ provider, submitLabel = "Test & Save", onSaved, showOAuth = true }: {
  provider: ProviderName;
  submitLabel?: string;
  onSaved: (r: ConfigureResponse) => void;
  showOAuth?: boolean;
}) {
  const id = useId();
  const copy = COPY[provider];
  const [value, setValue] = useState("");
  const [writeBack, setWriteBack] = useState(false);
  const [busy, setBusy] = useState<"save" | "oauth" | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Set when the server says this provider's OAuth app is not configured: what to set, instead of an error. */
  const [oauthOff, setOauthOff] = useState<string | null>(null);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    if (!value.trim()) {
      setError(`Paste the ${copy.label.toLowerCase()} first.`);
      return;
    }
    setBusy("save");
    setError(null);
    try {
      const body: Record<string, unknown> = { [copy.field]: value.trim() };
      if (provider === "hubspot" && writeBack) body.write_back = true;
      const r = await apiFetch<ConfigureResponse>(`/api/integrations/${provider}/configure`, { method: "POST", body });
      setValue("");
      onSaved(r);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function oauth() {
    setBusy("oauth");
    setError(null);
    try {
      const body: Record<string, unknown> = { redirect_to: "/integrations" };
      if (provider === "hubspot" && writeBack) body.write_back = true;
      const r = await apiFetch<{ authorize_url: string }>(`/api/integrations/${provider}/connect`, { method: "POST", body });
      window.location.assign(r.authorize_url);
    } catch (err) {
      if (err instanceof ApiError && err.code === "not_configured") setOauthOff(err.message);
      else setError(err instanceof ApiError && err.status === 404 ? "OAuth is not available for this provider on this server; use a token instead." : errorMessage(err));
      setBusy(null);
    }
  }

  return (
    <form onSubmit={save} className="space-y-3" data-testid={`connect-form-${provider}`} noValidate>
      <div>
        <label htmlFor={`${id}-cred`} className="block text-sm font-medium text-slate-700">{copy.label}</label>
        <input id={`${id}-cred`} name={copy.field} type="password" autoComplete="off" spellCheck={false} value={value}
          onChange={(e) => setValue(e.target.value)} placeholder={copy.placeholder} className={INPUT_CLASS}
          aria-describedby={`${id}-help`} aria-invalid={error ? true : undefined} />
        <p id={`${id}-help`} className="mt-1 text-xs text-slate-500">{copy.help}</p>
      </div>
      {provider === "hubspot" && (
        <label className="flex items-start gap-2 text-sm text-slate-700">
          <input type="checkbox" checked={writeBack} onChange={(e) => setWriteBack(e.target.checked)} className="mt-0.5" />
          <span>Write health scores back to HubSpot companies (needs the companies write scope)</span>
        </label>
      )}
      {error && <Notice testId="connect-error">{error}</Notice>}
      {oauthOff && <Notice tone="info" testId="oauth-not-configured">OAuth is not set up on this server. {oauthOff}</Notice>}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="primary" busy={busy === "save"} busyLabel="Testing…" disabled={busy !== null}>{submitLabel}</Button>
        {showOAuth && (
          <Button onClick={oauth} busy={busy === "oauth"} busyLabel="Redirecting…" disabled={busy !== null || oauthOff !== null}>{provider === "stripe" ? "Connect with Stripe Connect (OAuth)" : "Connect with OAuth"}</Button>
        )}
      </div>
    </form>
  );
}
