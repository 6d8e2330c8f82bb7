"use client";
/**
 * Tasks and notes of one account (issue 16): add a task (title, due date), tick it done, add a note. Talks to
 * /api/tasks and /api/tasks/notes; shows whether each was written to HubSpot (when write-back is on).
 */
import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "@/components/settings/api-fetch";

type Task = { id: string; title: string; due_at: string | null; assignee_name: string | null; done: boolean; from_playbook: boolean; hubspot_id: string | null; hubspot_error: string | null };
type Note = { id: string; body: string; author_name: string | null; created_at: string; hubspot_id: string | null; hubspot_error: string | null };

export function AccountWork({ accountId }: { accountId: string }) {
  const [tasks, setTasks] = useState<Task[]>([]);
  const [notes, setNotes] = useState<Note[]>([]);
  const [title, setTitle] = useState("");
  const [due, setDue] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const [t, n] = await Promise.all([
        apiFetch<{ data: Task[] }>(`/api/tasks?account_id=${encodeURIComponent(accountId)}`),
        apiFetch<{ data: Note[] }>(`/api/tasks/notes?account_id=${encodeURIComponent(accountId)}`),
      ]);
      setTasks(t.data);
      setNotes(n.data);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [accountId]);
  useEffect(() => { void load(); }, [load]);

  async function run(f: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await f();
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const open = tasks.filter((t) => !t.done);
  return (
    <div className="space-y-4" data-testid="account-work">
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      <form className="flex flex-wrap items-end gap-2" onSubmit={(e) => { e.preventDefault(); if (title.trim()) void run(async () => { await apiFetch("/api/tasks", { method: "POST", body: { account_id: accountId, title, due_at: due || null } }); setTitle(""); setDue(""); }); }}>
        <label className="flex flex-col text-xs text-slate-600">Task
          <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="e.g. Call the champion" className="mt-1 w-64 rounded border border-slate-300 px-2 py-1 text-sm" aria-label="Task title" />
        </label>
        <label className="flex flex-col text-xs text-slate-600">Due
          <input type="date" value={due} onChange={(e) => setDue(e.target.value)} className="mt-1 rounded border border-slate-300 px-2 py-1 text-sm" aria-label="Due date" />
        </label>
        <button type="submit" disabled={busy || !title.trim()} className="rounded bg-indigo-600 px-3 py-1.5 text-sm text-white disabled:opacity-50">Add task</button>
      </form>
      <p className="text-xs text-slate-500" data-testid="open-task-count">{open.length} open task{open.length === 1 ? "" : "s"}</p>
      <ul className="divide-y divide-slate-100" data-testid="task-list">
        {tasks.map((t) => (
          <li key={t.id} className="flex items-center gap-2 py-1.5 text-sm">
            <input type="checkbox" checked={t.done} aria-label={`Done: ${t.title}`} disabled={busy}
              onChange={() => void run(() => apiFetch(`/api/tasks/${t.id}`, { method: "PATCH", body: { done: !t.done } }))} />
            <span className={t.done ? "text-slate-400 line-through" : ""}>{t.title}</span>
            {t.from_playbook ? <span className="rounded bg-amber-50 px-1.5 text-xs text-amber-800">playbook</span> : null}
            <span className="ml-auto text-xs text-slate-500">
              {[t.due_at ? `due ${t.due_at.slice(0, 10)}` : null, t.assignee_name, t.hubspot_id ? "in HubSpot" : t.hubspot_error ? `HubSpot: ${t.hubspot_error}` : null].filter(Boolean).join(" · ")}
            </span>
          </li>
        ))}
      </ul>
      <form className="space-y-2" onSubmit={(e) => { e.preventDefault(); if (note.trim()) void run(async () => { await apiFetch("/api/tasks/notes", { method: "POST", body: { account_id: accountId, body: note } }); setNote(""); }); }}>
        <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={2} placeholder="Add a note" aria-label="Note" className="w-full rounded border border-slate-300 px-2 py-1 text-sm" />
        <button type="submit" disabled={busy || !note.trim()} className="rounded bg-slate-700 px-3 py-1.5 text-sm text-white disabled:opacity-50">Add note</button>
      </form>
      <ul className="space-y-2" data-testid="note-list">
        {notes.map((n) => (
          <li key={n.id} className="rounded bg-slate-50 p-2 text-sm">
            <p className="whitespace-pre-wrap">{n.body}</p>
            <p className="mt-1 text-xs text-slate-500">{[n.author_name, n.created_at.slice(0, 16).replace("T", " "), n.hubspot_id ? "in HubSpot" : n.hubspot_error ? `HubSpot: ${n.hubspot_error}` : null].filter(Boolean).join(" · ")}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}
