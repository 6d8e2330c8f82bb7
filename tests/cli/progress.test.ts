/**
 * The CLI progress renderer (scripts/lib/progress.ts): what a user sees in a terminal (bars redrawn in
 * place) and in a log file / CI (one line per phase, no escape codes).
 */
import { describe, expect, it } from "vitest";
import { createProgress, formatBar, formatDuration, formatLine } from "@/scripts/lib/progress";

function sink(columns?: number) {
  const chunks: string[] = [];
  return { out: { write: (s: string) => chunks.push(s), columns }, text: () => chunks.join(""), chunks };
}

describe("formatting", () => {
  it("bars clamp to 0-100 % and durations pick a readable unit", () => {
    expect(formatBar(5, 10, 10)).toBe("[█████░░░░░]  50%");
    expect(formatBar(15, 10, 10)).toBe("[██████████] 100%");
    expect(formatBar(0, 10, 4)).toBe("[░░░░]   0%");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_345)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
  });

  it("a line shows the bar only when the total is known, counts with separators, rate and ETA while running", () => {
    expect(formatLine({ label: "companies", phase: "syncing", processed: 1200, total: 2000, ratePerSec: 350, etaMs: 2300 }))
      .toBe("companies  [██████████████░░░░░░░░░░]  60%  syncing  1,200/2,000  350/s  eta 2.3 s");
    expect(formatLine({ label: "customers", phase: "syncing", processed: 12345, total: null })).toBe("customers  syncing  12,345");
    expect(formatLine({ label: "invoices", state: "done", processed: 6, ratePerSec: 9, etaMs: 5 })).toBe("invoices  ✓  6");
    expect(formatLine({ label: "HubSpot", state: "failed", detail: "failed · 3.8 s" })).toBe("HubSpot  ✗  failed · 3.8 s");
  });
});

describe("non-TTY mode (logs, CI)", () => {
  it("prints one line per phase change and one when done, never escape codes", () => {
    const s = sink();
    const p = createProgress(s.out, { tty: false });
    p.update("a", { label: "scoring acme", phase: "identity" });
    p.update("a", { label: "scoring acme", phase: "signals", processed: 1, total: 10 });
    p.update("a", { label: "scoring acme", phase: "signals", processed: 5, total: 10 });
    p.update("a", { label: "scoring acme", phase: "signals", processed: 9, total: 10 });
    p.update("a", { label: "scoring acme", state: "done", processed: 10 });
    p.log("summary");
    p.stop();
    expect(s.text().split("\n").filter(Boolean)).toEqual([
      "scoring acme  identity",
      "scoring acme  [██░░░░░░░░░░░░░░░░░░░░░░]  10%  signals  1/10",
      "scoring acme  ✓  10",
      "summary",
    ]);
    expect(s.text()).not.toContain("\x1b[");
  });
});

describe("TTY mode (terminal)", () => {
  it("redraws the block of lines in place, keeps first-seen order, prints log lines above it, truncates to the width", async () => {
    const s = sink(40);
    const p = createProgress(s.out, { tty: true, minIntervalMs: 0 });
    p.update("h", { label: "HubSpot", phase: "syncing" });
    p.update("s", { label: "Stripe", phase: "syncing" });
    p.update("h", { label: "HubSpot companies are many more than fit here", phase: "syncing", processed: 1, total: 2 });
    await new Promise((r) => setTimeout(r, 5));
    p.log("note");
    p.stop();
    const text = s.text();
    // The second and later draws move the cursor back up over the block of 2 lines.
    expect(text).toContain("\x1b[2A");
    const finalDraw = text.slice(text.lastIndexOf("note\n") + 5);
    const lines = finalDraw.split("\n").filter(Boolean).map((l) => ["\x1b[2K", "\x1b[2A", "\x1b[0J"].reduce((x, code) => x.replaceAll(code, ""), l));
    expect(lines).toHaveLength(2);
    expect(lines[0].length).toBeLessThanOrEqual(39);
    expect(lines[0]).toBe("HubSpot companies are many more than f…");
    expect(lines[1]).toBe("Stripe  syncing");
    // Nothing is drawn after stop().
    const n = s.chunks.length;
    p.update("h", { label: "late", phase: "x" });
    await new Promise((r) => setTimeout(r, 5));
    expect(s.chunks.length).toBe(n);
  });
});
