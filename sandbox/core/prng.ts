/**
 * Deterministic pseudo-random numbers (mulberry32) so fault injection, jitter and generated
 * tokens are reproducible from a seed.
 */

/** Returns a function yielding floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic hex string of `len` characters from the generator. */
export function randomHex(rand: () => number, len: number): string {
  let s = "";
  while (s.length < len) s += Math.floor(rand() * 0x100000000).toString(16).padStart(8, "0");
  return s.slice(0, len);
}

/** A deterministic UUID-shaped string (version nibble 4) from the generator. */
export function randomUuid(rand: () => number): string {
  const h = randomHex(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Stable 32-bit hash of a string (FNV-1a), used to derive seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
