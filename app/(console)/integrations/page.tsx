import { NotAllowed } from "@/components/layout/not-allowed";
import { requirePageRole } from "@/lib/auth/page-guard";

export const dynamic = "force-dynamic";

export default async function IntegrationsPage() {
  const { allowed } = await requirePageRole("admin");
  return (
    <section>
      <h1 className="text-2xl font-semibold">Integrations</h1>
      {allowed ? <p className="mt-2 text-sm text-slate-600">Connect HubSpot and Stripe.</p> : <div className="mt-4"><NotAllowed need="admin" /></div>}
    </section>
  );
}
