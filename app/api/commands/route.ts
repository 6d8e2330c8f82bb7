// POST /api/commands – run a command typed in plain words (the palette and chat tools): dry run first, confirm to write.
import { commandRoute } from "@/lib/api/contracts/commands";
import { runCommand } from "@/lib/commands/run-command";
import { getDb } from "@/lib/db";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

export const POST = withApi(commandRoute, async ({ caller, body }) => {
  if (caller.kind !== "user") throw new Error("unreachable: the contract accepts signed-in users only");
  return runCommand(getDb(), caller, body);
});

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed(["POST"]);
