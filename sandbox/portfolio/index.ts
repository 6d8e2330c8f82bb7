/**
 * Sandbox portfolios: the data the HubSpot and Stripe sandbox servers serve (format in
 * docs/sandbox.md). Three sources:
 * - `"ravenstack"`: the real input data set, mapped deterministically (./ravenstack.ts);
 * - a JSON file path (e.g. `docs/example-portfolio.json`), validated by {@link parsePortfolio};
 * - `{ synthetic: SyntheticOptions }`: a seeded generator for scale (./synthetic.ts);
 * or an in-memory {@link Portfolio} object (validated too).
 */
import fs from "node:fs/promises";
import path from "node:path";
import { buildRavenstackPortfolio } from "./ravenstack";
import { parsePortfolio, PortfolioError, type Portfolio } from "./schema";
import { buildSyntheticPortfolio, type SyntheticOptions } from "./synthetic";
import { todayUtc } from "./util";

export * from "./schema";
export { buildRavenstackPortfolio, RavenstackDataError, resolveRavenstackDir, ravenstackDomain, readVerifiedRavenstack, RAVENSTACK_FILES } from "./ravenstack";
export type { RavenstackOptions } from "./ravenstack";
export { buildSyntheticPortfolio, normalizeSyntheticOptions, parseSyntheticSpec } from "./synthetic";
export type { SyntheticOptions } from "./synthetic";

/** What {@link loadPortfolio} accepts. */
export type PortfolioSpec = "ravenstack" | string | { synthetic: SyntheticOptions } | Portfolio;

/**
 * Loads a portfolio from any source.
 * @param spec `"ravenstack"`, a JSON file path (relative to the working directory), `{ synthetic }`, or a Portfolio object.
 * @param opts.anchor `YYYY-MM-DD` the RavenStack/synthetic data is anchored to (default: today, UTC). JSON files keep their own clock.
 * @throws PortfolioError for a malformed file/object (names record and field), RavenstackDataError for missing or altered
 *   RavenStack data, Error for an unreadable file.
 */
export async function loadPortfolio(spec: PortfolioSpec, opts: { anchor?: string } = {}): Promise<Portfolio> {
  if (spec === "ravenstack") return buildRavenstackPortfolio({ anchor: opts.anchor ?? todayUtc() });
  if (typeof spec === "string") {
    const file = path.resolve(spec);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (e) {
      throw new Error(`cannot read portfolio file ${file}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new PortfolioError("(file)", "(json)", `${file} is not valid JSON: ${(e as Error).message}`);
    }
    return parsePortfolio(json);
  }
  if ("synthetic" in spec) return buildSyntheticPortfolio({ ...spec.synthetic, anchor: spec.synthetic.anchor ?? opts.anchor ?? todayUtc() });
  return parsePortfolio(spec);
}

/** Record counts per list, for logs and the CLI (`hubspot.companies`, `stripe.invoices`, …). */
export function portfolioCounts(p: Portfolio): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(p.hubspot)) if (Array.isArray(v)) out[`hubspot.${k}`] = v.length;
  for (const [k, v] of Object.entries(p.stripe)) if (Array.isArray(v)) out[`stripe.${k}`] = v.length;
  return out;
}
