/** "My accounts | All accounts" switch above the accounts table and the dashboard (issue 16: a CSM's default is their own book). */
import Link from "next/link";

export function BookSwitch({ mine, basePath = "/accounts" }: { mine: boolean; basePath?: string }) {
  const cls = (on: boolean) => `rounded-md px-3 py-1 text-sm ${on ? "bg-indigo-600 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`;
  return (
    <div className="flex gap-2" role="group" aria-label="Book of business" data-testid="book-switch">
      <Link href={`${basePath}?csm=me`} className={cls(mine)} aria-current={mine ? "true" : undefined}>My accounts</Link>
      <Link href={`${basePath}?csm=all`} className={cls(!mine)} aria-current={!mine ? "true" : undefined}>All accounts</Link>
    </div>
  );
}
