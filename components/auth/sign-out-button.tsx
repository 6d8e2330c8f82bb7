"use client";
export function SignOutButton() {
  return (
    <button
      type="button"
      className="rounded-md border border-slate-300 px-2 py-1 text-slate-700 hover:bg-slate-50"
      onClick={async () => {
        await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        window.location.href = "/sign-in";
      }}
    >
      Sign out
    </button>
  );
}
