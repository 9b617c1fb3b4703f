// The seeded random number generator: one of convkit's two globals (the other is the backend).
// xoshiro128** for uniform 32-bit output; normals by Box-Muller. Everything random in convkit
// (initializers, dropout masks, shuffling, augmentation) draws from here or from a child stream.

export class RandomGenerator {
  private s = new Uint32Array(4);
  private spare: number | null = null;

  constructor(seed: number) {
    this.seed(seed);
  }

  seed(seed: number): void {
    // SplitMix32 spreads any integer seed over the four state words.
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    this.spare = null;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A fresh independent generator seeded from this one. */
  fork(): RandomGenerator {
    return new RandomGenerator(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

let globalRng = new RandomGenerator(Date.now() ^ (process.pid << 16));

/** Sets the global seed: initializers, dropout, shuffling and augmentation become reproducible. */
export function setRandomSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new Error(`setRandomSeed: expected a finite number, got ${seed}`);
  globalRng = new RandomGenerator(Math.floor(seed));
}

export function getRng(): RandomGenerator {
  return globalRng;
}
