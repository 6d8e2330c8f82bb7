import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getUserContext } from "@/lib/auth/context";

export const dynamic = "force-dynamic";

export default async function SignInPage() {
  if (await getUserContext(await headers())) redirect("/");
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-2xl font-semibold text-slate-900">Churnwatch</h1>
        <p className="mt-1 text-sm text-slate-500">Sign in to review customer health.</p>
        <SignInForm />
      </div>
    </main>
  );
}
