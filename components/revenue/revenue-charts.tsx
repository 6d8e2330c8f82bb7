"use client";
/**
 * Charts of the Revenue page (recharts): the MRR bridge (movements as stacked bars, end MRR as a line), GRR/NRR per
 * month, and the renewal forecast of the heaviest accounts. Amounts arrive in minor units; the axes show major units.
 */
import { Bar, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, BarChart } from "recharts";
import { currencyExponent, formatMinor, toMajor } from "@/lib/revenue/format";
import type { BridgeMonth, ForecastAccount } from "@/lib/revenue/report";

export const KIND_COLORS = { new: "#16a34a", expansion: "#4f46e5", reactivation: "#0891b2", contraction: "#d97706", churn: "#dc2626" } as const;

export function BridgeChart({ months, currency }: { months: BridgeMonth[]; currency: string }) {
  const data = months.map((m) => ({
    month: m.month, New: toMajor(m.newCents, currency), Expansion: toMajor(m.expansionCents, currency), Reactivation: toMajor(m.reactivationCents, currency),
    Contraction: toMajor(m.contractionCents, currency), Churn: toMajor(m.churnCents, currency), "End MRR": toMajor(m.endCents, currency),
  }));
  const fmt = (v: number) => formatMinor(Math.round(v * 10 ** currencyExponent(currency)), currency, { compact: true });
  return (
    <div className="h-72 w-full" data-testid="revenue-bridge-chart">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} stackOffset="sign" margin={{ top: 8, right: 16, left: 8, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="month" tick={{ fontSize: 11 }} />
          <YAxis yAxisId="mov" tick={{ fontSize: 11 }} width={72} tickFormatter={(v) => fmt(Number(v))} />
          <YAxis yAxisId="mrr" orientation="right" tick={{ fontSize: 11 }} width={72} tickFormatter={(v) => fmt(Number(v))} />
          <Tooltip formatter={(v, name) => [fmt(Number(v)), String(name)]} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <ReferenceLine yAxisId="mov" y={0} stroke="#94a3b8" />
          <Bar yAxisId="mov" dataKey="New" stackId="m" fill={KIND_COLORS.new} isAnimationActive={false} />
          <Bar yAxisId="mov" dataKey="Expansion" stackId="m" fill={KIND_COLORS.expansion} isAnimationActive={false} />
          <Bar yAxisId="mov" dataKey="Reactivation" stackId="m" fill={KIND_COLORS.reactivation} isAnimationActive={false} />
          <Bar yAxisId="mov" dataKey="Contraction" stackId="m" fill={KIND_COLORS.contraction} isAnimationActive={false} />
          <Bar yAxisId="mov" dataKey="Churn" stackId="m" fill={KIND_COLORS.churn} isAnimationActive={false} />
          <Line yAxisId="mrr" type="monotone" dataKey="End MRR" stroke="#0f172a" strokeWidth={2} dot={false} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

export function RetentionChart({ months }: { months: BridgeMonth[] }) {
  const data = months.map((m) => ({
    month: m.month, NRR: m.nrr === null ? null : Math.round(m.nrr * 1000) / 10, GRR: m.grr === null ? null : Math.round(m.grr * 1000) / 10,
    "Logo churn": m.logoChurnRate === null ? null : Math.round(m.logoChurnRate * 1000) / 10,
  }));
  return (
    <div className="h-64 w-full" data-testid="revenue-retention-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="month" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={48} tickFormatter={(v) => `${v}%`} />
          <Tooltip formatter={(v, name) => [v === null ? "—" : `${v}%`, String(name)]} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="NRR" stroke="#4f46e5" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
          <Line type="monotone" dataKey="GRR" stroke="#16a34a" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
          <Line type="monotone" dataKey="Logo churn" stroke="#dc2626" strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

export function ForecastChart({ accounts, currency }: { accounts: ForecastAccount[]; currency: string }) {
  const data = accounts.filter((a) => a.currency === currency).slice(0, 10).map((a) => ({
    account: a.accountName.length > 18 ? `${a.accountName.slice(0, 17)}…` : a.accountName,
    "Expected retained": toMajor(a.expectedRetainedCents, currency), "Expected loss": toMajor(a.expectedLossCents, currency),
  }));
  const fmt = (v: number) => formatMinor(Math.round(v * 10 ** currencyExponent(currency)), currency, { compact: true });
  return (
    <div className="h-64 w-full" data-testid="revenue-forecast-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, left: 8, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" tick={{ fontSize: 11 }} tickFormatter={(v) => fmt(Number(v))} />
          <YAxis type="category" dataKey="account" tick={{ fontSize: 11 }} width={130} />
          <Tooltip formatter={(v, name) => [fmt(Number(v)), String(name)]} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="Expected retained" stackId="f" fill="#16a34a" isAnimationActive={false} />
          <Bar dataKey="Expected loss" stackId="f" fill="#dc2626" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
