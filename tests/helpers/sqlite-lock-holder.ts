/** Test helper process: holds a write transaction on DB_URL for HOLD_MS (default 1500), printing "locked" then "done". */
import { createPrisma } from "@/lib/db/prisma";

async function main() {
  const db = createPrisma(process.env.DB_URL!);
  await db.$transaction(async (tx) => {
    await tx.account.create({ data: { organizationId: process.env.ORG_ID!, name: "other process" } });
    console.log("locked");
    await new Promise((r) => setTimeout(r, Number(process.env.HOLD_MS ?? 1500)));
  }, { timeout: 20_000 });
  await db.$disconnect();
  console.log("done");
}
main().catch((e) => { console.error(e); process.exit(1); });
