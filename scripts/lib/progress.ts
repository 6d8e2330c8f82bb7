/**
 * A tiny progress renderer for the CLI scripts (`npm run sync`, `npm run score`); no npm packages.
 *
 * - On a TTY (`tty: true`): a block of keyed lines redrawn in place (ANSI cursor-up + clear-line),
 *   at most every `minIntervalMs` (default 100 ms), each line `label  [██████░░░░]  60%  1,200/2,000 · 350/s · eta 2 s  detail`.
 * - Otherwise (pipes, CI logs, tests): no redrawing; one plain line whenever a key's `phase` changes
 *   and when it finishes, so logs stay readable.
 *
 *   const p = createProgress(process.stdout, { tty: process.stdout.isTTY === true });
 *   p.update("conn1:companies", { label: "HubSpot companies", phase: "syncing", processed: 1200, total: 2000 });
 *   p.log("a line printed above the bars");
 *   p.update("conn1:companies", { label: "HubSpot companies", phase: "done", processed: 2000, total: 2000, state: "done" });
 *   p.stop();
 */

/** What one progress line shows. Counts are records/accounts; `ratePerSec` per second; `etaMs` milliseconds. */
export type ProgressLine = {
  label: string;
  /** A short phase name ("companies", "signals", "scoring"); in non-TTY mode a change prints a line. */
  phase?: string;
  processed?: number;
  /** Expected total; null/undefined = unknown (no bar, just the count). */
  total?: number | null;
  ratePerSec?: number;
  etaMs?: number | null;
  detail?: string;
  /** running (default) | done | failed — finished lines show ✓ / ✗ instead of a bar. */
  state?: "running" | "done" | "failed";
};

/** The writable side the renderer needs (process.stdout, or a fake in tests). */
export type ProgressOutput = { write(chunk: string): unknown; columns?: number };

export type Progress = {
  /** Create or update the line under `key` (lines keep their first-seen order). */
  update(key: string, line: ProgressLine): void;
  /** Print a permanent line (above the live block on a TTY). */
  log(message: string): void;
  /** Draw the final state and release the live block (call once, before the summary). */
  stop(): void;
};

const BAR_WIDTH = 24;

/** `1234567` → `"1,234,567"` (en-US grouping, rounded). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Milliseconds → `"850 ms"`, `"12.3 s"`, `"4 min 05 s"`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSecs = Math.round(ms / 1000);
  return `${Math.floor(totalSecs / 60)} min ${String(totalSecs % 60).padStart(2, "0")} s`;
}

/** A fixed-width bar for `processed/total` (clamped to 0-100 %), e.g. `"[██████░░░░]  60%"`. */
export function formatBar(processed: number, total: number, width = BAR_WIDTH): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, processed / total)) : 1;
  const filled = Math.round(ratio * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

/** The text of one line without colour (used by both modes; TTY mode truncates it to the terminal width). */
export function formatLine(line: ProgressLine): string {
  const parts: string[] = [line.label];
  const state = line.state ?? "running";
  const hasTotal = typeof line.total === "number" && line.total > 0;
  if (state === "done") parts.push("✓");
  else if (state === "failed") parts.push("✗");
  else if (hasTotal && line.processed !== undefined) parts.push(formatBar(line.processed, line.total as number));
  if (line.phase && state === "running") parts.push(line.phase);
  if (line.processed !== undefined) {
    parts.push(hasTotal ? `${formatCount(line.processed)}/${formatCount(line.total as number)}` : formatCount(line.processed));
  }
  if (state === "running" && line.ratePerSec !== undefined && line.ratePerSec > 0) parts.push(`${formatCount(line.ratePerSec)}/s`);
  if (state === "running" && typeof line.etaMs === "number" && line.etaMs > 0) parts.push(`eta ${formatDuration(line.etaMs)}`);
  if (line.detail) parts.push(line.detail);
  return parts.join("  ");
}

/**
 * Create a renderer writing to `out`. `tty` decides the mode (pass `process.stdout.isTTY === true`);
 * `sort` draws the TTY block ordered by key instead of first-seen order (to group lines under a header key).
 * Writes are synchronous string writes; nothing is drawn after `stop()`.
 */
export function createProgress(out: ProgressOutput, opts: { tty: boolean; minIntervalMs?: number; sort?: boolean }): Progress {
  const lines = new Map<string, ProgressLine>();
  const lastPhase = new Map<string, string>();
  const minInterval = opts.minIntervalMs ?? 100;
  let drawn = 0;
  let lastDraw = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let dirty = false;

  const clip = (s: string) => {
    const cols = out.columns && out.columns > 10 ? out.columns - 1 : 160;
    return s.length > cols ? `${s.slice(0, cols - 1)}…` : s;
  };

  const draw = () => {
    timer = null;
    dirty = false;
    lastDraw = Date.now();
    let s = drawn > 0 ? `\x1b[${drawn}A` : "";
    const ordered = opts.sort ? [...lines.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, l]) => l) : [...lines.values()];
    for (const line of ordered) s += `\x1b[2K${clip(formatLine(line))}\n`;
    drawn = lines.size;
    out.write(s);
  };

  const schedule = () => {
    if (stopped || timer) return;
    const wait = minInterval - (Date.now() - lastDraw);
    if (wait <= 0) draw();
    else timer = setTimeout(draw, wait);
  };

  return {
    update(key, line) {
      if (stopped) return;
      const prev = lines.get(key);
      if (prev && JSON.stringify(prev) === JSON.stringify(line)) return;
      lines.set(key, line);
      dirty = true;
      if (opts.tty) {
        schedule();
        return;
      }
      const state = line.state ?? "running";
      const marker = state === "running" ? `running:${line.phase ?? ""}` : state;
      if (lastPhase.get(key) === marker) return;
      lastPhase.set(key, marker);
      out.write(`${formatLine(line)}\n`);
    },
    log(message) {
      if (opts.tty && drawn > 0 && !stopped) {
        // Print above the live block: move up, write the message, then redraw the block below it.
        out.write(`\x1b[${drawn}A\x1b[0J${message}\n`);
        drawn = 0;
        if (timer) clearTimeout(timer);
        draw();
      } else {
        out.write(`${message}\n`);
      }
    },
    stop() {
      if (stopped) return;
      if (timer) clearTimeout(timer);
      if (opts.tty && dirty) draw();
      stopped = true;
    },
  };
}
