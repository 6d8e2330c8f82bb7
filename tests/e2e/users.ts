/** Users seeded by tests/e2e/serve.ts (test-only credentials). */
export const E2E_USERS = {
  admin: { email: "admin@e2e.local", name: "Ada Admin", role: "owner" as const, password: "e2e-admin-password" },
  csm: { email: "csm@e2e.local", name: "Casey CSM", role: "csm" as const, password: "e2e-csm-password" },
};
