/**
 * SQLite concurrency for the embedded default. @libsql/client hands its connection to each interactive
 * transaction and opens a new one for everything else, so a job writing while another job holds a write
 * transaction gets SQLITE_BUSY at once (libsql's Database has no busy-timeout option). We set, on every
 * libsql connection before its first statement:
 *   - busy_timeout = 5 s: a writer in one process (e.g. `npm run sync`) waits while another process (the web
 *     server's worker) commits, instead of failing. libsql is synchronous, so the wait blocks that process's
 *     event loop: keep it short, and never open two clients on one file inside one process;
 *   - journal_mode = WAL: readers never block on writers (persistent in the file; best effort).
 * Applied once per process by patching libsql's Database.prototype (prepare/exec are the only entry points
 * @libsql/client uses).
 * Interactive transactions share the client's connection: see `shareConnectionForTransactions`.
 */
import Database from "libsql";

const BUSY_TIMEOUT_MS = 5_000;

const FLAG = Symbol.for("churnwatch.sqlitePragmas");

type Proto = { prepare: (sql: string) => unknown; exec: (sql: string) => unknown; [FLAG]?: boolean };
type Conn = object & Proto & { db: unknown; inTransaction: boolean };
type StatementLike = { run: (...a: unknown[]) => unknown; get: (...a: unknown[]) => unknown; all: (...a: unknown[]) => unknown; iterate: (...a: unknown[]) => unknown };

/** SQLITE_BUSY and its extended codes (517 BUSY_SNAPSHOT, 261 BUSY_RECOVERY …), as libsql reports them. */
export function isSqliteBusy(e: unknown): boolean {
  const err = e as { code?: unknown; rawCode?: unknown };
  return (typeof err?.code === "string" && err.code.startsWith("SQLITE_BUSY")) || (typeof err?.rawCode === "number" && (err.rawCode & 0xff) === 5);
}

export function installSqliteConnectionPragmas(): void {
  const proto = (Database as unknown as { prototype: Proto }).prototype;
  if (proto[FLAG]) return;
  proto[FLAG] = true;
  const init = new WeakSet<object>();
  const paths = new WeakMap<object, string>();
  const originalPrepare = proto.prepare;
  const originalExec = proto.exec;
  const pragmas = (db: Conn) => {
    try {
      originalExec.call(db, `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    } catch {
      /* a closed or read-only connection: nothing to do */
    }
    try {
      originalExec.call(db, "PRAGMA journal_mode = WAL");
    } catch {
      /* another connection is mid-transaction: WAL is set by whoever opens first */
    }
  };
  const ensure = (db: Conn) => {
    if (init.has(db)) return;
    init.add(db);
    pragmas(db);
    try {
      const rows = (originalPrepare.call(db, "PRAGMA database_list") as StatementLike).all() as { name: string; file: string }[];
      const file = rows.find((r) => r.name === "main")?.file;
      if (file) paths.set(db, file);
    } catch {
      /* in-memory or closed: never renewed */
    }
  };
  /**
   * libsql 0.3 leaves a statement that failed with SQLITE_BUSY un-reset (its JS API has no reset). SQLite only
   * autocommits when no statement is active, so from then on every write of this connection stays in a transaction
   * nobody commits: the other processes wait for a lock that is never released and the writes are never durable
   * (seen: a web server answering "Operation has timed out" to every sign-in for minutes after one busy request;
   * tests/foundation/sqlite-concurrency.test.ts). After a busy error outside an explicit transaction we give the
   * Database object a fresh native connection (same file, same pragmas).
   */
  const renew = (db: Conn) => {
    const file = paths.get(db);
    if (!file || db.inTransaction) return;
    // Only connections that wait with our busy_timeout: a connection whose owner set busy_timeout = 0 handles
    // SQLITE_BUSY itself and keeps its prepared statements (lib/scoring/score-store.ts's direct connection).
    try {
      const row = (originalPrepare.call(db, "PRAGMA busy_timeout") as StatementLike).get() as Record<string, unknown> | undefined;
      if (!row || Number(Object.values(row)[0]) <= 0) return;
    } catch {
      return;
    }
    // The old native connection is not closed here: its failed statement may still be finalized later by the
    // garbage collector, which then frees it; closing under a live statement is not safe in libsql 0.3.
    db.db = (new (Database as unknown as new (path: string) => { db: unknown })(file)).db;
    pragmas(db);
  };
  const guard = (db: Conn, stmt: StatementLike) => {
    for (const name of ["run", "get", "all"] as const) {
      const fn = stmt[name];
      stmt[name] = function (this: unknown, ...args: unknown[]) {
        try {
          return fn.apply(this, args);
        } catch (e) {
          if (isSqliteBusy(e)) renew(db);
          throw e;
        }
      };
    }
    return stmt;
  };
  proto.prepare = function (this: Conn, sql: string) {
    ensure(this);
    try {
      return guard(this, originalPrepare.call(this, sql) as StatementLike);
    } catch (e) {
      if (isSqliteBusy(e)) renew(this);
      throw e;
    }
  };
  proto.exec = function (this: Conn, sql: string) {
    ensure(this);
    try {
      return originalExec.call(this, sql);
    } catch (e) {
      if (isSqliteBusy(e)) renew(this);
      throw e;
    }
  };
}

type Stmt = string | { sql: string; args?: unknown };
type LibsqlClient = {
  execute(stmt: Stmt, args?: unknown): Promise<unknown>;
  transaction(mode?: string): Promise<unknown>;
};

/**
 * Every interactive transaction takes the write lock when it starts (BEGIN IMMEDIATE), although the Prisma adapter
 * asks for "deferred": a deferred transaction that reads and then writes cannot wait for another process's writer —
 * once that writer commits, the read snapshot is stale and SQLite answers SQLITE_BUSY_SNAPSHOT at once, without the
 * busy handler (https://www.sqlite.org/lang_transaction.html "BEGIN IMMEDIATE", https://www.sqlite.org/rescode.html#busy_snapshot),
 * which Prisma reports as P1008 "Operation has timed out". Seen as a scoring-weight change answering 500 while the
 * worker re-scored (tests/foundation/sqlite-concurrency.test.ts). IMMEDIATE waits up to busy_timeout instead.
 */
const BEGIN: Record<string, string> = { write: "BEGIN IMMEDIATE", read: "BEGIN DEFERRED", deferred: "BEGIN IMMEDIATE" };

/**
 * Make interactive transactions of a @libsql/client client (the one the Prisma adapter creates) run on the
 * client's own connection instead of a new one each time. @libsql/client 0.8 hands its connection to every
 * transaction and opens a fresh one, and opening a libsql connection leaks native memory even when it is
 * closed (measured: ~0.22 MB per open/close; ~0.3–2.4 MB per `db.$transaction`; a 20,000-customer Stripe sync
 * reached 4.7 GB RSS). Sharing is safe under the Prisma adapter: it holds its mutex from `startTransaction`
 * until commit/rollback, so no other statement of that client runs on the connection meanwhile, and it only
 * calls `execute`, `commit` and `rollback` on a transaction.
 */
export function shareConnectionForTransactions<C extends LibsqlClient>(client: C): C {
  client.transaction = (async (mode = "deferred") => {
    try {
      await client.execute(BEGIN[mode] ?? "BEGIN DEFERRED");
    } catch (e) {
      // A BEGIN IMMEDIATE refused with SQLITE_BUSY can leave the shared connection out of autocommit mode: every
      // later statement of this process would then run in a transaction nobody commits, holding the write lock
      // forever (seen: sign-ins failing for minutes after one busy weight change). End it before reporting.
      await client.execute("ROLLBACK").catch(() => undefined);
      throw e;
    }
    let open = true;
    const end = async (sql: "COMMIT" | "ROLLBACK") => {
      if (!open) return;
      open = false;
      await client.execute(sql);
    };
    return {
      execute: (stmt: Stmt, args?: unknown) => {
        if (!open) throw new Error("The transaction is closed");
        return client.execute(stmt, args);
      },
      commit: () => end("COMMIT"),
      rollback: async () => {
        try {
          await end("ROLLBACK");
        } catch {
          /* SQLite already rolled back (e.g. after SQLITE_FULL); the connection is usable again */
        }
      },
      close: () => void end("ROLLBACK").catch(() => undefined),
      get closed() {
        return !open;
      },
    };
  }) as C["transaction"];
  return client;
}
