"use client";
/** Admin-only: detach a source record from this account (DELETE /api/accounts/{id}/links/{linkId}). */
import { useRouter } from "next/navigation";
import { useState } from "react";

export function UnlinkButton({ accountId, sourceRecordId, label }: { accountId: string; sourceRecordId: string; label: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <span className="inline-flex items-center gap-2">
      <button type="button" disabled={busy}
        className="rounded border border-slate-300 px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-50 disabled:opacity-50"
        onClick={async () => {
          if (!confirm(`Unlink ${label} from this account? It becomes an account of its own, and re-syncs keep it separate.`)) return;
          setBusy(true);
          const res = await fetch(`/api/accounts/${accountId}/links/${sourceRecordId}`, { method: "DELETE" });
          setBusy(false);
          if (res.ok) router.refresh();
          else setError(((await res.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message ?? `failed (${res.status})`);
        }}>
        Unlink
      </button>
      {error && <span role="alert" className="text-xs text-red-700">{error}</span>}
    </span>
  );
}
