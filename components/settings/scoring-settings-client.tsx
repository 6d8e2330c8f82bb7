"use client";
/** The Scoring settings page body: config form, "Fit to our history", backtest and model (the backtest reloads after a retrain or a save). */
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Card } from "@/components/ui/card";
import { FitPanel } from "./fit-panel";
import { BacktestPanel, ModelPanel, type ModelView } from "./model-panel";
import { ScoringConfigForm, type ScoringConfigView } from "./scoring-config-form";

export function ScoringSettingsClient({ config, model }: { config: ScoringConfigView; model: ModelView | null }) {
  const [backtestKey, setBacktestKey] = useState(0);
  const router = useRouter();
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <ScoringConfigForm key={config.version} initial={config} onSaved={() => setBacktestKey((k) => k + 1)} />
      <div className="min-w-0 space-y-6">
        <Card title="Fit to our history"><FitPanel onSaved={() => { setBacktestKey((k) => k + 1); router.refresh(); /* the form shows the new version */ }} /></Card>
        <Card title="Churn model"><ModelPanel initial={model} onRetrained={() => setBacktestKey((k) => k + 1)} /></Card>
        <Card title="Backtest"><BacktestPanel refreshKey={backtestKey} /></Card>
      </div>
    </div>
  );
}
