// GET /api/revenue/movements – MRR movements explained by subscription, item and price (JSON or CSV).
import { revenueMovementsRoute } from "@/lib/api/contracts/revenue";
import { withApi } from "@/lib/http/with-api";
import { methodsNotAllowed } from "@/lib/http/method-not-allowed";
import { handleMovements } from "@/lib/revenue/api";

export const dynamic = "force-dynamic";

export const GET = withApi(revenueMovementsRoute, async ({ req, caller, query }) => handleMovements(req, caller, query));

// The methods this route does not implement: 405 JSON with Allow (not Next.js's empty 405).
export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed(["GET"]);
