/** Each factor's value (0-100 bar) and its contribution to the score; factors without data greyed with "no data". */
type Factor = { key: string; label: string; weight: number; effectiveWeight: number; value: number | null; contribution: number; missing: boolean; detail: string };
type Penalty = { key: string; label: string; points: number; detail: string };

export function FactorBreakdown({ factors, penalties }: { factors: Factor[]; penalties: Penalty[] }) {
  return (
    <div className="space-y-3" data-testid="factor-breakdown">
      <ul className="space-y-2">
        {factors.map((f) => (
          <li key={f.key} className={f.missing ? "opacity-50" : ""} data-testid="factor" data-missing={f.missing}>
            <div className="flex items-baseline justify-between gap-2 text-sm">
              <span className="font-medium text-slate-700">{f.label}</span>
              <span className="tabular-nums text-slate-500">
                {f.missing ? "no data — weight given to the others" : `${Math.round(f.value ?? 0)}/100 × ${f.effectiveWeight.toFixed(1)}% = +${f.contribution.toFixed(1)}`}
              </span>
            </div>
            <div className="mt-1 h-2 w-full rounded-full bg-slate-100" aria-hidden>
              {!f.missing && (
                <div className="h-2 rounded-full" style={{ width: `${Math.max(2, f.value ?? 0)}%`, background: (f.value ?? 0) >= 70 ? "#16a34a" : (f.value ?? 0) >= 40 ? "#d97706" : "#dc2626" }} />
              )}
            </div>
            <p className="mt-0.5 text-xs text-slate-500">{f.detail}</p>
          </li>
        ))}
      </ul>
      {penalties.length > 0 && (
        <div>
          <h3 className="text-xs font-semibold uppercase text-slate-500">Penalties</h3>
          <ul className="mt-1 space-y-1 text-sm">
            {penalties.map((p) => (
              <li key={p.key} className="flex justify-between gap-2 text-red-700"><span>{p.label}: {p.detail}</span><span className="tabular-nums">−{p.points}</span></li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
