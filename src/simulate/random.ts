/** A seeded PRNG (mulberry32): same seed, same sequence, on every platform. Returns [0, 1). */
export function createRandom(seed: number): () => number {
  // The state's 32 bits held as an int32, not a uint32: a number past 2^31 is a heap object in V8,
  // so each draw allocated one (about 100 bytes a simulated reading); the bits are the same.
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
