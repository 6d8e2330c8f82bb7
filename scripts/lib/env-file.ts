/**
 * .env.local handling for the demo and CLI scripts: load KEY=VALUE lines into process.env without
 * overriding what the caller's environment already set, and create the file with fresh secrets
 * (APP_ENCRYPTION_KEY, BETTER_AUTH_SECRET, CRON_SECRET, demo passwords) when they are missing.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return out;
}

/** Ensure `keys` exist in the file (generating values), then load the file into process.env (env wins). */
export function ensureEnvFile(path: string, generate: Record<string, () => string>): { created: string[] } {
  const current = readEnvFile(path);
  const created: string[] = [];
  const lines = existsSync(path) ? readFileSync(path, "utf8").replace(/\n*$/, "\n") : "# Written by `npm run demo` — local secrets, never commit this file.\n";
  let add = "";
  for (const [k, gen] of Object.entries(generate)) {
    if (current[k] === undefined && process.env[k] === undefined) {
      const v = gen();
      current[k] = v;
      add += `${k}=${v}\n`;
      created.push(k);
    }
  }
  if (add) writeFileSync(path, lines + add, { mode: 0o600 });
  for (const [k, v] of Object.entries(current)) if (process.env[k] === undefined) process.env[k] = v;
  return { created };
}

export const randomB64 = (n = 32) => () => randomBytes(n).toString("base64");
export const randomWords = () => randomBytes(9).toString("base64url");
