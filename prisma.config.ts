// Prisma CLI config. Prisma 6.19.3 + experimental JS (wasm) schema engine: no native
// engine download is needed for generate / migrate / db push.
// Provider is chosen by DB_PROVIDER, else by the DATABASE_URL scheme (default: sqlite).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { pgMigrateAdapter, sqliteMigrateAdapter } from "./prisma/migrate-adapters";

const url = process.env.DATABASE_URL ?? "file:./data/churnwatch.db";
const provider =
  process.env.DB_PROVIDER ?? (/^postgres(ql)?:/.test(url) ? "postgresql" : "sqlite");
const dir = provider === "postgresql" ? "postgres" : "sqlite";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", dir),
  migrations: { path: path.join("prisma", dir, "migrations") },
  async adapter() {
    return provider === "postgresql" ? pgMigrateAdapter(url) : sqliteMigrateAdapter(url);
  },
});
