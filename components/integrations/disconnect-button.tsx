"use client";
/**
 * "Disconnect" with a confirmation dialog (native <dialog>: focus moves into it, Esc cancels) that says
 * the synced data is kept. Calls `DELETE /api/integrations/{name}/disconnect?connection_id=…`.
 */
import { useRef, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, Notice } from "@/components/settings/ui";
import { PROVIDER_LABEL, type ConnectionView } from "./types";

export function DisconnectButton({ connection, onDone }: { connection: ConnectionView; onDone: (warning: string | null) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = PROVIDER_LABEL[connection.provider];

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      const r = await apiFetch<{ warning: string | null }>(
        `/api/integrations/${connection.provider}/disconnect?connection_id=${encodeURIComponent(connection.id)}`, { method: "DELETE" });
      ref.current?.close();
      onDone(r.warning);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button variant="ghost" className="text-red-700 hover:bg-red-50" onClick={() => { setError(null); ref.current?.showModal(); }}>Disconnect</Button>
      <dialog ref={ref} aria-labelledby={`dc-title-${connection.id}`} data-testid="disconnect-dialog"
        className="m-auto w-[calc(100%-2rem)] max-w-md rounded-xl border border-slate-200 p-0 shadow-xl backdrop:bg-slate-900/40">
        <div className="space-y-3 p-5">
          <h2 id={`dc-title-${connection.id}`} className="text-lg font-semibold text-slate-900">Disconnect {name} “{connection.display_name}”?</h2>
          <p className="text-sm text-slate-600">
            Syncing stops and the stored credentials are deleted. <strong>Your synced data is kept</strong>: accounts, history and
            scores stay, but they will no longer be updated from {name}. You can connect again at any time.
          </p>
          {error && <Notice>{error}</Notice>}
          <div className="flex flex-wrap justify-end gap-2">
            <Button onClick={() => ref.current?.close()} disabled={busy} autoFocus>Cancel</Button>
            <Button variant="danger" onClick={confirm} busy={busy} busyLabel="Disconnecting…">Disconnect</Button>
          </div>
        </div>
      </dialog>
    </>
  );
}
