#!/usr/bin/env node
/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof`, e.g. `npm run bench:webhooks -- --cpu-prof /tmp/prof`):
 * busy ms per second of the profile (to find the window you care about), then within [fromS, toS] the busy
 * time by category (Prisma's JS runtime, its WASM query compiler, libsql's native SQLite, our lib/ folders,
 * GC, Node internals) and the top functions by self time.
 *
 *   node scripts/bench/cpuprofile-summary.mjs <file.cpuprofile> [fromS] [toS] [top=25]
 *
 * Times are wall-clock samples while the thread was not idle: they include time descheduled on a busy machine and
 * synchronous waits (e.g. libsql's busy_timeout on a locked SQLite file), so read them as shares, not CPU ms.
 */
import { readFileSync } from "node:fs";

const [file, fromArg, toArg, topArg] = process.argv.slice(2);
if (!file) { console.error("usage: node scripts/bench/cpuprofile-summary.mjs <file.cpuprofile> [fromS] [toS] [top]"); process.exit(2); }
const from = Number(fromArg ?? 0), to = Number(toArg ?? Infinity), top = Number(topArg ?? 25);
const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));

function category(cf) {
  const u = cf.url;
  if (cf.functionName === "(idle)") return "idle";
  if (u.startsWith("wasm")) return "prisma query compiler (wasm)";
  if (u.includes("node_modules/libsql/")) return "libsql (native SQLite)";
  if (u.includes("node_modules/@prisma/")) return "prisma runtime (js)";
  if (u.includes("node_modules/@libsql/") || u.includes("adapter-libsql") || u.includes("adapter-pg")) return "libsql client / prisma adapter";
  if (u.includes("node_modules/pg") || u.includes("node_modules/pg-boss")) return "pg / pg-boss";
  if (u.includes("node_modules/")) return "npm:" + u.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, "$1");
  if (u.includes("/lib/") || u.includes("/app/") || u.includes("/scripts/")) return u.replace(/.*?\/((lib|app|scripts)\/[^/]+).*/, "$1");
  if (u.startsWith("node:")) return "node internals";
  return cf.functionName || "(native)";
}

let t = 0;
const perSecond = [], cats = new Map(), self = new Map();
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i];
  const s = t / 1e6, dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
  const cf = byId.get(p.samples[i]).callFrame;
  const busy = cf.functionName !== "(idle)";
  perSecond[Math.floor(s)] = (perSecond[Math.floor(s)] ?? 0) + (busy ? dt : 0);
  if (s < from || s > to || !busy) continue;
  const c = category(cf);
  cats.set(c, (cats.get(c) ?? 0) + dt);
  const k = `${cf.functionName || "(anonymous)"} ${cf.url.replace(/.*node_modules\//, "").replace(/.*\/(lib|app|scripts)\//, "$1/")}:${cf.lineNumber}`;
  self.set(k, (self.get(k) ?? 0) + dt);
}
console.log("busy ms per second:", perSecond.map((x, i) => `${i}:${Math.round(x ?? 0)}`).join(" "));
const total = [...cats.values()].reduce((a, b) => a + b, 0);
console.log(`window ${from}-${to === Infinity ? "end" : to} s: busy ${Math.round(total)} ms`);
for (const [k, v] of [...cats].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(Math.round(v)).padStart(8)} ms ${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`);
console.log("top self time:");
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(Math.round(v)).padStart(8)} ms  ${k}`);
