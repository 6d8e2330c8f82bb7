// PATCH /api/tasks/{id} – change a task (done, title, due date, assignee) · DELETE – delete it.
import { deleteTaskRoute, updateTaskRoute } from "@/lib/api/contracts/alerts";
import { deleteTask, updateTask } from "@/lib/tasks/tasks";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const PATCH = withApi(updateTaskRoute, async ({ caller, params, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  return updateTask(getDb(), { organizationId: caller.organizationId, taskId: params.id, input: body });
});

export const DELETE = withApi(deleteTaskRoute, async ({ caller, params }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  await deleteTask(getDb(), caller.organizationId, params.id);
  return undefined;
});

export const { GET, POST, PUT } = methodsNotAllowed(["PATCH", "DELETE"]);
