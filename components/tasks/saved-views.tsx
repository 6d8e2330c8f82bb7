"use client";
/**
 * Saved views of the accounts table (issue 16): the user's own and the organization's shared ones as links; "Save
 * view" stores the current filters (the URL's query) under a name, optionally shared with the organization.
 */
import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "@/components/settings/api-fetch";

type View = { id: string; name: string; filters: Record<string, string | number | boolean>; shared: boolean; mine: boolean; author_name: string | null };

const NOT_FILTERS = new Set(["cursor", "format"]);

export function SavedViews() {
  const [views, setViews] = useState<View[]>([]);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try { setViews((await apiFetch<{ data: View[] }>("/api/views")).data); } catch (e) { setError((e as Error).message); }
  }, []);
  useEffect(() => { void load(); }, [load]);

  async function save() {
    const filters = Object.fromEntries([...new URLSearchParams(window.location.search)].filter(([k]) => !NOT_FILTERS.has(k)));
    setError(null);
    try {
      await apiFetch("/api/views", { method: "POST", body: { name, filters, shared } });
      setName("");
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <div className="flex flex-wrap items-center gap-2 text-sm" data-testid="saved-views">
      <span className="text-slate-500">Views:</span>
      {views.map((v) => (
        <span key={v.id} className="inline-flex items-center gap-1 rounded bg-slate-100 px-2 py-0.5">
          <a className="text-indigo-700 hover:underline" href={`/accounts?${new URLSearchParams(Object.entries(v.filters).map(([k, x]) => [k, String(x)]))}`}>{v.name}</a>
          {v.shared ? <span className="text-xs text-slate-500">{v.mine ? "shared" : `by ${v.author_name ?? "a colleague"}`}</span> : null}
          {v.mine ? <button aria-label={`Delete view ${v.name}`} className="text-xs text-slate-400 hover:text-red-700" onClick={() => void apiFetch(`/api/views/${v.id}`, { method: "DELETE" }).then(load)}>×</button> : null}
        </span>
      ))}
      <input aria-label="View name" placeholder="Save these filters as…" value={name} onChange={(e) => setName(e.target.value)} className="rounded border border-slate-300 px-2 py-0.5" />
      <label className="flex items-center gap-1 text-xs"><input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} /> share</label>
      <button disabled={!name.trim()} onClick={() => void save()} className="rounded border border-slate-300 px-2 py-0.5 disabled:opacity-50">Save view</button>
      {error ? <span role="alert" className="text-xs text-red-700">{error}</span> : null}
    </div>
  );
}
