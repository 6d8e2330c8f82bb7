/**
 * The IPC messages between the web process and its worker child process (scripts/worker.ts, forked by
 * lib/jobs/worker-process.ts), validated with zod on receipt (anything else is ignored):
 * - parent → child `{type: "wake"}`: a job was enqueued in the web process; look at the queue now instead
 *   of at the next poll (webhooks and "Sync now" start at once).
 * - child → parent `{type: "ready", workerId, pid}`: the worker runs; `workerId` is what it writes to
 *   `Job.lockedBy`, so the parent can re-queue its jobs at once if the child dies.
 */
import { z } from "zod";

export const ZWakeMessage = z.object({ type: z.literal("wake") });
export const ZReadyMessage = z.object({ type: z.literal("ready"), workerId: z.string().min(1), pid: z.number().int() });

export type TWakeMessage = z.infer<typeof ZWakeMessage>;
export type TReadyMessage = z.infer<typeof ZReadyMessage>;
