/**
 * Prisma client factory for both databases (no "server-only" here so scripts and tests can import it).
 *
 * `DATABASE_URL` decides the provider: `file:…` → SQLite through libsql, `postgres(ql)://…` →
 * PostgreSQL through node-postgres. Both generated clients come from the same models
 * (prisma/models.prisma), so the SQLite client's type is the app-facing type `Db`.
 * See ../shared/docs/toolchain.md for why Prisma 6.19.3 with driver adapters.
 */
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "@/lib/generated/sqlite/client";
import { PrismaClient as PgClient } from "@/lib/generated/postgres/client";
import { installSqliteConnectionPragmas, shareConnectionForTransactions } from "./sqlite-connection-pragmas";

export type Db = SqliteClient;
/** The transaction client handed to `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** Default database: a SQLite file under ./data (created by `npm run db:deploy` / the demo). */
export const DEFAULT_DATABASE_URL = "file:./data/churnwatch.db";

export type Provider = "sqlite" | "postgresql";

/** The database behind a Prisma client or transaction client (each generated client records its provider). */
export function providerOf(db: Db | Tx): Provider {
  const p = (db as unknown as { _activeProvider?: string })._activeProvider;
  return p === "postgresql" || p === "postgres" ? "postgresql" : "sqlite";
}

const urls = new WeakMap<object, string>();

/**
 * The PostgreSQL URL a client made by `createPrisma` connects to (hot paths that open their own `pg` pool, e.g.
 * the scoring store); undefined for SQLite clients and clients made elsewhere.
 */
export function postgresUrlOf(db: object): string | undefined {
  return urls.get(db);
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:/.test(url);
}

/**
 * Create a Prisma client for `url`.
 * @throws Error when the URL is neither `file:` nor `postgres(ql)://`.
 */
export function createPrisma(url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL): Db {
  if (isPostgresUrl(url)) {
    const client = new PgClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
    urls.set(client, url);
    return client;
  }
  if (!url.startsWith("file:")) {
    throw new Error(`DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL); got "${url.split(":")[0]}:…"`);
  }
  installSqliteConnectionPragmas();
  const adapter = new PrismaLibSQL({ url });
  // Interactive transactions on the client's own connection: a new libsql connection per transaction leaks (see sqlite-connection-pragmas.ts).
  const factory = adapter as unknown as { createClient(config: unknown): Parameters<typeof shareConnectionForTransactions>[0] };
  const createClient = factory.createClient.bind(factory);
  factory.createClient = (config) => shareConnectionForTransactions(createClient(config));
  return new SqliteClient({ adapter });
}
