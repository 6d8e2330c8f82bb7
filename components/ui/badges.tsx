/** Small status badges: risk level, trend arrow, connection status. */
import { RISK_LABELS, type RiskLevelName } from "@/lib/format";

const RISK_CLASS: Record<RiskLevelName, string> = {
  healthy: "bg-green-100 text-green-800",
  at_risk: "bg-amber-100 text-amber-800",
  critical: "bg-red-100 text-red-800",
};

export function RiskBadge({ level }: { level: RiskLevelName | null | undefined }) {
  if (!level) return <span className="text-xs text-slate-400">not scored</span>;
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${RISK_CLASS[level]}`} data-risk={level}>{RISK_LABELS[level]}</span>;
}

export function TrendArrow({ trend }: { trend: "improving" | "stable" | "declining" | null | undefined }) {
  if (!trend) return <span className="text-slate-400" aria-label="no trend">–</span>;
  const [sym, cls] = trend === "improving" ? ["▲", "text-green-600"] : trend === "declining" ? ["▼", "text-red-600"] : ["▶", "text-slate-400"];
  return <span className={cls} title={trend} aria-label={trend}>{sym}</span>;
}

const CONN_CLASS: Record<string, string> = {
  connected: "bg-green-100 text-green-800",
  syncing: "bg-blue-100 text-blue-800",
  error: "bg-red-100 text-red-800",
  reconnect_needed: "bg-amber-100 text-amber-800",
  disconnected: "bg-slate-100 text-slate-600",
};

export function ConnectionBadge({ status }: { status: string }) {
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${CONN_CLASS[status] ?? "bg-slate-100"}`} data-testid="connection-status">{status === "reconnect_needed" ? "reconnect needed" : status}</span>;
}
