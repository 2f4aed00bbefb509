/**
 * A small deterministic random source (mulberry32) for the simulated kubelet: item order, fault
 * draws and restart subsets repeat for a given seed, so a failing run can be replayed.
 *
 * Plain module (no test-framework imports).
 */

/** A generator of numbers in [0, 1), the same sequence for the same seed. */
export type SeededRandom = () => number;

/** A mulberry32 generator seeded with `seed` (any number; its low 32 bits are used). */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Shuffles `values` in place (Fisher-Yates) with `random`; returns it. */
export function shuffleInPlace<T>(values: T[], random: SeededRandom): T[] {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = values[i] as T;
    values[i] = values[j] as T;
    values[j] = swap;
  }
  return values;
}

/** A number in [0, 1) derived from a text and a salt (stable, independent of call order). */
export function hashFraction(text: string, salt: number): number {
  // FNV-1a over the UTF-16 code units, then one mulberry32 round to spread the bits.
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return seededRandom(h)();
}
