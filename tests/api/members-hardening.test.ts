/**
 * Members and owners (issue 14 items 6 and 9): only owners manage owners, the last owner is never removed
 * or demoted, an admin cannot pull another organization's user into theirs, an e-mail is at most 254 chars.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness, type Session } from "../helpers/api";
import { GET as listUsers, POST as createUser } from "@/app/api/users/route";
import { PATCH as patchUser, DELETE as deleteUser } from "@/app/api/users/[id]/route";

let app: ApiHarness;
let owner: Session, owner2: Session, admin: Session;
let otherOrgUser: Session;

beforeAll(async () => {
  app = await createApiHarness();
  owner = await app.signIn("owner");
  owner2 = await app.signIn("owner");
  admin = await app.signIn("admin");
  const other = await app.db.organization.create({ data: { name: "Other", slug: `other-${Date.now()}` } });
  otherOrgUser = await app.signIn("csm", other.id);
});
afterAll(() => app.cleanup());

const membershipOf = async (s: Session) => (await app.db.membership.findFirstOrThrow({ where: { userId: s.userId, organizationId: app.org.id } })).id;
const patch = (as: Session, id: string, role: string) => app.call(patchUser, `/api/users/${id}`, { as, method: "PATCH", body: { role }, params: { id } });
const remove = (as: Session, id: string) => app.call(deleteUser, `/api/users/${id}`, { as, method: "DELETE", params: { id } });

describe("owners are managed by owners", () => {
  it("an admin can neither demote nor remove an owner (403) and the owners stay", async () => {
    const id = await membershipOf(owner2);
    const d = await patch(admin, id, "csm");
    expect(d.status).toBe(403);
    expect(d.json.error.message).toMatch(/only an owner/);
    expect((await remove(admin, id)).status).toBe(403);
    const list = await app.call(listUsers, "/api/users", { as: owner });
    expect(list.json.data.filter((m: { role: string }) => m.role === "owner")).toHaveLength(2);
  });

  it("an owner can demote another owner, but never the last one", async () => {
    expect((await patch(owner, await membershipOf(owner2), "admin")).json.role).toBe("admin");
    const last = await patch(owner, await membershipOf(owner), "admin");
    expect(last.status).toBe(409);
    expect(last.json.error.message).toMatch(/last owner/);
    expect((await remove(owner, await membershipOf(owner))).status).toBe(409);
  });
});

describe("adding members", () => {
  it("an admin cannot add a user of another organization by e-mail (409) — nothing changes for that user", async () => {
    const r = await app.call(createUser, "/api/users", { as: admin, body: { email: otherOrgUser.email, name: "Taken", role: "admin" } });
    expect(r.status).toBe(409);
    expect(r.json.error.message).toMatch(/another organization/);
    expect(await app.db.membership.count({ where: { userId: otherOrgUser.userId } })).toBe(1);
  });

  it("a 10 KB e-mail is refused with 400 naming the field", async () => {
    const r = await app.call(createUser, "/api/users", { as: admin, body: { email: `${"a".repeat(10_000)}@example.com`, name: "Long", role: "csm" } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields).toHaveProperty("email");
  });
});
