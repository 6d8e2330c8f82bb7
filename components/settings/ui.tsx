/**
 * Small form primitives shared by the admin pages (Integrations, Scoring, Match review, Users):
 * buttons with a busy label, an inline error/notice box, and the input class. Tailwind only.
 */
import type { ButtonHTMLAttributes, ReactNode } from "react";

type Variant = "primary" | "secondary" | "danger" | "ghost";

const VARIANT: Record<Variant, string> = {
  primary: "bg-indigo-600 text-white hover:bg-indigo-700 border-transparent",
  secondary: "bg-white text-slate-700 hover:bg-slate-50 border-slate-300",
  danger: "bg-red-600 text-white hover:bg-red-700 border-transparent",
  ghost: "bg-transparent text-slate-600 hover:bg-slate-100 border-transparent",
};

/** A button; while `busy` it is disabled and shows `busyLabel` (e.g. "Syncing…"). */
export function Button({ variant = "secondary", busy = false, busyLabel, children, className = "", disabled, type = "button", ...rest }:
  ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean; busyLabel?: string }) {
  return (
    <button type={type} disabled={disabled || busy} aria-busy={busy || undefined}
      className={`inline-flex items-center justify-center gap-1 rounded-md border px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-60 ${VARIANT[variant]} ${className}`}
      {...rest}>
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}

export const INPUT_CLASS = "mt-1 w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 placeholder:text-slate-400";

/** Inline alert: the server's message for errors (role=alert), or a neutral/success/warning notice (role=status). */
export function Notice({ tone = "error", children, testId }: { tone?: "error" | "success" | "warning" | "info"; children: ReactNode; testId?: string }) {
  const cls = {
    error: "border-red-200 bg-red-50 text-red-800",
    success: "border-green-200 bg-green-50 text-green-800",
    warning: "border-amber-200 bg-amber-50 text-amber-900",
    info: "border-slate-200 bg-slate-50 text-slate-700",
  }[tone];
  return (
    <div role={tone === "error" ? "alert" : "status"} data-testid={testId} className={`rounded-md border px-3 py-2 text-sm break-words ${cls}`}>
      {children}
    </div>
  );
}

/** A grey placeholder block for loading states. */
export function Skeleton({ className = "h-4 w-full" }: { className?: string }) {
  return <div aria-hidden="true" className={`animate-pulse rounded bg-slate-200 ${className}`} />;
}
