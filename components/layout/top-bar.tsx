/** The console's top bar: navigation (admin links only for admins), organization, user, role, sign-out. */
import Link from "next/link";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { CommandPalette } from "@/components/command-palette/command-palette";
import type { UserContext } from "@/lib/auth/context";

export function TopBar({ user }: { user: UserContext }) {
  const isAdmin = user.role === "admin" || user.role === "owner";
  const links = [
    { href: "/", label: "Dashboard" },
    { href: "/accounts", label: "Accounts" },
    { href: "/alerts", label: "Alerts" },
    { href: "/revenue", label: "Revenue" },
    { href: "/sales-activity", label: "Sales activity" },
    ...(isAdmin
      ? [
          { href: "/accounts/matches", label: "Match review" },
          { href: "/integrations", label: "Integrations" },
          { href: "/settings/scoring", label: "Scoring" },
          { href: "/settings/users", label: "Users" },
          { href: "/settings/jobs", label: "Jobs" },
        ]
      : []),
  ];
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/" className="text-lg font-semibold text-indigo-700">Churnwatch</Link>
        <nav aria-label="Main" className="flex flex-wrap gap-4 text-sm">
          {links.map((l) => (
            <Link key={l.href} href={l.href} className="text-slate-600 hover:text-slate-900">{l.label}</Link>
          ))}
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <CommandPalette role={user.role} />
          <span className="text-slate-500" data-testid="org-name">{user.organizationName}</span>
          <span className="text-slate-700">{user.name}</span>
          <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700" data-testid="role-badge">{user.role}</span>
          <SignOutButton />
        </div>
      </div>
    </header>
  );
}
