/** The account's CSM line (issue 16): the user, or "unassigned — <HubSpot owner>" (server component). */
import { csmLabel } from "@/lib/book/csm";
import type { Db } from "@/lib/db";

export async function AccountCsm({ db, organizationId, accountId }: { db: Db; organizationId: string; accountId: string }) {
  const a = await db.account.findFirst({ where: { id: accountId, organizationId }, select: { csmUserId: true, ownerId: true } });
  if (!a) return null;
  const l = await csmLabel(db, organizationId, a);
  return <span data-testid="account-csm" className={l.assigned ? "text-slate-700" : "text-amber-700"}>CSM: {l.label}</span>;
}
