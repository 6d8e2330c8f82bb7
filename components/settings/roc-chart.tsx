"use client";
/**
 * A small ROC curve (recharts): true-positive rate against false-positive rate for the health score
 * ranking and (when present) the churn model, with the diagonal of a random guess for reference.
 * Points are `{fpr, tpr}` in 0-1 (lib/model/metrics.ts rocCurve, ≤ 50 points per curve).
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type RocPoint = { fpr: number; tpr: number };

export function RocChart({ health, model }: { health: RocPoint[]; model: RocPoint[] | null }) {
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  return (
    <div className="h-60 w-full" data-testid="roc-chart" role="img" aria-label="ROC curve: share of churned accounts caught against share of false alarms">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart margin={{ top: 8, right: 12, left: -8, bottom: 12 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="fpr" domain={[0, 1]} tickFormatter={pct} tick={{ fontSize: 11 }}
            label={{ value: "False positive rate", position: "insideBottom", offset: -6, fontSize: 11 }} />
          <YAxis type="number" dataKey="tpr" domain={[0, 1]} tickFormatter={pct} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(v) => pct(Number(v))} labelFormatter={(l) => `FPR ${pct(Number(l))}`} />
          <Legend verticalAlign="top" height={24} wrapperStyle={{ fontSize: 12 }} />
          <Line name="Random" data={[{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }]} dataKey="tpr" stroke="#94a3b8" strokeDasharray="4 4" dot={false} isAnimationActive={false} />
          <Line name="Health score" data={health} dataKey="tpr" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} />
          {model && <Line name="Churn model" data={model} dataKey="tpr" stroke="#dc2626" strokeWidth={2} dot={false} isAnimationActive={false} />}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
