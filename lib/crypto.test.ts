import { describe, expect, it } from "vitest";
import { decryptJson, decryptSecret, encryptJson, encryptSecret, generateKeyB64, secretHint } from "./crypto";

const key = generateKeyB64();

describe("credentials at rest (AES-256-GCM)", () => {
  it("round-trips and never stores the plaintext", () => {
    const c = encryptSecret("pat-na1-secret-token-1234", key);
    expect(c).not.toContain("secret-token");
    expect(decryptSecret(c, key)).toBe("pat-na1-secret-token-1234");
    expect(decryptJson(encryptJson({ token: "abc" }, key), key)).toEqual({ token: "abc" });
  });
  it("uses a fresh IV each time and refuses a wrong key or tampered data", () => {
    const a = encryptSecret("same", key);
    expect(encryptSecret("same", key)).not.toBe(a);
    expect(() => decryptSecret(a, generateKeyB64())).toThrow();
    const parts = a.split(".");
    parts[3] = Buffer.from("other").toString("base64url");
    expect(() => decryptSecret(parts.join("."), key)).toThrow();
  });
  it("shows only the last 4 characters", () => {
    expect(secretHint("sk_test_abcdef1234")).toBe("••••1234");
  });
});
