/**
 * Lifecycle state badge (issue 13): where an account stands with the business — prospect, trialing,
 * customer, past due, paused, churned (lib/signals/types.ts LifecycleState). Only customers and past-due
 * accounts carry a risk level; the others show this badge instead.
 */
import type { LifecycleState } from "@/lib/signals/types";

export const LIFECYCLE_LABELS: Record<LifecycleState, string> = {
  customer: "Customer",
  past_due: "Past due",
  trialing: "Trialing",
  paused: "Paused",
  prospect: "Prospect",
  churned: "Churned",
};

const CLASS: Record<LifecycleState, string> = {
  customer: "bg-indigo-50 text-indigo-800",
  past_due: "bg-orange-100 text-orange-800",
  trialing: "bg-sky-100 text-sky-800",
  paused: "bg-slate-200 text-slate-700",
  prospect: "bg-slate-100 text-slate-600",
  churned: "bg-zinc-200 text-zinc-700",
};

/** `state` null → "unknown" (signals not computed yet). `churnedAt` (ISO or Date) is shown for churned accounts. */
export function LifecycleBadge({ state, churnedAt }: { state: LifecycleState | null | undefined; churnedAt?: string | Date | null }) {
  if (!state) return <span className="text-xs text-slate-400">unknown</span>;
  const when = state === "churned" && churnedAt ? new Date(churnedAt).toISOString().slice(0, 10) : null;
  return (
    <span className={`inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${CLASS[state]}`} data-lifecycle={state}
      title={when ? `Churned ${when}` : undefined}>
      {LIFECYCLE_LABELS[state]}{when ? ` ${when}` : ""}
    </span>
  );
}
