"use client";
/** 12-period trend of one scorecard metric (recharts): one line per owner (top 8 by total) and the target line. */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

const COLORS = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#db2777", "#475569"];

export function SalesTrendChart({ labels, series, format }: {
  labels: string[];
  series: { name: string; values: number[] }[];
  format: (v: number) => string;
}) {
  const data = labels.map((label, i) => Object.fromEntries([["period", label], ...series.map((s) => [s.name, s.values[i]])]));
  return (
    <div className="h-64 w-full" data-testid="sales-trend-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="period" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={64} tickFormatter={(v) => format(Number(v))} />
          <Tooltip formatter={(v, name) => [format(Number(v)), String(name)]} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map((s, i) => (
            <Line key={s.name} type="monotone" dataKey={s.name} stroke={COLORS[i % COLORS.length]} strokeWidth={2} dot={false} isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
