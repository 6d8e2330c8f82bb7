/** /settings/users (owner/admin): members and roles; add (one-time password shown once), change role, remove. */
import { NotAllowed } from "@/components/layout/not-allowed";
import { UsersAdmin, type MemberView } from "@/components/settings/users-admin";
import { requirePageRole } from "@/lib/auth/page-guard";
import { listMembers } from "@/lib/auth/users";
import { getDb } from "@/lib/db";
import { toSnakeCase } from "@/lib/http/case";

export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const { user, allowed } = await requirePageRole("admin");
  const header = (
    <div>
      <h1 className="text-2xl font-semibold">Users</h1>
      <p className="mt-1 text-sm text-slate-500">Who can sign in to {user.organizationName}, and what they may do.</p>
    </div>
  );
  if (!allowed) return <section className="space-y-4">{header}<NotAllowed need="admin" /></section>;
  const members = await listMembers(getDb(), user.organizationId);
  return (
    <section className="space-y-6">
      {header}
      <UsersAdmin initial={toSnakeCase(members) as MemberView[]} currentUserId={user.userId} currentRole={user.role} />
    </section>
  );
}
