"use client";
/** MRR history from the daily signals (area chart, recharts). Values in major units for the axis. */
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export function MrrHistoryChart({ points, currency }: { points: { day: string; mrr: number | null }[]; currency: string }) {
  return (
    <div className="h-40 w-full" data-testid="mrr-history-chart">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={points} margin={{ top: 8, right: 12, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} minTickGap={40} />
          <YAxis tick={{ fontSize: 11 }} width={56} />
          <Tooltip formatter={(v) => [`${Number(v).toLocaleString("en-US", { maximumFractionDigits: 0 })} ${currency.toUpperCase()}`, "MRR"]} />
          <Area type="stepAfter" dataKey="mrr" stroke="#0891b2" fill="#0891b2" fillOpacity={0.15} isAnimationActive={false} connectNulls={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
