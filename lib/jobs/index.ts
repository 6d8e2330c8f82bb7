export { defineJob, type JobContext, type JobDefinition } from "./define-job";
export { enqueueJob, getJobOrThrow, cancelJob, listJobs, retryJob, type JobView, type JobStatus } from "./queue";
export { runJobInline } from "./run-job";
export { startWorker, type Worker } from "./worker";
