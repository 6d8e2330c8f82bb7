/**
 * Secrets at rest: AES-256-GCM with APP_ENCRYPTION_KEY (32 bytes, base64).
 *
 * Ciphertext format (a string, safe for any text column): `v1.<iv b64url>.<tag b64url>.<data b64url>`,
 * 12-byte random IV, 16-byte tag. Decryption with a wrong key or tampered data throws.
 * Only connection credentials and webhook secrets are encrypted; never log either value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { env } from "./env";

function keyFrom(b64?: string): Buffer {
  const key = Buffer.from(b64 ?? env().APP_ENCRYPTION_KEY, "base64");
  if (key.length !== 32) throw new Error("APP_ENCRYPTION_KEY must be 32 bytes encoded as base64");
  return key;
}

/** Encrypt a UTF-8 string. @param keyB64 override of APP_ENCRYPTION_KEY (tests). */
export function encryptSecret(plaintext: string, keyB64?: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(keyB64), iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
}

/** Decrypt a value made by encryptSecret. @throws Error on a wrong key, tampering or bad format. */
export function decryptSecret(ciphertext: string, keyB64?: string): string {
  const [v, iv, tag, data] = ciphertext.split(".");
  if (v !== "v1" || !iv || !tag || data === undefined) throw new Error("not a Churnwatch ciphertext (expected v1.iv.tag.data)");
  const decipher = createDecipheriv("aes-256-gcm", keyFrom(keyB64), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
}

/** Encrypt a JSON-serialisable value. */
export function encryptJson(value: unknown, keyB64?: string): string {
  return encryptSecret(JSON.stringify(value), keyB64);
}

/** Decrypt a value made by encryptJson. */
export function decryptJson<T = unknown>(ciphertext: string, keyB64?: string): T {
  return JSON.parse(decryptSecret(ciphertext, keyB64)) as T;
}

/** Display hint for a secret: "••••" + its last 4 characters. Never more. */
export function secretHint(secret: string): string {
  return `••••${secret.slice(-4)}`;
}

/** A new random key suitable for APP_ENCRYPTION_KEY / BETTER_AUTH_SECRET. */
export function generateKeyB64(): string {
  return randomBytes(32).toString("base64");
}

/** SHA-256 hex (for storing OAuth states and tokens we only need to recognise). */
export function sha256Hex(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
