/**
 * Vitest set-up file (vitest.config.ts `setupFiles`): registers the application's job kinds in each test
 * worker, as the web server's start and `npm run worker` do (lib/app/register-jobs.ts).
 */
import { registerAppJobs } from "@/lib/app/register-jobs";

registerAppJobs();
