// One seeded PRNG for the generators of the bench and the tests, so a seed always gives the same
// questions, maps and queries wherever it is used.

/** mulberry32: uniform in [0, 1), deterministic in the seed. */
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
