"use client";
/**
 * "12 min ago" for an ISO time, safe to server-render: the server's text is kept during hydration
 * (suppressHydrationWarning: the two clocks differ by the render delay), then it re-renders every 30 s.
 * The exact UTC time is in the tooltip and the <time dateTime> attribute.
 */
import { useEffect, useState } from "react";
import { timeAgo } from "@/lib/format";

export function TimeAgo({ value, testId }: { value: string | null | undefined; testId?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  if (!value) return <span data-testid={testId}>never</span>;
  return (
    <time dateTime={value} title={new Date(value).toISOString().replace("T", " ").slice(0, 19) + " UTC"} suppressHydrationWarning data-testid={testId}>
      {timeAgo(value, now)}
    </time>
  );
}
