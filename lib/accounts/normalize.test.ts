import { describe, expect, it } from "vitest";
import { companyEmailDomain, companyNameKey, emailDomain, normalizeCompanyName, normalizeDomain } from "./normalize";
import { isFreeMailDomain } from "./free-mail-domains";

describe("normalizeDomain", () => {
  it.each([
    ["acme.com", "acme.com"],
    ["ACME.com", "acme.com"],
    ["  www.acme.com ", "acme.com"],
    ["https://www.Acme.com/about?x=1#top", "acme.com"],
    ["http://acme.co.uk:8080/", "acme.co.uk"],
    ["//www2.acme.io", "acme.io"],
    ["acme.com.", "acme.com"],
    ["user:pw@acme.com/x", "acme.com"],
    ["sales.acme.com", "sales.acme.com"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([[""], ["   "], [null], [undefined], ["localhost"], ["acme com"], ["a..com"], ["https://"]])(
    "%s → null",
    (input) => {
      expect(normalizeDomain(input)).toBeNull();
    },
  );
});

describe("emailDomain / companyEmailDomain", () => {
  it("takes the normalised part after the last @", () => {
    expect(emailDomain("Jane.Doe@ACME.com")).toBe("acme.com");
    expect(emailDomain("billing@www.acme.com")).toBe("acme.com");
    expect(emailDomain("weird@name@acme.io")).toBe("acme.io");
  });

  it("returns null for addresses without a domain", () => {
    expect(emailDomain("jane")).toBeNull();
    expect(emailDomain("jane@")).toBeNull();
    expect(emailDomain("@acme.com")).toBeNull();
    expect(emailDomain(null)).toBeNull();
  });

  it("drops free-mail domains, keeps company domains", () => {
    expect(companyEmailDomain("jane@gmail.com")).toBeNull();
    expect(companyEmailDomain("jane@yahoo.co.uk")).toBeNull();
    expect(companyEmailDomain("jane@hotmail.fr")).toBeNull();
    expect(companyEmailDomain("jane@GMX.de")).toBeNull();
    expect(companyEmailDomain("jane@proton.me")).toBeNull();
    expect(companyEmailDomain("jane@acme.com")).toBe("acme.com");
  });
});

describe("isFreeMailDomain", () => {
  it.each(["gmail.com", "yahoo.com", "yahoo.com.br", "outlook.com", "outlook.de", "icloud.com", "aol.com", "gmx.net", "live.co.uk"])(
    "%s is free mail",
    (d) => expect(isFreeMailDomain(d)).toBe(true),
  );
  it.each(["acme.com", "outlook.acme.com", "yahooligans-fanclub.com", "gmail.acme.io", "orange.com", "mailchimp.com"])(
    "%s is not free mail",
    (d) => expect(isFreeMailDomain(d)).toBe(false),
  );
});

describe("normalizeCompanyName", () => {
  it.each([
    ["ACME, Inc.", "acme"],
    ["Acme Inc", "acme"],
    ["acme   LLC", "acme"],
    ["Acme Ltd.", "acme"],
    ["Acme Limited", "acme"],
    ["Acme GmbH", "acme"],
    ["Acme AG", "acme"],
    ["Acme S.A.", "acme"],
    ["Acme SAS", "acme"],
    ["Acme B.V.", "acme"],
    ["Acme Corp.", "acme"],
    ["Acme Corporation", "acme"],
    ["Acme Co.", "acme"],
    ["Acme PLC", "acme"],
    ["Acme Pty. Ltd.", "acme"],
    ["Müller & Söhne GmbH & Co. KG", "muller and sohne"],
    ["Johnson & Johnson", "johnson and johnson"],
    ["O'Reilly Media, Inc.", "oreilly media"],
    ["Smith & Co", "smith"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeCompanyName(input)).toBe(expected);
  });

  it("never strips the whole name", () => {
    expect(normalizeCompanyName("Limited")).toBe("limited");
    expect(normalizeCompanyName("Inc.")).toBe("inc");
  });

  it("returns null for empty or punctuation-only names", () => {
    expect(normalizeCompanyName("")).toBeNull();
    expect(normalizeCompanyName(" ,. ")).toBeNull();
    expect(normalizeCompanyName(null)).toBeNull();
  });

  it("keeps distinct companies distinct", () => {
    expect(companyNameKey("Acme Analytics")).not.toBe(companyNameKey("Acme"));
    expect(companyNameKey("Acme Soft GmbH")).toBe(companyNameKey("AcmeSoft, Inc."));
  });
});
