/**
 * `npm run sandbox -- [options]`: starts the HubSpot and Stripe sandboxes, prints the
 * SandboxInfo JSON (the same as `GET /__sandbox/info`) on stdout, and stops cleanly on
 * SIGINT/SIGTERM. Exit codes: 0 after a clean stop, 1 on a malformed portfolio or bad flag
 * (the message names the first bad record and field), 2 when a port is taken.
 *
 * Options:
 *   --portfolio ravenstack|<file.json>   (default ravenstack)
 *   --synthetic companies=5000,contacts=50000,deals=10000,customers=20000
 *   --anchor YYYY-MM-DD                   portfolio "now" for generated portfolios
 *   --hubspot-port 4010 --stripe-port 4020 --host 127.0.0.1
 *   --no-limits | --hubspot-limit 100|190|250 | --stripe-test-rps N | --stripe-live-rps N
 *   --latency MS --jitter MS --speed N --seed N
 *   --webhook-hubspot URL --webhook-stripe URL [--webhook-duplicate] [--webhook-out-of-order]
 *   --stripe-api-version V (the Stripe account's default API version, e.g. 2024-06-20)
 *   --stripe-webhook-api-version V (the Stripe webhook endpoint's api_version)
 *   --fault-5xx 0.1 --fault-drop 0.05 --fault-slow-ms 500 --fault-malformed companies,customers
 *   --fault-revoke-after N --fault-expire-after N --fault-vendor hubspot|stripe|both (default both)
 * Env: SANDBOX_FAULTS='{"hubspot":{"errorRate5xx":0.1},"stripe":{...}}' (merged under the flags).
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { FaultConfig } from "./core/types";
import { startSandbox, type SandboxOptions } from "./index";

const USAGE = "usage: npm run sandbox -- [--portfolio ravenstack|<file>] [--synthetic k=v,...] [--hubspot-port N] [--stripe-port N] [--no-limits] [--hubspot-limit 100|190|250] [--latency MS] [--jitter MS] [--speed N] [--webhook-hubspot URL] [--webhook-stripe URL] [--anchor YYYY-MM-DD] [--slack-port N] [--smtp-port N] [--smtp-http-port N] [--no-alerts]";

class UsageError extends Error {}

function num(name: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name}: expected a number >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/** Turns argv into SandboxOptions. @throws UsageError naming the bad flag. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): SandboxOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      portfolio: { type: "string" }, synthetic: { type: "string" }, anchor: { type: "string" },
      "hubspot-port": { type: "string" }, "stripe-port": { type: "string" }, host: { type: "string" },
      "no-limits": { type: "boolean" }, "hubspot-limit": { type: "string" }, "stripe-test-rps": { type: "string" }, "stripe-live-rps": { type: "string" },
      latency: { type: "string" }, jitter: { type: "string" }, speed: { type: "string" }, seed: { type: "string" },
      "webhook-hubspot": { type: "string" }, "webhook-stripe": { type: "string" },
      "webhook-duplicate": { type: "boolean" }, "webhook-out-of-order": { type: "boolean" },
      "stripe-api-version": { type: "string" }, "stripe-webhook-api-version": { type: "string" },
      "fault-5xx": { type: "string" }, "fault-drop": { type: "string" }, "fault-slow-ms": { type: "string" },
      "fault-malformed": { type: "string" }, "fault-revoke-after": { type: "string" }, "fault-expire-after": { type: "string" },
      "fault-vendor": { type: "string" },
      "slack-port": { type: "string" }, "smtp-port": { type: "string" }, "smtp-http-port": { type: "string" }, "no-alerts": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) throw new UsageError(USAGE);
  let portfolio: SandboxOptions["portfolio"] = values.portfolio ?? "ravenstack";
  if (values.synthetic !== undefined) {
    const sizes: Record<string, number> = {};
    for (const part of values.synthetic.split(",").filter(Boolean)) {
      const m = /^([a-z_]+)=(\d+)$/.exec(part.trim());
      if (!m) throw new UsageError(`--synthetic: expected name=count pairs like companies=5000, got ${JSON.stringify(part)}`);
      sizes[m[1]] = Number(m[2]);
    }
    portfolio = { synthetic: sizes };
  }
  if (values.anchor !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.anchor)) throw new UsageError(`--anchor: expected YYYY-MM-DD, got ${values.anchor}`);
  const hubspotLimit = num("hubspot-limit", values["hubspot-limit"], 1);
  if (hubspotLimit !== undefined && ![100, 190, 250].includes(hubspotLimit)) throw new UsageError("--hubspot-limit: one of 100, 190, 250");
  const latency = num("latency", values.latency);
  const jitter = num("jitter", values.jitter);
  const faults: Partial<FaultConfig> = {};
  const f5 = num("fault-5xx", values["fault-5xx"]);
  const fd = num("fault-drop", values["fault-drop"]);
  if ((f5 ?? 0) > 1 || (fd ?? 0) > 1) throw new UsageError("--fault-5xx/--fault-drop: a fraction between 0 and 1");
  if (f5 !== undefined) faults.errorRate5xx = f5;
  if (fd !== undefined) faults.dropRate = fd;
  const slow = num("fault-slow-ms", values["fault-slow-ms"]);
  if (slow !== undefined) faults.slowMs = slow;
  if (values["fault-malformed"]) faults.malformedRecordIn = values["fault-malformed"].split(",").map((s) => s.trim()).filter(Boolean);
  const rv = num("fault-revoke-after", values["fault-revoke-after"]);
  if (rv !== undefined) faults.revokeTokenAfter = rv;
  const ex = num("fault-expire-after", values["fault-expire-after"]);
  if (ex !== undefined) faults.expireTokenAfter = ex;
  const fv = values["fault-vendor"] ?? "both";
  if (!["hubspot", "stripe", "both"].includes(fv)) throw new UsageError("--fault-vendor: hubspot, stripe or both");
  let envFaults: { hubspot?: Partial<FaultConfig>; stripe?: Partial<FaultConfig> } = {};
  if (env.SANDBOX_FAULTS) {
    try {
      envFaults = JSON.parse(env.SANDBOX_FAULTS) as typeof envFaults;
    } catch {
      throw new UsageError("SANDBOX_FAULTS: not valid JSON");
    }
  }
  const webhookFlags = { duplicate: values["webhook-duplicate"] ?? false, outOfOrder: values["webhook-out-of-order"] ?? false };
  return {
    portfolio,
    anchor: values.anchor,
    host: values.host,
    ports: { hubspot: num("hubspot-port", values["hubspot-port"]) ?? 4010, stripe: num("stripe-port", values["stripe-port"]) ?? 4020 },
    // Alert stand-ins (issue 16): Slack receiver on 4030, SMTP sink on 2525 (viewer on 4031); --no-alerts skips them.
    ...(values["no-alerts"] ? {} : {
      slackPort: num("slack-port", values["slack-port"]) ?? 4030,
      smtpPorts: { smtp: num("smtp-port", values["smtp-port"]) ?? 2525, http: num("smtp-http-port", values["smtp-http-port"]) ?? 4031 },
    }),
    limits: values["no-limits"] ? false : {
      hubspot: hubspotLimit !== undefined ? { tenSecondly: hubspotLimit } : {},
      stripe: {
        ...(values["stripe-test-rps"] ? { testRps: num("stripe-test-rps", values["stripe-test-rps"], 1) } : {}),
        ...(values["stripe-live-rps"] ? { liveRps: num("stripe-live-rps", values["stripe-live-rps"], 1) } : {}),
      },
    },
    latency: latency !== undefined || jitter !== undefined ? { fixedMs: latency ?? 0, jitterMs: jitter ?? 0 } : undefined,
    clock: values.speed !== undefined ? { speed: num("speed", values.speed) } : undefined,
    seed: num("seed", values.seed),
    faults: {
      hubspot: { ...envFaults.hubspot, ...(fv !== "stripe" ? faults : {}) },
      stripe: { ...envFaults.stripe, ...(fv !== "hubspot" ? faults : {}) },
    },
    webhooks: {
      hubspot: values["webhook-hubspot"] ? { url: values["webhook-hubspot"], ...webhookFlags } : undefined,
      stripe: values["webhook-stripe"] || values["stripe-webhook-api-version"]
        ? { ...(values["webhook-stripe"] ? { url: values["webhook-stripe"], ...webhookFlags } : {}), ...(values["stripe-webhook-api-version"] ? { apiVersion: values["stripe-webhook-api-version"] } : {}) }
        : undefined,
    },
    ...(values["stripe-api-version"] ? { stripeApiVersion: values["stripe-api-version"] } : {}),
  };
}

async function main(): Promise<void> {
  let opts: SandboxOptions;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    if (!(e instanceof UsageError) || e.message !== USAGE) process.stderr.write(`${USAGE}\n`);
    process.exit(1);
  }
  let sandbox;
  try {
    sandbox = await startSandbox(opts);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === "EADDRINUSE") {
      process.stderr.write(`sandbox: port in use (${err.message}); pick others with --hubspot-port/--stripe-port\n`);
      process.exit(2);
    }
    process.stderr.write(`sandbox: refusing to start: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify(sandbox.control.info(), null, 2)}\n`);
  process.stderr.write(`sandbox: HubSpot on ${sandbox.hubspotUrl}, Stripe on ${sandbox.stripeUrl} (GET /__sandbox/info on either). Ctrl-C to stop.\n`);
  if (sandbox.slack) process.stderr.write(`sandbox: Slack webhook ${sandbox.slack.webhookUrl()} (messages at ${sandbox.slack.url}/)\n`);
  if (sandbox.smtp) process.stderr.write(`sandbox: SMTP_URL=${sandbox.smtp.smtpUrl} (messages at ${sandbox.smtp.httpUrl}/)\n`);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`sandbox: ${sig}, stopping\n`);
    sandbox.close().then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

// Run only when executed as a script (tests import parseCli).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) void main();
