"use client";
/**
 * Book of business (issue 16), admin: each HubSpot owner and the Churnwatch user who is the CSM of its accounts
 * (matched by e-mail, or chosen here — a choice made here is kept over matching). "Nobody" leaves the owner's
 * accounts "unassigned — <owner name>".
 */
import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "@/components/settings/api-fetch";

type Owner = { owner_id: string; owner_name: string; owner_email: string | null; user_id: string | null; user_name: string | null; source: string; accounts: number };
type Member = { user_id: string; name: string; email: string };

export function OwnerMapping() {
  const [owners, setOwners] = useState<Owner[]>([]);
  const [members, setMembers] = useState<Member[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const [o, m] = await Promise.all([apiFetch<{ data: Owner[] }>("/api/views/owners"), apiFetch<{ data: Member[] }>("/api/users")]);
      setOwners(o.data);
      setMembers(m.data);
    } catch (e) {
      setError((e as Error).message);
    }
  }, []);
  useEffect(() => { void load(); }, [load]);

  async function map(ownerId: string, userId: string) {
    setError(null);
    try {
      await apiFetch(`/api/views/owners/${ownerId}`, { method: "PUT", body: { user_id: userId || null } });
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 className="mb-2 font-semibold">CSMs of HubSpot owners</h2>
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      {owners.length === 0 ? <p className="text-sm text-slate-500">No HubSpot owners synced yet.</p> : (
        <table className="w-full text-sm" data-testid="owner-mapping">
          <thead><tr className="text-left text-xs text-slate-500"><th>HubSpot owner</th><th>Accounts</th><th>CSM</th><th>How</th></tr></thead>
          <tbody>
            {owners.map((o) => (
              <tr key={o.owner_id} className="border-t border-slate-100">
                <td className="py-1">{o.owner_name}<div className="text-xs text-slate-500">{o.owner_email}</div></td>
                <td className="py-1 tabular-nums">{o.accounts}</td>
                <td className="py-1">
                  <select aria-label={`CSM of ${o.owner_name}`} className="rounded border border-slate-300 px-1 py-0.5" value={o.user_id ?? ""} onChange={(e) => void map(o.owner_id, e.target.value)}>
                    <option value="">nobody (unassigned — {o.owner_name})</option>
                    {members.map((m) => <option key={m.user_id} value={m.user_id}>{m.name} ({m.email})</option>)}
                  </select>
                </td>
                <td className="py-1 text-xs text-slate-500">{o.source === "admin" ? "set by an admin" : o.source === "email" ? (o.user_id ? "same e-mail" : "no user with its e-mail") : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
