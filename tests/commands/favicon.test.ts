// No favicon (issue 18): every page's /favicon.ico was a 404. public/favicon.ico (served at /favicon.ico) and
// app/icon.png (Next.js adds <link rel="icon"> for it to every page) now exist and are valid images.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("favicon", () => {
  it("public/favicon.ico is an ICO holding a 32×32 PNG", () => {
    const ico = readFileSync("public/favicon.ico");
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 1]); // reserved, type icon, 1 image
    expect([ico[6], ico[7]]).toEqual([32, 32]);
    const offset = ico.readUInt32LE(18);
    expect(ico.subarray(offset, offset + 8).toString("latin1")).toBe("\x89PNG\r\n\x1a\n");
  });
  it("app/icon.png is a PNG (the <link rel=icon> of every page)", () => {
    expect(readFileSync("app/icon.png").subarray(0, 8).toString("latin1")).toBe("\x89PNG\r\n\x1a\n");
  });
});
