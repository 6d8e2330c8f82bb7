// Issue 18: the accounts search treated `_` and `%` as wildcards ("acme_labs" also found "acmeXlabs",
// "100%" found every name containing "100"). Both the accounts table (GET /api/accounts?q=) and the
// palette's account search (GET /api/search) match them literally, on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listAccounts } from "@/app/api/accounts/route";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";

let app: ApiHarness;
let csm: Session;

beforeAll(async () => {
  app = await createApiHarness();
  csm = await app.signIn("csm");
  const names: [string, string][] = [["acme_labs", "acme-labs.example"], ["acmeXlabs", "acmexlabs.example"], ["100% Uptime", "uptime.example"], ["1000 Lakes", "lakes.example"], ["Back\\slash", "b_s.example"], ["Bs", "bxs.example"]];
  for (const [name, domain] of names) {
    await app.db.account.create({ data: { organizationId: app.org.id, name, domain, mrrCents: 1000, mrrCurrency: "usd", lifecycleState: "customer" } });
  }
});
afterAll(() => app.cleanup());

const names = (r: { json: { data: { name: string }[] } }) => r.json.data.map((x) => x.name).sort();

describe("accounts search matches _ % and \\ literally", () => {
  it("q=acme_labs finds only acme_labs", async () => {
    expect(names(await app.call(listAccounts, "/api/accounts?q=acme_labs", { as: csm }))).toEqual(["acme_labs"]);
  });
  it("q=100% finds only the name with a percent sign", async () => {
    expect(names(await app.call(listAccounts, `/api/accounts?q=${encodeURIComponent("100%")}`, { as: csm }))).toEqual(["100% Uptime"]);
  });
  it("q=b_s matches the domain b_s.example only, and a backslash is a plain character", async () => {
    expect(names(await app.call(listAccounts, "/api/accounts?q=b_s", { as: csm }))).toEqual(["Back\\slash"]);
    expect(names(await app.call(listAccounts, `/api/accounts?q=${encodeURIComponent("k\\s")}`, { as: csm }))).toEqual(["Back\\slash"]);
  });
  it("plain words still match anywhere, case-insensitively", async () => {
    expect(names(await app.call(listAccounts, "/api/accounts?q=LABS", { as: csm }))).toEqual(["acmeXlabs", "acme_labs"]);
  });
});
