"use client";
/** Health score history (line) with the risk-level bands behind it and config changes marked (recharts). */
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export function ScoreHistoryChart(props: {
  points: { day: string; score: number; probability: number | null }[];
  thresholds: { healthy: number; atRisk: number };
  configChanges: { day: string; version: number }[];
}) {
  const { healthy, atRisk } = props.thresholds;
  return (
    <div className="h-64 w-full" data-testid="score-history-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={props.points} margin={{ top: 8, right: 12, left: -16, bottom: 0 }}>
          <ReferenceArea y1={healthy} y2={100} fill="#16a34a" fillOpacity={0.07} />
          <ReferenceArea y1={atRisk} y2={healthy} fill="#d97706" fillOpacity={0.07} />
          <ReferenceArea y1={0} y2={atRisk} fill="#dc2626" fillOpacity={0.07} />
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} minTickGap={40} />
          <YAxis domain={[0, 100]} tick={{ fontSize: 11 }} />
          <Tooltip formatter={(v, name) => [name === "score" ? Number(v).toFixed(1) : `${(Number(v) * 100).toFixed(0)}%`, name === "score" ? "Health score" : "Churn probability"]} />
          {props.configChanges.map((c) => (
            <ReferenceLine key={c.day} x={c.day} stroke="#6366f1" strokeDasharray="4 2" label={{ value: `config v${c.version}`, fontSize: 10, fill: "#4f46e5", position: "insideTopRight" }} />
          ))}
          <Line type="monotone" dataKey="score" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
