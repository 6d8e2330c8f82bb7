// `npm run demo` printed nothing for about 2.5 minutes while it synced and scored (issue 18). The demo now
// prints a line per phase with counts (scripts/demo/progress-lines.ts), fed by the jobs' progress writes.
import { describe, expect, it } from "vitest";
import { demoProgressLines } from "../../scripts/demo/progress-lines";

describe("demo progress lines", () => {
  it("prints phase changes at once and counts at most every 5 s per job", () => {
    const lines: string[] = [];
    let t = 0;
    const on = demoProgressLines((l) => lines.push(l), { now: () => t });
    const sync = (progress: Record<string, unknown>) => on({ jobId: "j1", name: "sync-connection-job", payload: { connectionId: "c1" }, progress });
    sync({ provider: "hubspot", phase: "syncing" });
    t = 1_000; sync({ provider: "hubspot", phase: "syncing", streams: { companies: { processed: 200, total: 3000 } } }); // same phase, < 5 s: quiet
    t = 6_000; sync({ provider: "hubspot", phase: "syncing", streams: { companies: { processed: 1200, total: 3000 }, contacts: { processed: 800 } } });
    t = 9_000; on({ jobId: "j2", name: "refresh-organization-job", payload: null, progress: { phase: "signals", detail: "reconstructing 365 days" } });
    t = 9_500; on({ jobId: "j2", name: "refresh-organization-job", payload: null, progress: { phase: "scoring" } });
    expect(lines).toEqual([
      "  sync HubSpot: syncing (0 s)",
      "  sync HubSpot: companies 1,200/3,000 · contacts 800 (6 s)",
      "  scoring pipeline: signals — reconstructing 365 days (0 s)",
      "  scoring pipeline: scoring (1 s)",
    ]);
  });
});
