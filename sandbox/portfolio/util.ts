/**
 * Deterministic helpers for the portfolio builders: keyed hashes instead of Math.random, id
 * factories that never collide, and UTC calendar arithmetic. Nothing here reads the real clock.
 */
import { hashString, mulberry32 } from "../core/prng";

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** A float in [0, 1) derived from a string key only (same key → same value, on every machine). */
export function hash01(key: string): number {
  // Two rounds so that keys differing in one character spread over the whole range.
  return mulberry32(hashString(key) ^ Math.imul(hashString(key + "#"), 0x9e3779b1))();
}

/** An integer in [0, n) derived from a key. */
export function hashInt(key: string, n: number): number {
  return Math.floor(hash01(key) * n);
}

/** Picks one element of `list` by key. */
export function pick<T>(key: string, list: readonly T[]): T {
  return list[hashInt(key, list.length)];
}

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Stripe-looking ids (`cus_1RsA…`, 24 characters after the prefix) that are unique per factory:
 * a running counter (base 62) followed by characters derived from the seed, so ids look random
 * but never collide and depend only on creation order.
 */
export class StripeIds {
  private counters = new Map<string, number>();
  constructor(private readonly seed: string) {}

  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    let c = "";
    for (let v = n; c.length < 5; v = Math.floor(v / 62)) c = B62[v % 62] + c;
    const rand = mulberry32(hashString(`${this.seed}:${prefix}:${n}`));
    let tail = "";
    while (tail.length < 18) tail += B62[Math.floor(rand() * 62)];
    return `${prefix}_1Rs${c}${tail}`;
  }
}

/** Epoch ms of a `YYYY-MM-DD` (or `YYYY-MM-DD HH:MM:SS`) UTC string; throws on anything else. */
export function parseUtc(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(s);
  if (!m) throw new Error(`not a date: "${s}"`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
}

/** `YYYY-MM-DD` of an epoch-ms time (UTC). */
export function ymd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO-8601 with milliseconds, as HubSpot sends times. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Epoch seconds (Stripe's unit). */
export function sec(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * Adds calendar months the way Stripe advances a billing anchor: from the ORIGINAL anchor, the
 * day of month clamped to the target month's length (Jan 31 + 1 month = Feb 28/29), time kept.
 */
export function addMonths(anchorMs: number, months: number): number {
  const d = new Date(anchorMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(ty, tm, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** Validates an anchor `YYYY-MM-DD` and returns its midnight (epoch ms). @throws Error for anything else. */
export function anchorMs(anchor: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(anchor) || Number.isNaN(parseUtc(anchor)) || ymd(parseUtc(anchor)) !== anchor) {
    throw new Error(`anchor must be a calendar date YYYY-MM-DD, got "${anchor}"`);
  }
  return parseUtc(anchor);
}

/** Today's UTC date (`YYYY-MM-DD`) — the default anchor; used by loaders, never by builders. */
export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export const FIRST_NAMES = [
  "Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Priya", "Arjun", "Chloe", "Lucas", "Sofia", "Ethan", "Mia", "Leon",
  "Hannah", "Yuki", "Omar", "Fatima", "Jonas", "Clara", "Diego", "Ines", "Kai", "Lena", "Ravi", "Zoe", "Felix", "Amara",
  "Hugo", "Nina", "Samir", "Elena", "Theo", "Maya", "Oscar", "Aisha", "Jack", "Lily", "Finn", "Sara",
];
export const LAST_NAMES = [
  "Smith", "Patel", "Garcia", "Müller", "Nguyen", "Johnson", "Kumar", "Brown", "Rossi", "Dubois", "Kim", "Silva", "Walker",
  "Schmidt", "Lopez", "Cohen", "Singh", "Martin", "O'Brien", "Novak", "Fischer", "Tanaka", "Wilson", "Moreau", "Khan",
  "Jensen", "Costa", "Ward", "Meyer", "Reyes", "Baker", "Sato", "Hughes", "Laurent", "Das", "Keller", "Evans", "Ali",
];
/** Job titles; the first block are decision makers (VP / Head of / C-level). */
export const DECISION_MAKER_TITLES = ["VP Engineering", "Head of Operations", "CTO", "VP Customer Success", "Head of Product", "COO"];
export const OTHER_TITLES = [
  "Engineering Manager", "Software Engineer", "Product Manager", "Operations Analyst", "Team Lead", "Data Analyst",
  "Office Manager", "Developer Advocate", "Finance Manager", "IT Administrator", "Designer", "Support Specialist",
];
export const FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me"];

/** ASCII e-mail local part from a person's name ("Müller" → "muller", "O'Brien" → "obrien"). */
export function emailLocal(first: string, last: string): string {
  const clean = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^a-z0-9]/g, "");
  return `${clean(first)}.${clean(last)}`;
}
