// Seeded damage for the fuzz test: truncations, bit flips, zero-filled ranges and splices (a
// range copied over another place of the same file), the kinds of damage a bad disk, a cut
// download or a careless tool leaves. The same seed always gives the same damaged bytes.

export type DamageKind = 'truncate' | 'flip' | 'zero' | 'splice';
export const DAMAGE_KINDS: readonly DamageKind[] = ['truncate', 'flip', 'zero', 'splice'];

/** mulberry32: small, fast and good enough to pick offsets. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Damaged copy of `bytes`; the first 8 bytes (a format's signature) are kept unless truncated. */
export function damage(bytes: Uint8Array, kind: DamageKind, seed: number): Uint8Array {
  const r = rng(seed);
  const n = bytes.length;
  const at = (lo: number) => lo + Math.floor(r() * Math.max(1, n - lo));
  const out = Uint8Array.from(bytes);
  switch (kind) {
    case 'truncate':
      return bytes.slice(0, Math.floor(r() * n));
    case 'flip': {
      const flips = 1 + Math.floor(r() * 8);
      for (let i = 0; i < flips; i++) out[at(8)] ^= 1 << Math.floor(r() * 8);
      return out;
    }
    case 'zero': {
      const start = at(8);
      const len = 1 + Math.floor(r() * Math.min(4096, n / 8));
      out.fill(0, start, Math.min(n, start + len));
      return out;
    }
    case 'splice': {
      const len = 1 + Math.floor(r() * Math.min(2048, n / 8));
      const from = Math.floor(r() * (n - len));
      const to = at(8);
      out.set(bytes.subarray(from, from + len).subarray(0, n - to), to);
      return out;
    }
  }
}
