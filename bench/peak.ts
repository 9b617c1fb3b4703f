// Builds and runs bench/peak.c (FMA peak of this machine, measured in the same run as the figures it
// is quoted against). The peak reported is the one of the ISA convkit's micro-kernel uses.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Peak {
  /** GFLOP/s on one thread and on `threads` threads, for the ISA `isa`. */
  one: number;
  all: number;
  threads: number;
  isa: string;
  line: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** null (with the reason in `why`) when gcc is missing or the CPU is not x86 with AVX2+FMA. */
export function measurePeak(threads: number, isa: string, why: string[] = []): Peak | null {
  try {
    const bin = path.join(mkdtempSync(path.join(os.tmpdir(), 'convkit-peak-')), 'peak');
    execFileSync('gcc', ['-O2', '-pthread', path.join(here, 'peak.c'), '-o', bin], { stdio: 'pipe' });
    const out = execFileSync(bin, [String(threads)], { encoding: 'utf8' }).trim();
    const want = isa === 'avx512' ? 'avx512' : 'avx2';
    const grab = (prefix: RegExp): number | null => {
      const line = out.split('\n').find((l) => prefix.test(l));
      const m = line ? new RegExp(`${want} ([\\d.]+)`).exec(line) : null;
      return m ? Number(m[1]) : null;
    };
    const one = grab(/^1 thread:/);
    const all = threads > 1 ? grab(/^\d+ threads:/) : one;
    if (one === null || all === null) {
      why.push(`bench/peak.c printed: ${out}`);
      return null;
    }
    return { one, all, threads, isa: want, line: out.replace(/\n/g, '; ') };
  } catch (e) {
    why.push(`bench/peak.c could not be built or run: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** "123.4 GFLOP/s = 56.7% of peak" for `gflops` on `threads` threads, or just the rate without a peak. */
export function ofPeak(gflops: number, peak: Peak | null, threads: number): string {
  const p = peak ? (threads <= 1 ? peak.one : (peak.all * Math.min(threads, peak.threads)) / peak.threads) : 0;
  return `${gflops.toFixed(1)} GFLOP/s${p ? ` = ${((100 * gflops) / p).toFixed(1)}% of peak` : ''}`;
}
