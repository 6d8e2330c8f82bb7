/**
 * A PostgreSQL server for the benchmarks (scripts/bench/scale.ts, webhooks.ts): the URL given (`--pg` or
 * TEST_DATABASE_URL), else a throwaway cluster started the way .ci/run does — initdb + pg_ctl on a free loopback
 * port with the socket in a temporary directory; initdb refuses to run as root, so as root the server's commands
 * run as the `postgres` user. `stop()` stops the cluster and removes its directory (a no-op for a given URL).
 *
 * @param given a postgresql:// URL of the server's admin database, or undefined to start a cluster.
 * @throws Error when initdb or pg_ctl fail (their output is not shown: see <dir>/server.log).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export function postgresServer(given: string | undefined): { url: string; stop: () => void } {
  if (given) return { url: given, stop: () => undefined };
  const dir = mkdtempSync(path.join(os.tmpdir(), "cw-bench-pg-"));
  const port = 56000 + Math.floor(Math.random() * 900);
  const asRoot = process.getuid?.() === 0;
  const asdb = (cmd: string, args: string[]) => (asRoot ? execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { stdio: "ignore" }) : execFileSync(cmd, args, { stdio: "ignore" }));
  if (asRoot) execFileSync("chown", ["postgres", dir]);
  asdb("initdb", ["-D", `${dir}/data`, "-U", "app", "--auth=trust", "-E", "UTF8"]);
  asdb("pg_ctl", ["-D", `${dir}/data`, "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, "-l", `${dir}/server.log`, "-w", "start"]);
  return {
    url: `postgresql://app@127.0.0.1:${port}/postgres`,
    stop: () => {
      try { asdb("pg_ctl", ["-D", `${dir}/data`, "stop", "-m", "fast"]); } catch { /* already stopped */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
