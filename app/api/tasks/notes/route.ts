// GET /api/tasks/notes?account_id – an account's notes · POST – add a note.
import { createNoteRoute, listNotesRoute } from "@/lib/api/contracts/alerts";
import { createNote, listAccountNotes } from "@/lib/tasks/tasks";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listNotesRoute, async ({ caller, query }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  const data = await listAccountNotes(getDb(), caller.organizationId, query.account_id);
  return { data, total: data.length, next_cursor: null };
});

export const POST = withApi(createNoteRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  return createNote(getDb(), { organizationId: caller.organizationId, accountId: body.account_id, userId: caller.userId, input: { body: body.body } });
});

export const { PUT, PATCH, DELETE } = methodsNotAllowed(["GET", "POST"]);
