"use client";
/**
 * The console's Cmd/Ctrl-K command palette (cmdk), on every page of the console layout.
 *
 * One box for three things:
 *   - accounts: GET /api/search (name, domain, HubSpot company id, Stripe customer id; server-side),
 *     with the top hit's deals / invoices / contacts one keystroke away;
 *   - pages the caller's role may open;
 *   - commands: the ones the role allows as items, and any sentence the grammar understands
 *     (lib/commands/parse-command.ts, run in the browser to show "what I understood" while typing).
 * Running a command always goes through POST /api/commands: writes first come back as
 * needs_confirmation and show the understood sentence with Run / Cancel; a refusal (a CSM asking to sync)
 * is shown in the palette in the server's words. Started jobs go to the toast (components/command-palette/job-toast.tsx).
 */
import { Command } from "cmdk";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, apiFetch } from "@/components/settings/api-fetch";
import { describeCommand, PAGES, parseCommand, WRITE_COMMANDS, type PageKey } from "@/lib/commands/parse-command";
import { JobToast, type ToastJob } from "./job-toast";

type Role = "owner" | "admin" | "csm";
type Hit = { account_id: string; name: string; domain: string | null; health_score: number | null; risk_level: string | null; matched_by: string; href: string };
type Outcome = {
  understood: { kind: string; summary: string; writes: boolean };
  status: "needs_confirmation" | "started" | "navigate" | "choose" | "not_found" | "not_understood";
  message: string;
  href: string | null;
  jobs: ToastJob[];
  candidates: { account_id: string; name: string; domain: string | null; matched_by: string; href: string }[];
};

const ADMIN_COMMANDS = [
  "Sync HubSpot data", "Full sync HubSpot", "Sync Stripe data", "Full sync Stripe", "Score all accounts",
  "Update HubSpot with latest health scores", "Retrain the model",
];

export function CommandPalette({ role }: { role: Role }) {
  const router = useRouter();
  const isAdmin = role === "admin" || role === "owner";
  const [open, setOpen] = useState(false);
  const [text, setText] = useState("");
  const [hits, setHits] = useState<Hit[]>([]);
  const [searching, setSearching] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: "error" | "info"; text: string } | null>(null);
  const [confirm, setConfirm] = useState<{ text: string; summary: string } | null>(null);
  const [choices, setChoices] = useState<Outcome["candidates"]>([]);
  const [jobs, setJobs] = useState<ToastJob[]>([]);
  const seq = useRef(0);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const reset = useCallback(() => {
    setText(""); setHits([]); setMessage(null); setConfirm(null); setChoices([]);
  }, []);
  const close = useCallback(() => { setOpen(false); reset(); }, [reset]);

  // Server-side account search, debounced; answers of older keystrokes are dropped.
  useEffect(() => {
    const q = text.trim();
    const mine = ++seq.current;
    if (!q || !open) { setHits([]); setSearching(false); return; }
    setSearching(true);
    const ctl = new AbortController();
    const t = setTimeout(() => {
      apiFetch<{ data: Hit[] }>(`/api/search?q=${encodeURIComponent(q)}&limit=8`, { signal: ctl.signal })
        .then((r) => { if (mine === seq.current) setHits(r.data); })
        .catch(() => { if (mine === seq.current) setHits([]); })
        .finally(() => { if (mine === seq.current) setSearching(false); });
    }, 120);
    return () => { clearTimeout(t); ctl.abort(); };
  }, [text, open]);

  const parsed = useMemo(() => parseCommand(text), [text]);
  const understood = parsed.kind !== "unknown" ? describeCommand(parsed) : null;

  const go = useCallback((href: string) => { close(); router.push(href); }, [close, router]);

  const run = useCallback(async (commandText: string, confirmed = false) => {
    setBusy(true); setMessage(null); setChoices([]);
    try {
      const r = await apiFetch<Outcome>("/api/commands", { method: "POST", body: confirmed ? { text: commandText, confirm: true } : { text: commandText } });
      if (r.status === "needs_confirmation") { setConfirm({ text: commandText, summary: r.understood.summary }); return; }
      setConfirm(null);
      if (r.status === "started") {
        setJobs((prev) => [...r.jobs, ...prev].slice(0, 4));
        close();
        return;
      }
      if (r.status === "navigate" && r.href) { go(r.href); return; }
      if (r.status === "choose") { setChoices(r.candidates); setMessage({ tone: "info", text: r.message }); return; }
      setMessage({ tone: r.status === "not_found" ? "error" : "info", text: r.message });
    } catch (e) {
      setConfirm(null);
      setMessage({ tone: "error", text: e instanceof ApiError ? e.message : "Something went wrong; try again." });
    } finally {
      setBusy(false);
    }
  }, [close, go]);

  const q = text.trim().toLowerCase();
  const pages = (Object.keys(PAGES) as PageKey[]).filter((k) => isAdmin || !PAGES[k].adminOnly).filter((k) => !q || PAGES[k].label.toLowerCase().includes(q) || k.includes(q));
  const commands = isAdmin ? ADMIN_COMMANDS.filter((c) => !q || c.toLowerCase().includes(q)) : [];
  const top = hits[0];

  return (
    <>
      <button type="button" onClick={() => setOpen(true)} data-testid="palette-open"
        className="flex items-center gap-2 rounded-md border border-slate-200 px-2 py-1 text-xs text-slate-500 hover:border-slate-300 hover:text-slate-700">
        Search or run a command… <kbd className="rounded bg-slate-100 px-1 font-mono">⌘K</kbd>
      </button>
      <Command.Dialog open={open} onOpenChange={(o) => (o ? setOpen(true) : close())} label="Command palette" shouldFilter={false}
        overlayClassName="fixed inset-0 z-40 bg-slate-900/30"
        contentClassName="fixed left-1/2 top-24 z-50 w-[min(40rem,calc(100vw-2rem))] -translate-x-1/2 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-2xl">
        <div data-testid="command-palette">
          <Command.Input value={text} onValueChange={(v) => { setText(v); setMessage(null); setConfirm(null); setChoices([]); }} autoFocus
            placeholder="Jump to an account, a page, or type a command (“sync hubspot data”)" data-testid="palette-input"
            className="w-full border-b border-slate-200 px-4 py-3 text-sm outline-none" />
          {understood && !confirm && (
            <p className="border-b border-slate-100 bg-slate-50 px-4 py-2 text-xs text-slate-600" data-testid="palette-understood">
              Understood: <span className="font-medium text-slate-800">{understood}</span>
              {WRITE_COMMANDS.has(parsed.kind) ? " — you will confirm before it runs" : ""}
            </p>
          )}
          {confirm && (
            <div className="space-y-2 border-b border-amber-200 bg-amber-50 px-4 py-3 text-sm" data-testid="palette-confirm">
              <p>Run <span className="font-medium">{confirm.summary}</span>?</p>
              <div className="flex gap-2">
                <button type="button" disabled={busy} onClick={() => run(confirm.text, true)} data-testid="palette-confirm-run"
                  className="rounded-md bg-indigo-600 px-3 py-1 text-white hover:bg-indigo-700 disabled:opacity-50">Run</button>
                <button type="button" onClick={() => setConfirm(null)} className="rounded-md border border-slate-300 px-3 py-1">Cancel</button>
              </div>
            </div>
          )}
          {message && (
            <p role={message.tone === "error" ? "alert" : "status"} data-testid="palette-message"
              className={`border-b px-4 py-2 text-sm ${message.tone === "error" ? "border-red-200 bg-red-50 text-red-800" : "border-slate-100 text-slate-700"}`}>{message.text}</p>
          )}
          <Command.List className="max-h-96 overflow-y-auto p-2 text-sm">
            {!searching && !understood && q && !hits.length && !pages.length && !commands.length && (
              <Command.Empty className="px-2 py-3 text-slate-500">No account, page or command matches “{text.trim()}”.</Command.Empty>
            )}
            {understood && (
              <Command.Group heading="Command" className={GROUP}>
                <Command.Item value="__command" onSelect={() => run(text)} className={ITEM} data-testid="palette-run">
                  {WRITE_COMMANDS.has(parsed.kind) ? "Run: " : "Go: "}{understood}
                </Command.Item>
              </Command.Group>
            )}
            {choices.length > 0 && (
              <Command.Group heading="Which account?" className={GROUP}>
                {choices.map((c) => (
                  <Command.Item key={c.account_id} value={`choice-${c.account_id}`} onSelect={() => go(c.href)} className={ITEM}>
                    {c.name} <span className="text-xs text-slate-500">{c.domain}</span>
                  </Command.Item>
                ))}
              </Command.Group>
            )}
            {hits.length > 0 && (
              <Command.Group heading="Accounts" className={GROUP}>
                {hits.map((h) => (
                  <Command.Item key={h.account_id} value={`account-${h.account_id}`} onSelect={() => go(h.href)} className={ITEM} data-testid="palette-account">
                    <span className="font-medium">{h.name}</span>
                    <span className="ml-2 text-xs text-slate-500">{[h.domain, h.health_score !== null ? `score ${Math.round(h.health_score)}` : null, h.risk_level?.replace("_", " "), `by ${h.matched_by}`].filter(Boolean).join(" · ")}</span>
                  </Command.Item>
                ))}
                {top && (["deals", "invoices", "contacts"] as const).map((s) => (
                  <Command.Item key={s} value={`section-${s}`} onSelect={() => go(`${top.href}#${s}`)} className={ITEM}>
                    <span className="text-slate-600">Open the {s} of {top.name}</span>
                  </Command.Item>
                ))}
              </Command.Group>
            )}
            {pages.length > 0 && (
              <Command.Group heading="Pages" className={GROUP}>
                {pages.map((k) => (
                  <Command.Item key={k} value={`page-${k}`} onSelect={() => go(PAGES[k].href)} className={ITEM}>{PAGES[k].label}</Command.Item>
                ))}
              </Command.Group>
            )}
            {commands.length > 0 && !understood && (
              <Command.Group heading="Commands" className={GROUP}>
                {commands.map((c) => (
                  <Command.Item key={c} value={`cmd-${c}`} onSelect={() => run(c)} className={ITEM}>{c}</Command.Item>
                ))}
              </Command.Group>
            )}
          </Command.List>
          <p className="border-t border-slate-100 px-4 py-2 text-xs text-slate-400">↑↓ to move · Enter to open or run · Esc to close{isAdmin ? "" : " · commands that change data need an admin"}</p>
        </div>
      </Command.Dialog>
      <JobToast jobs={jobs} onDismiss={(id) => setJobs((prev) => prev.filter((j) => j.id !== id))} />
    </>
  );
}

const GROUP = "[&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-semibold [&_[cmdk-group-heading]]:uppercase [&_[cmdk-group-heading]]:text-slate-400";
const ITEM = "cursor-pointer rounded-md px-2 py-1.5 data-[selected=true]:bg-indigo-50 data-[selected=true]:text-indigo-900";
