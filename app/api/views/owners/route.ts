// GET /api/views/owners – HubSpot owners and their users (book of business; admin).
import { listOwnerMappingsRoute } from "@/lib/api/contracts/alerts";
import { listOwnerMappings, refreshBookOfBusiness } from "@/lib/book/csm";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";

export const dynamic = "force-dynamic";

export const GET = withApi(listOwnerMappingsRoute, async ({ caller }) => {
  if (caller.kind !== "user") throw new AppError("forbidden", "sign in as an admin");
  await refreshBookOfBusiness(getDb(), caller.organizationId);
  const data = await listOwnerMappings(getDb(), caller.organizationId);
  return { data, total: data.length, next_cursor: null };
});

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
