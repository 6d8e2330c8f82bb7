/** Shown instead of an admin page to a user whose role is too low (the API refuses them as well). */
export function NotAllowed({ need }: { need: string }) {
  return (
    <div role="alert" data-testid="not-allowed" className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-800">
      This page needs the {need} role. Ask an owner or admin if you need access.
    </div>
  );
}
