/**
 * Demo seed of the customer-success workflow (issue 16), used by `npm run demo` (scripts/demo/prepare-demo.ts):
 * the organization's Slack webhook (the sandbox receiver), one rule "Account turned critical" (Slack + e-mail to the
 * account's CSM, 24 h cooldown, playbook task), and the demo CSM mapped to the HubSpot owner with the most paying
 * accounts, so the CSM's "my accounts" is not empty. Idempotent: an organization that has rules is left alone.
 */
import type { Db } from "@/lib/db";
import { refreshBookOfBusiness, setOwnerMapping } from "@/lib/book/csm";
import { createRule, saveAlertSettings } from "./rules";

export async function seedDemoAlerts(db: Db, p: { organizationId: string; slackWebhookUrl: string | null; csmEmail: string }): Promise<{ rules: number; csmOwner: string | null }> {
  const { organizationId } = p;
  let rules = await db.alertRule.count({ where: { organizationId } });
  if (rules === 0) {
    if (p.slackWebhookUrl) await saveAlertSettings(db, organizationId, { slack_webhook_url: p.slackWebhookUrl });
    await createRule(db, organizationId, {
      name: "Account turned critical", kind: "risk_level_changed", params: { levels: ["critical"] },
      slack_enabled: Boolean(p.slackWebhookUrl), email_enabled: true, email_to: "csm", cooldown_hours: 24,
      playbook: [{ title: "Critical: call the champion within 2 days", due_in_days: 2 }],
    });
    rules = 1;
  }
  const csm = await db.user.findUnique({ where: { email: p.csmEmail }, select: { id: true } });
  let csmOwner: string | null = null;
  if (csm) {
    const mapped = await db.ownerUserMapping.findFirst({ where: { organizationId, userId: csm.id } });
    if (mapped) csmOwner = mapped.ownerId;
    else {
      const top = await db.account.groupBy({ by: ["ownerId"], where: { organizationId, archivedAt: null, riskLevel: { not: null }, ownerId: { not: null } }, _count: { _all: true }, orderBy: { _count: { ownerId: "desc" } }, take: 1 });
      if (top[0]?.ownerId) {
        await setOwnerMapping(db, organizationId, top[0].ownerId, csm.id);
        csmOwner = top[0].ownerId;
      }
    }
  }
  await refreshBookOfBusiness(db, organizationId);
  return { rules, csmOwner };
}
