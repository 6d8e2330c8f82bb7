import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("environment validation", () => {
  it("refuses to start without an encryption key and says how to make one", () => {
    expect(() => parseEnv({})).toThrow(/APP_ENCRYPTION_KEY.*openssl rand -base64 32/s);
  });
  it("refuses a key that is not 32 bytes", () => {
    expect(() => parseEnv({ APP_ENCRYPTION_KEY: Buffer.from("short").toString("base64") })).toThrow(/32 bytes/);
  });
  it("requires the HubSpot OAuth id and secret together", () => {
    const key = Buffer.alloc(32, 1).toString("base64");
    expect(() => parseEnv({ APP_ENCRYPTION_KEY: key, HUBSPOT_CLIENT_ID: "x" })).toThrow(/HUBSPOT_CLIENT_SECRET/);
    expect(parseEnv({ APP_ENCRYPTION_KEY: key }).DATABASE_URL).toBe("file:./data/churnwatch.db");
  });
});
