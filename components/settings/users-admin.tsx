"use client";
/**
 * Users page body: members with their roles (`GET /api/users` shape), add a user with a role
 * (`POST /api/users` → the one-time password is shown ONCE with a copy button), change a role
 * (`PATCH /api/users/{membershipId}`), remove (`DELETE /api/users/{membershipId}`, with confirmation).
 * The server refuses to remove or demote the last owner; its message is shown inline.
 */
import { useId, useRef, useState } from "react";
import { apiFetch, errorMessage } from "@/components/settings/api-fetch";
import { Button, INPUT_CLASS, Notice } from "@/components/settings/ui";
import { formatDate } from "@/lib/format";

export type Role = "owner" | "admin" | "csm";
export type MemberView = { id: string; user_id: string; email: string; name: string; role: Role; created_at: string };

const ROLE_LABEL: Record<Role, string> = { owner: "Owner", admin: "Admin", csm: "CSM" };
const ROLE_HELP = "Owner and Admin manage integrations, scoring and users; CSM sees dashboards, accounts and scores only.";

type Created = { membership_id: string; email: string; role: Role; one_time_password: string };

function OneTimePassword({ created, onDismiss }: { created: Created; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.one_time_password);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <div role="status" className="space-y-2 rounded-lg border border-green-200 bg-green-50 p-3 text-sm text-green-900" data-testid="one-time-password">
      <p><strong>{created.email}</strong> was added as {ROLE_LABEL[created.role]}. Give them this one-time password; it is shown only now.</p>
      <div className="flex flex-wrap items-center gap-2">
        <code className="rounded bg-white px-2 py-1 font-mono text-base text-slate-900 break-all" data-testid="otp-value">{created.one_time_password}</code>
        <Button onClick={copy}>{copied ? "Copied ✓" : "Copy"}</Button>
        <Button variant="ghost" onClick={onDismiss}>Done</Button>
      </div>
    </div>
  );
}

function AddUserForm({ canAddOwner, onAdded }: { canAddOwner: boolean; onAdded: (c: Created) => void }) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; fields?: Record<string, string> } | null>(null);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const fd = new FormData(form);
    setBusy(true);
    setError(null);
    try {
      const r = await apiFetch<Created>("/api/users", { method: "POST", body: { email: String(fd.get("email") ?? "").trim(), name: String(fd.get("name") ?? "").trim(), role: fd.get("role") } });
      form.reset();
      onAdded(r);
    } catch (err) {
      setError({ text: errorMessage(err), fields: (err as { fields?: Record<string, string> }).fields });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="grid grid-cols-1 gap-3 sm:grid-cols-[1fr_1fr_10rem_auto] sm:items-end" noValidate data-testid="add-user-form">
      <div>
        <label htmlFor={`${id}-name`} className="block text-sm font-medium text-slate-700">Name</label>
        <input id={`${id}-name`} name="name" required autoComplete="off" className={INPUT_CLASS} aria-invalid={error?.fields?.name ? true : undefined} />
      </div>
      <div>
        <label htmlFor={`${id}-email`} className="block text-sm font-medium text-slate-700">E-mail</label>
        <input id={`${id}-email`} name="email" type="email" required autoComplete="off" className={INPUT_CLASS} aria-invalid={error?.fields?.email ? true : undefined} />
      </div>
      <div>
        <label htmlFor={`${id}-role`} className="block text-sm font-medium text-slate-700">Role</label>
        <select id={`${id}-role`} name="role" defaultValue="csm" className={INPUT_CLASS}>
          <option value="csm">CSM</option>
          <option value="admin">Admin</option>
          {canAddOwner && <option value="owner">Owner</option>}
        </select>
      </div>
      <Button type="submit" variant="primary" busy={busy} busyLabel="Adding…">Add user</Button>
      {error && <div className="sm:col-span-4"><Notice testId="add-user-error">{error.text}</Notice></div>}
    </form>
  );
}

function MemberRow({ m, isSelf, canManageOwners, onChanged, onRemoved }: {
  m: MemberView; isSelf: boolean; canManageOwners: boolean; onChanged: (m: MemberView) => void; onRemoved: (id: string) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState<"role" | "remove" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  async function changeRole(role: Role) {
    setBusy("role");
    setError(null);
    try {
      await apiFetch(`/api/users/${encodeURIComponent(m.id)}`, { method: "PATCH", body: { role } });
      onChanged({ ...m, role });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function remove() {
    setBusy("remove");
    setError(null);
    try {
      await apiFetch(`/api/users/${encodeURIComponent(m.id)}`, { method: "DELETE" });
      dialog.current?.close();
      onRemoved(m.id);
    } catch (err) {
      dialog.current?.close();
      setError(errorMessage(err));
      setBusy(null);
    }
  }

  const locked = m.role === "owner" && !canManageOwners;
  return (
    <tr className="border-t border-slate-100 align-top" data-testid="member-row">
      <td className="px-3 py-2">
        <div className="font-medium text-slate-900">{m.name}{isSelf && <span className="ml-1 text-xs font-normal text-slate-500">(you)</span>}</div>
        <div className="break-all text-xs text-slate-500">{m.email}</div>
        {error && <div className="mt-1"><Notice testId="member-error">{error}</Notice></div>}
      </td>
      <td className="px-3 py-2">
        <label htmlFor={`${id}-role`} className="sr-only">Role of {m.name}</label>
        <select id={`${id}-role`} value={m.role} disabled={busy !== null || locked} onChange={(e) => void changeRole(e.target.value as Role)}
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm disabled:bg-slate-100">
          <option value="csm">CSM</option>
          <option value="admin">Admin</option>
          {(canManageOwners || m.role === "owner") && <option value="owner">Owner</option>}
        </select>
      </td>
      <td className="px-3 py-2 text-xs text-slate-500">{formatDate(m.created_at)}</td>
      <td className="px-3 py-2 text-right">
        <Button variant="ghost" className="text-red-700 hover:bg-red-50" disabled={busy !== null || locked} onClick={() => dialog.current?.showModal()}
          aria-label={`Remove ${m.name}`}>Remove</Button>
        <dialog ref={dialog} aria-labelledby={`${id}-dlg`} className="m-auto w-[calc(100%-2rem)] max-w-sm rounded-xl border border-slate-200 p-0 text-left shadow-xl backdrop:bg-slate-900/40">
          <div className="space-y-3 p-5">
            <h2 id={`${id}-dlg`} className="text-lg font-semibold">Remove {m.name}?</h2>
            <p className="text-sm text-slate-600">{m.email} loses access to this organization{isSelf ? ", including you: you will be signed out of it" : ""}. Their past actions stay in the history.</p>
            <div className="flex justify-end gap-2">
              <Button onClick={() => dialog.current?.close()} autoFocus>Cancel</Button>
              <Button variant="danger" onClick={remove} busy={busy === "remove"} busyLabel="Removing…">Remove</Button>
            </div>
          </div>
        </dialog>
      </td>
    </tr>
  );
}

export function UsersAdmin({ initial, currentUserId, currentRole }: { initial: MemberView[]; currentUserId: string; currentRole: Role }) {
  const [members, setMembers] = useState(initial);
  const [created, setCreated] = useState<Created | null>(null);
  const canManageOwners = currentRole === "owner";

  async function reload() {
    try {
      const r = await apiFetch<{ data: MemberView[] }>("/api/users");
      setMembers(r.data);
    } catch {
      /* the list stays as it was; the action's own message is already shown */
    }
  }

  return (
    <div className="space-y-6">
      <section aria-labelledby="add-user-title" className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <h2 id="add-user-title" className="text-sm font-semibold text-slate-700">Add a user</h2>
        <p className="text-xs text-slate-500">{ROLE_HELP}</p>
        <AddUserForm canAddOwner={canManageOwners} onAdded={(c) => { setCreated(c); void reload(); }} />
        {created && <OneTimePassword created={created} onDismiss={() => setCreated(null)} />}
      </section>
      <section aria-labelledby="members-title" className="rounded-xl border border-slate-200 bg-white shadow-sm">
        <h2 id="members-title" className="px-4 pt-4 text-sm font-semibold text-slate-700">Members ({members.length})</h2>
        {/* relative: the visually hidden labels (absolute) stay inside the scroll box instead of widening the page */}
        <div className="relative mt-2 overflow-x-auto">
          <table className="w-full min-w-[520px] text-left text-sm" data-testid="members-table">
            <thead className="bg-slate-50 text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">User</th>
                <th scope="col" className="px-3 py-2 font-medium">Role</th>
                <th scope="col" className="px-3 py-2 font-medium">Added</th>
                <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <MemberRow key={m.id} m={m} isSelf={m.user_id === currentUserId} canManageOwners={canManageOwners}
                  onChanged={(x) => setMembers((ms) => ms.map((y) => (y.id === x.id ? x : y)))}
                  onRemoved={(rid) => setMembers((ms) => ms.filter((y) => y.id !== rid))} />
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
