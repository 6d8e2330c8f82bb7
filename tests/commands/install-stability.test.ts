// Install (issue 18): a fresh clone's `npm install` must leave `git status` clean, and README, package.json
// `engines` and CI must state the same, tested Node version. (Measured by hand on 2026-12-03: `git clone` +
// `npm install` on Node 20.20 → 2 min 36 s, `git status` clean; docs/commands.md.) These checks keep the causes
// from coming back without a 3-minute install in the test run.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = process.cwd();
const read = (p: string) => readFileSync(path.join(root, p), "utf8");

describe("package-lock.json stays as npm writes it", () => {
  const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { version?: string; resolved?: string; integrity?: string; os?: string[]; optionalDependencies?: Record<string, string> }> };

  it("has a real entry (with its integrity hash) for every optional package of every platform, and no placeholder", () => {
    const missing: string[] = [];
    for (const [key, meta] of Object.entries(lock.packages)) {
      for (const name of Object.keys(meta.optionalDependencies ?? {})) {
        const entry = lock.packages[`${key ? `${key}/` : ""}node_modules/${name}`] ?? lock.packages[`node_modules/${name}`];
        if (!entry || !entry.integrity || entry.os?.includes("none")) missing.push(name);
      }
    }
    // A placeholder (os ["none"], no integrity) is what npm drops on the next install: the file then differs from the commit.
    expect(missing).toEqual([]);
  });

  it("scripts/complete-lockfile.mjs leaves a complete lockfile untouched, byte for byte", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "h18-lock-"));
    copyFileSync(path.join(root, "package-lock.json"), path.join(dir, "package-lock.json"));
    const before = statSync(path.join(dir, "package-lock.json")).mtimeMs;
    execFileSync(process.execPath, [path.join(root, "scripts/complete-lockfile.mjs")], { cwd: dir });
    expect(readFileSync(path.join(dir, "package-lock.json"), "utf8")).toBe(read("package-lock.json"));
    expect(statSync(path.join(dir, "package-lock.json")).mtimeMs).toBe(before);
  });
});

describe("one supported Node version, stated everywhere", () => {
  const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
  it("package.json engines, README and CI agree on Node >= 20.19, and this run is on it", () => {
    expect(engines).toBe(">=20.19");
    expect(read("README.md")).toMatch(/Node 20\.19 or later/);
    expect(read(".ci/run")).toMatch(/a<20\|\|\(a===20&&b<19\)/);
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
    expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
  });
});
