/**
 * UTC day arithmetic for signals. A "day" is identified by its midnight UTC; all instants are epoch ms.
 */

/** Milliseconds in one UTC day. */
export const DAY_MS = 86_400_000;

/** Midnight UTC of the day containing `d` (ms). */
export function utcDayStartMs(d: Date | number): number {
  const ms = typeof d === "number" ? d : d.getTime();
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Midnight UTC of the day containing `d`, as a Date. */
export function utcDay(d: Date | number): Date {
  return new Date(utcDayStartMs(d));
}

/** Whole UTC days from the day of `fromMs` to the day of `toMs` (negative when `toMs` is earlier). */
export function wholeDaysBetween(fromMs: number, toMs: number): number {
  return Math.round((utcDayStartMs(toMs) - utcDayStartMs(fromMs)) / DAY_MS);
}

/** Number of days in a month (month 0-11) of a year, UTC. */
export function daysInMonth(year: number, month: number): number {
  if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/**
 * `base` moved by `months` calendar months, on day `anchorDay` (clamped to the month's length, the
 * way Stripe bills on the 31st), keeping the time of day of `base`.
 */
export function addMonthsAnchored(baseMs: number, months: number, anchorDay: number): number {
  const b = new Date(baseMs);
  const total = b.getUTCFullYear() * 12 + b.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(anchorDay, daysInMonth(year, month));
  return Date.UTC(year, month, day, b.getUTCHours(), b.getUTCMinutes(), b.getUTCSeconds(), b.getUTCMilliseconds());
}

/** Index of the first element > x in an ascending array (binary search). */
export function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element ≥ x in an ascending array (binary search). */
export function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many elements of an ascending array lie in [fromMs, toMs). */
export function countInRange(sorted: readonly number[], fromMs: number, toMs: number): number {
  return Math.max(0, lowerBound(sorted, toMs) - lowerBound(sorted, fromMs));
}

/** The last element < toMs of an ascending array, or null. */
export function lastBefore(sorted: readonly number[], toMs: number): number | null {
  const i = lowerBound(sorted, toMs);
  return i > 0 ? sorted[i - 1]! : null;
}
