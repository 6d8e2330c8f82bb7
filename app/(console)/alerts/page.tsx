import { AlertsClient } from "@/components/alerts/alerts-client";
import { hasRole } from "@/lib/auth/context";
import { requirePageUser } from "@/lib/auth/page-guard";

export const dynamic = "force-dynamic";

/** Alerts (issue 16): deliveries with errors and "Send again", rules, and (admins) the organization's alert settings. */
export default async function AlertsPage() {
  const user = await requirePageUser();
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold">Alerts</h1>
        <p className="text-sm text-slate-500">Slack and e-mail alerts from the scoring runs, their delivery state, and the rules that send them.</p>
      </div>
      <AlertsClient isAdmin={hasRole(user.role, "admin")} />
    </div>
  );
}
