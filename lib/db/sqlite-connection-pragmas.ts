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
 */
import Database from "libsql";

const BUSY_TIMEOUT_MS = 5_000;
const FLAG = Symbol.for("churnwatch.sqlitePragmas");

type Proto = { prepare: (sql: string) => unknown; exec: (sql: string) => unknown; [FLAG]?: boolean };

export function installSqliteConnectionPragmas(): void {
  const proto = (Database as unknown as { prototype: Proto }).prototype;
  if (proto[FLAG]) return;
  proto[FLAG] = true;
  const init = new WeakSet<object>();
  const originalPrepare = proto.prepare;
  const originalExec = proto.exec;
  const ensure = (db: object & Proto) => {
    if (init.has(db)) return;
    init.add(db);
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
  proto.prepare = function (this: object & Proto, sql: string) {
    ensure(this);
    return originalPrepare.call(this, sql);
  };
  proto.exec = function (this: object & Proto, sql: string) {
    ensure(this);
    return originalExec.call(this, sql);
  };
}
