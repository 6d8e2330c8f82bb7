/**
 * Side-effect import for script entry points: registers the application's job kinds
 * (lib/app/register-jobs.ts) in this process before any job is enqueued or run.
 *
 *   import "./lib/app-jobs";   // first lines of a script that enqueues or runs jobs
 */
import { registerAppJobs } from "@/lib/app/register-jobs";

registerAppJobs();
