/** /settings/jobs (owner/admin): the dead-letter list — failed background jobs, in words, with Retry (issue 15). */
import { FailedJobs, type FailedJobView } from "@/components/jobs/failed-jobs";
import { NotAllowed } from "@/components/layout/not-allowed";
import { listFailedJobs } from "@/lib/admin/failed-jobs";
import { requirePageRole } from "@/lib/auth/page-guard";
import { getDb } from "@/lib/db";
import { toSnakeCase } from "@/lib/http/case";

export const dynamic = "force-dynamic";

export default async function JobsPage() {
  const { user, allowed } = await requirePageRole("admin");
  const header = (
    <div>
      <h1 className="text-2xl font-semibold">Failed jobs</h1>
      <p className="mt-1 text-sm text-slate-500">
        Background work of {user.organizationName} (syncs, scoring, webhooks, write-back) that failed on every attempt. Retry one once its cause is fixed.
      </p>
    </div>
  );
  if (!allowed) return <section className="space-y-4">{header}<NotAllowed need="admin" /></section>;
  const page = await listFailedJobs(getDb(), user.organizationId, { limit: 100 });
  return (
    <section className="space-y-6">
      {header}
      <FailedJobs initial={toSnakeCase(page.data) as FailedJobView[]} total={page.total} />
    </section>
  );
}
