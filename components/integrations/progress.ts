/**
 * Pure helpers that read a sync job's free-form `progress` JSON (written by the connectors through
 * `ctx.progress`): `{phase?, streams?: {companies: {processed, total|null, ratePerSec, etaMs|null}, …}}`.
 * Keys arrive snake_case through the API (`rate_per_sec`, `eta_ms`) and camelCase straight from the
 * database; both are accepted. Unknown or malformed entries are skipped, never thrown.
 */
import { z } from "zod";

export type StreamProgress = {
  name: string;
  processed: number;
  /** Total records when the vendor reports it (HubSpot search), else null. */
  total: number | null;
  /** Records per second since the stream started. */
  ratePerSec: number | null;
  /** Estimated milliseconds left, or null when unknown. */
  etaMs: number | null;
};

const num = z.number().finite();
const ZStream = z.object({
  processed: num,
  total: num.nullable().optional(),
  ratePerSec: num.nullable().optional(),
  rate_per_sec: num.nullable().optional(),
  etaMs: num.nullable().optional(),
  eta_ms: num.nullable().optional(),
});

/** progress JSON → {phase, streams[]} in the order the connector reported them. */
export function parseSyncProgress(progress: unknown): { phase: string | null; streams: StreamProgress[] } {
  if (!progress || typeof progress !== "object") return { phase: null, streams: [] };
  const p = progress as Record<string, unknown>;
  const phase = typeof p.phase === "string" ? p.phase : null;
  const streams: StreamProgress[] = [];
  if (p.streams && typeof p.streams === "object") {
    for (const [name, raw] of Object.entries(p.streams as Record<string, unknown>)) {
      const r = ZStream.safeParse(raw);
      if (!r.success) continue;
      const s = r.data;
      streams.push({
        name,
        processed: s.processed,
        total: s.total ?? null,
        ratePerSec: s.ratePerSec ?? s.rate_per_sec ?? null,
        etaMs: s.etaMs ?? s.eta_ms ?? null,
      });
    }
  }
  return { phase, streams };
}

/** 95_000 → "1 min 35 s"; 4_000 → "4 s"; null → "—". */
export function formatEta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** 12.34 → "12/s"; 0.5 → "0.5/s"; null → "—". */
export function formatRate(perSec: number | null): string {
  if (perSec === null || !Number.isFinite(perSec)) return "—";
  return `${perSec >= 10 ? Math.round(perSec).toLocaleString("en-US") : Math.round(perSec * 10) / 10}/s`;
}

/** Percentage 0-100 of a stream, or null without a total. */
export function streamPercent(s: StreamProgress): number | null {
  if (s.total === null || s.total <= 0) return null;
  return Math.min(100, Math.round((s.processed / s.total) * 100));
}

/** "companies" → "Companies", "line_items" → "Line items". */
export function objectLabel(name: string): string {
  const t = name.replace(/[_-]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return t.charAt(0).toUpperCase() + t.slice(1);
}
