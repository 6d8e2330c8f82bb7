/**
 * Prints record counts, build time and memory of a portfolio:
 *   npx tsx sandbox/portfolio/print-counts.ts ravenstack [YYYY-MM-DD]
 *   npx tsx sandbox/portfolio/print-counts.ts synthetic companies=100000,contacts=500000,customers=20000
 *   npx tsx sandbox/portfolio/print-counts.ts docs/example-portfolio.json
 */
import { loadPortfolio, parseSyntheticSpec, portfolioCounts, type PortfolioSpec } from "./index";

async function main(): Promise<void> {
  const [what = "ravenstack", arg] = process.argv.slice(2);
  const spec: PortfolioSpec = what === "synthetic" ? { synthetic: parseSyntheticSpec(arg ?? "") } : what;
  const t0 = performance.now();
  const p = await loadPortfolio(spec, { anchor: what === "ravenstack" ? arg : undefined });
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ clock: p.clock, counts: portfolioCounts(p), groundTruth: p.groundTruth ? { counts: p.groundTruth.counts, notes: p.groundTruth.notes } : null }, null, 2));
  const mem = process.memoryUsage();
  console.log(`built in ${Math.round(ms)} ms; rss ${Math.round(mem.rss / 2 ** 20)} MiB, heapUsed ${Math.round(mem.heapUsed / 2 ** 20)} MiB`);
  if (process.env.PRINT_JSON_SIZE) console.log(`JSON size ${Math.round(JSON.stringify(p).length / 2 ** 20)} MiB`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
