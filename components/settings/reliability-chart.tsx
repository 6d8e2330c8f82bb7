"use client";
/**
 * Reliability of the churn model (recharts): per decile of predicted probability on the test days,
 * the mean predicted probability (x) against the observed churn rate (y), with the diagonal of a
 * perfectly calibrated model. Bins come from the model's `metrics.reliability` (lib/model/train.ts).
 */
import { CartesianGrid, ComposedChart, Line, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from "recharts";

export type ReliabilityBin = { decile: number; rows: number; mean_predicted: number; observed_rate: number };

export function ReliabilityChart({ bins }: { bins: ReliabilityBin[] }) {
  const pct = (v: number) => `${Math.round(v * 100)}%`;
  const max = Math.min(1, Math.max(0.05, ...bins.map((b) => Math.max(b.mean_predicted, b.observed_rate))) * 1.1);
  const data = bins.map((b) => ({ x: b.mean_predicted, y: b.observed_rate, rows: b.rows, decile: b.decile }));
  return (
    <div className="h-52 w-full" data-testid="reliability-chart" role="img" aria-label="Reliability: predicted churn probability against observed churn rate by decile">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart margin={{ top: 8, right: 12, left: -8, bottom: 12 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="x" domain={[0, max]} tickFormatter={pct} tick={{ fontSize: 11 }}
            label={{ value: "Predicted", position: "insideBottom", offset: -6, fontSize: 11 }} />
          <YAxis type="number" dataKey="y" domain={[0, max]} tickFormatter={pct} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(v) => pct(Number(v))} />
          <Line name="Perfectly calibrated" data={[{ x: 0, y: 0 }, { x: max, y: max }]} dataKey="y" stroke="#94a3b8" strokeDasharray="4 4" dot={false} isAnimationActive={false} />
          <Scatter name="Decile" data={data} fill="#dc2626" isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
