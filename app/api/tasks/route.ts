// GET /api/tasks – an account's tasks (?account_id) or the caller's open tasks · POST – add a task.
import { createTaskRoute, listTasksRoute } from "@/lib/api/contracts/alerts";
import { createTask, listAccountTasks, listMyOpenTasks } from "@/lib/tasks/tasks";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listTasksRoute, async ({ caller, query }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  const data = query.account_id ? await listAccountTasks(getDb(), caller.organizationId, query.account_id) : await listMyOpenTasks(getDb(), caller.organizationId, caller.userId);
  return { data, total: data.length, next_cursor: null };
});

export const POST = withApi(createTaskRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as a member");
  const { account_id, ...input } = body;
  return createTask(getDb(), { organizationId: caller.organizationId, accountId: account_id, userId: caller.userId, input });
});

export const { PUT, PATCH, DELETE } = methodsNotAllowed(["GET", "POST"]);
