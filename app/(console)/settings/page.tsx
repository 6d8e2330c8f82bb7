import { redirect } from "next/navigation";

/** /settings → the first settings page. */
export default function SettingsIndex() {
  redirect("/settings/scoring");
}
