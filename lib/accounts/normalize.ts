/**
 * Pure normalisers used by identity resolution (docs/identity.md). No I/O, no clock.
 *
 * - `normalizeDomain("https://WWW.Acme.com/about")` → `"acme.com"`
 * - `emailDomain("Jane@Sales.Acme.COM")` → `"sales.acme.com"`
 * - `normalizeCompanyName("ACME, Inc.")` → `"acme"`; `companyNameKey("Acme Soft GmbH")` → `"acmesoft"`
 */
import { isFreeMailDomain } from "./free-mail-domains";

/**
 * Normalise a website / domain value as HubSpot or a user types it: lower-case, trimmed, without
 * scheme, credentials, port, path, query, fragment, trailing dot or leading `www.`/`www2.`.
 * @returns the bare host name (e.g. `"acme.co.uk"`), or `null` when nothing host-like is left
 *   (empty, no dot, spaces or invalid characters inside).
 */
export function normalizeDomain(input: string | null | undefined): string | null {
  if (!input) return null;
  let s = input.trim().toLowerCase();
  if (!s) return null;
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, ""); // scheme
  s = s.replace(/^\/\//, "");
  s = s.split(/[/?#\\]/, 1)[0]; // path, query, fragment
  const at = s.lastIndexOf("@");
  if (at >= 0) s = s.slice(at + 1); // credentials (or an e-mail address pasted as website)
  s = s.replace(/:\d*$/, ""); // port
  s = s.replace(/\.+$/, ""); // trailing dot(s)
  s = s.replace(/^www\d*\./, "");
  if (!s.includes(".") || !/^[a-z0-9\u00a1-\uffff.-]+$/.test(s)) return null;
  if (s.split(".").some((label) => label.length === 0)) return null;
  return s;
}

/**
 * The normalised domain of an e-mail address (the part after the last `@`).
 * @returns e.g. `"acme.com"` for `"Jane.Doe@ACME.com"`, or `null` when the address has no usable domain.
 */
export function emailDomain(email: string | null | undefined): string | null {
  if (!email) return null;
  const s = email.trim();
  const at = s.lastIndexOf("@");
  if (at <= 0 || at === s.length - 1) return null;
  return normalizeDomain(s.slice(at + 1));
}

/**
 * The domain of an e-mail address when it can identify a company: `emailDomain(email)` unless it
 * is a free-mail / personal domain (lib/accounts/free-mail-domains.ts), in which case `null`.
 */
export function companyEmailDomain(email: string | null | undefined): string | null {
  const d = emailDomain(email);
  return d && !isFreeMailDomain(d) ? d : null;
}

/**
 * Legal-form suffixes removed from the END of company names (after punctuation is dropped, so
 * "S.A." is "sa", "Pty. Ltd." is "pty ltd"). Several may be stacked ("GmbH & Co. KG").
 */
export const LEGAL_SUFFIXES: ReadonlySet<string> = new Set([
  "inc", "incorporated", "llc", "llp", "lp", "lllp", "pllc", "ltd", "limited", "gmbh", "mbh", "ag", "kg", "ohg",
  "ug", "sa", "sas", "sasu", "sarl", "srl", "spa", "sl", "slu", "bv", "nv", "vof", "corp", "corporation", "co",
  "company", "plc", "pty", "pte", "pvt", "oy", "oyj", "ab", "as", "asa", "aps", "kk", "se", "sro", "spzoo",
  "zoo", "sp", "kft", "doo", "ooo", "bhd", "sdn", "tbk", "lda", "ltda", "eirl", "cv", "sca", "scs",
]);

/**
 * Normalise a company name for exact comparison: Unicode-folded (é → e), lower-case, `&` → "and",
 * dots removed ("S.A." → "sa"), any other punctuation → space, whitespace collapsed, then legal
 * suffixes stripped from the end (repeatedly, plus a dangling "and"), never stripping the last word.
 * @returns e.g. `"acme"` for `"ACME, Inc."`, `"muller and sohne"` for `"Müller & Söhne GmbH & Co. KG"`,
 *   or `null` when nothing is left.
 */
export function normalizeCompanyName(name: string | null | undefined): string | null {
  if (!name) return null;
  const folded = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/['’.]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
  if (!folded) return null;
  const tokens = folded.split(" ");
  let stripped = false;
  while (tokens.length > 1) {
    const last = tokens[tokens.length - 1];
    if (LEGAL_SUFFIXES.has(last) || (stripped && last === "and")) {
      tokens.pop();
      stripped = true;
    } else break;
  }
  return tokens.join(" ");
}

/**
 * The key two names must share to be an "exact normalized name" match: `normalizeCompanyName`
 * without spaces, so "Acme Soft" = "AcmeSoft" = "acme-soft, Inc.". `null` for empty names.
 */
export function companyNameKey(name: string | null | undefined): string | null {
  const n = normalizeCompanyName(name);
  return n ? n.replace(/ /g, "") : null;
}
