/**
 * A tiny parameter builder for the scorecard's raw SQL on SQLite and PostgreSQL: placeholders are appended in
 * the order they appear in the text (SQLite's `?` is positional), PostgreSQL gets `CAST($n AS type)`.
 * Timestamps: SQLite stores Prisma DateTimes as ISO text with "+00:00" (lib/db/json-upsert.ts sqliteDateText), so
 * they are bound in that exact form and compare as text; PostgreSQL gets timestamp(3) values.
 */
import { sqliteDateText } from "@/lib/db/json-upsert";
import type { Provider } from "@/lib/db/prisma";

export type ParamType = "text" | "ts" | "json" | "int";

export class SqlParams {
  readonly args: unknown[] = [];
  constructor(readonly provider: Provider) {}

  /** Placeholder for `v` (appended to args). */
  ph(v: unknown, t: ParamType = "text"): string {
    const pg = this.provider === "postgresql";
    let value = v;
    if (t === "ts" && v instanceof Date) value = pg ? v.toISOString().replace("T", " ").replace("Z", "") : sqliteDateText(v);
    if (t === "json") value = JSON.stringify(v);
    this.args.push(value);
    if (!pg) return "?";
    const cast = t === "ts" ? "timestamp(3)" : t === "json" ? "jsonb" : t === "int" ? "integer" : "text";
    return `CAST($${this.args.length} AS ${cast})`;
  }

  /** `col IN (<elements of a JSON array of strings>)` with ONE bound parameter; an empty list is `1 = 0`. */
  inList(col: string, values: string[]): string {
    if (!values.length) return "1 = 0";
    return this.provider === "postgresql"
      ? `${col} IN (SELECT jsonb_array_elements_text(${this.ph(values, "json")}))`
      : `${col} IN (SELECT value FROM json_each(${this.ph(values, "json")}))`;
  }

  /** The 0-based index of the period containing `col` (periods are ascending and contiguous; the caller's WHERE bounds them). */
  bucket(col: string, starts: Date[]): string {
    if (starts.length <= 1) return "0";
    const whens: string[] = [];
    for (let i = starts.length - 1; i >= 1; i--) whens.push(`WHEN ${col} >= ${this.ph(starts[i], "ts")} THEN ${i}`);
    return `CASE ${whens.join(" ")} ELSE 0 END`;
  }
}

/** SQLite and PostgreSQL integer results (bigint / string / number) → number. */
export function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "bigint" ? Number(v) : Number(v);
}
