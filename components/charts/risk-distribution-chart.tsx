"use client";
/** Accounts by risk level (bar chart, recharts). */
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { RISK_COLORS, RISK_LABELS, type RiskLevelName } from "@/lib/format";

export function RiskDistributionChart({ data }: { data: { level: RiskLevelName; count: number; mrr: string }[] }) {
  return (
    <div className="h-56 w-full" data-testid="risk-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data.map((d) => ({ ...d, label: RISK_LABELS[d.level] }))} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 12 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
          <Tooltip formatter={(v, _n, item) => [`${v} accounts · MRR ${(item.payload as { mrr: string }).mrr}`, ""]} />
          <Bar dataKey="count" radius={[4, 4, 0, 0]} isAnimationActive={false}>
            {data.map((d) => <Cell key={d.level} fill={RISK_COLORS[d.level]} />)}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
