/**
 * Per-stream checkpoints (SyncCheckpoint rows). Save a checkpoint in the SAME transaction as the
 * records of the page it describes, so it never runs ahead of the data: a sync killed mid-way resumes
 * from the last committed page and re-upserts at most one page.
 */
import type { Db, Tx } from "@/lib/db";

export async function loadCheckpoint<T extends object>(db: Db | Tx, connectionId: string, stream: string): Promise<T | null> {
  const row = await db.syncCheckpoint.findUnique({ where: { connectionId_stream: { connectionId, stream } } });
  return (row?.state as T | undefined) ?? null;
}

export async function saveCheckpoint(db: Db | Tx, connectionId: string, stream: string, state: object): Promise<void> {
  await db.syncCheckpoint.upsert({
    where: { connectionId_stream: { connectionId, stream } },
    create: { connectionId, stream, state },
    update: { state, version: { increment: 1 } },
  });
}

export async function clearCheckpoint(db: Db | Tx, connectionId: string, stream: string): Promise<void> {
  await db.syncCheckpoint.deleteMany({ where: { connectionId, stream } });
}

export async function listCheckpoints(db: Db, connectionId: string): Promise<Record<string, unknown>> {
  const rows = await db.syncCheckpoint.findMany({ where: { connectionId } });
  return Object.fromEntries(rows.map((r) => [r.stream, r.state]));
}
