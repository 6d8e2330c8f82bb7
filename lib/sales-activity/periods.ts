/**
 * Scorecard periods (UTC): ISO weeks (Monday 00:00 to the next Monday) or calendar months. Half-open [start, end).
 */
export type Granularity = "week" | "month";
export type Period = { start: Date; end: Date; label: string };

const DAY_MS = 86_400_000;

/** The start of the week (Monday 00:00 UTC) or month (1st 00:00 UTC) containing `at`. */
export function periodStart(at: Date, g: Granularity): Date {
  if (g === "month") return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const dow = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return new Date(day - dow * DAY_MS);
}

function addPeriods(start: Date, g: Granularity, n: number): Date {
  if (g === "month") return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + n, 1));
  return new Date(start.getTime() + n * 7 * DAY_MS);
}

/** ISO week label "2026-W49" / month label "2026-12". */
export function periodLabel(start: Date, g: Granularity): string {
  if (g === "month") return start.toISOString().slice(0, 7);
  const thursday = new Date(start.getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const jan1 = Date.UTC(year, 0, 1);
  const week = Math.floor((thursday.getTime() - jan1) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The `count` periods ending with the one that contains `at`, oldest first. */
export function periodsEndingAt(at: Date, g: Granularity, count: number): Period[] {
  const last = periodStart(at, g);
  const out: Period[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const start = addPeriods(last, g, -i);
    out.push({ start, end: addPeriods(start, g, 1), label: periodLabel(start, g) });
  }
  return out;
}

/** The period starting exactly at `start` (it must be a period start). */
export function periodAt(start: Date, g: Granularity): Period | null {
  if (periodStart(start, g).getTime() !== start.getTime()) return null;
  return { start, end: addPeriods(start, g, 1), label: periodLabel(start, g) };
}
