"use client";
/**
 * The interactive Integrations page: one section per provider (HubSpot, Stripe) with a card per
 * connection and a Connect form, a page banner (OAuth callback result, disconnects, saves), and the
 * scoring pipeline. Starts from server-rendered data and re-reads `GET /api/integrations` after changes.
 */
import { useCallback, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Notice } from "@/components/settings/ui";
import { ConnectForm, type ConfigureResponse } from "./connect-form";
import { ConnectionCard } from "./connection-card";
import { ScoringPipeline } from "./scoring-pipeline";
import { PROVIDER_LABEL, type PipelineRunView, type ProviderName, type ProviderView } from "./types";

type Banner = { tone: "success" | "warning" | "error"; text: string };

const INTRO: Record<ProviderName, string> = {
  hubspot: "CRM: companies, contacts, deals, owners and engagement (calls, meetings, notes).",
  stripe: "Billing: customers, subscriptions, invoices and charges. Read-only access is enough.",
};

function ProviderSection({ provider, onChanged, onMessage }: { provider: ProviderView; onChanged: () => Promise<void>; onMessage: (b: Banner) => void }) {
  const [adding, setAdding] = useState(false);
  const [saved, setSaved] = useState<ConfigureResponse | null>(null);
  const label = PROVIDER_LABEL[provider.name];
  const has = provider.connections.length > 0;

  const handleSaved = (r: ConfigureResponse) => {
    setSaved(r);
    setAdding(false);
    void onChanged();
  };

  return (
    <section aria-labelledby={`prov-${provider.name}`} className="space-y-3" data-testid={`provider-${provider.name}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <div>
          <h2 id={`prov-${provider.name}`} className="text-lg font-semibold text-slate-900">{label}</h2>
          <p className="text-sm text-slate-500">{INTRO[provider.name]}</p>
        </div>
        {has && !adding && (
          <button type="button" onClick={() => setAdding(true)} className="text-sm text-indigo-700 underline">Connect another {label} {provider.name === "hubspot" ? "portal" : "account"}</button>
        )}
      </div>
      {saved && (
        <div className="space-y-2" data-testid={`saved-${provider.name}`}>
          <Notice tone="success">{saved.created ? `Connected ${label} “${saved.connection.display_name}”.` : `Updated the credential of “${saved.connection.display_name}”.`}{" "}Click <strong>Sync Now</strong> to pull the data.</Notice>
          {saved.missing_scopes.length > 0 && (
            <Notice tone="warning">
              Missing {provider.name === "hubspot" ? "scopes" : "permissions"}: <span className="font-mono">{saved.missing_scopes.join(", ")}</span>. Related data will not sync until you add them.
            </Notice>
          )}
          {saved.warnings.map((w, i) => <Notice key={i} tone="warning">{w}</Notice>)}
        </div>
      )}
      {provider.connections.map((c) => (
        <ConnectionCard key={c.id} connection={c} onChanged={onChanged} onMessage={(tone, text) => onMessage({ tone, text })} />
      ))}
      {(!has || adding) && (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white p-4">
          <h3 className="mb-2 font-medium text-slate-800">{has ? `Connect another ${label} ${provider.name === "hubspot" ? "portal" : "account"}` : `Connect ${label}`}</h3>
          {!has && <p className="mb-3 text-sm text-slate-500">Not connected yet. Paste a credential and click Test &amp; Save: we check it with a real call before saving it (encrypted).</p>}
          <ConnectForm provider={provider.name} onSaved={handleSaved} />
          {adding && <button type="button" onClick={() => setAdding(false)} className="mt-2 text-sm text-slate-600 underline">Cancel</button>}
        </div>
      )}
    </section>
  );
}

export function IntegrationsClient({ initial, lastRun, initialBanner }: { initial: ProviderView[]; lastRun: PipelineRunView | null; initialBanner: Banner | null }) {
  const [providers, setProviders] = useState(initial);
  const [banner, setBanner] = useState<Banner | null>(initialBanner);

  const refresh = useCallback(async () => {
    try {
      const r = await apiFetch<{ data: ProviderView[] }>("/api/integrations");
      setProviders(r.data);
    } catch (err) {
      setBanner({ tone: "error", text: `Could not refresh the connections: ${errorMessage(err)}` });
    }
  }, []);

  const hasConnections = providers.some((p) => p.connections.length > 0);
  return (
    <div className="space-y-8">
      {banner && (
        <div className="flex items-start gap-2">
          <div className="min-w-0 flex-1"><Notice tone={banner.tone} testId="page-banner">{banner.text}</Notice></div>
          <button type="button" onClick={() => setBanner(null)} className="rounded px-2 py-1 text-sm text-slate-500 hover:bg-slate-100" aria-label="Dismiss message">✕</button>
        </div>
      )}
      {!hasConnections && (
        <Notice tone="info">Start here: connect HubSpot or Stripe (or both). After the first sync, accounts appear on the dashboard and in the Accounts table with a health score.</Notice>
      )}
      {providers.map((p) => <ProviderSection key={p.name} provider={p} onChanged={refresh} onMessage={setBanner} />)}
      <ScoringPipeline lastRun={lastRun} hasConnections={hasConnections} />
    </div>
  );
}
