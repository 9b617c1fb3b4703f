// GEMM and convolution micro-benchmarks for the native backend (GFLOP/s), used by bench/run.ts and
// runnable alone: node --conditions=development --import tsx bench/micro.ts [threads...]
import type { Backend, Conv2DInfo } from '../src/backend/types.js';

export function randomArray(n: number, seed = 1): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/**
 * Best (minimum) milliseconds of fn over enough repetitions to fill about `budgetMs`. The minimum is
 * the figure least disturbed by other work on a shared machine; it is what the tables report.
 */
export function timeMs(fn: () => void, budgetMs = 300, minReps = 3): number {
  fn();
  const t0 = performance.now();
  fn();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(minReps, Math.min(200, Math.round(budgetMs / once)));
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

export function sgemmGflops(b: Backend, n: number, budgetMs = 400): number {
  const x = randomArray(n * n, 1),
    y = randomArray(n * n, 2);
  const ms = timeMs(() => b.matmul(x, y, n, n, n, false, false, null, 'linear'), budgetMs);
  return (2 * n * n * n) / ms / 1e6;
}

export const mnistConvs: { name: string; info: Conv2DInfo }[] = [
  { name: 'conv1 28x28x1->26x26x32', info: mk(64, 28, 1, 32) },
  { name: 'conv2 13x13x32->11x11x64', info: mk(64, 13, 32, 64) },
  { name: 'conv3 5x5x64->3x3x64', info: mk(64, 5, 64, 64) },
];

function mk(batch: number, size: number, inC: number, outC: number): Conv2DInfo {
  return {
    batch,
    inH: size,
    inW: size,
    inC,
    outH: size - 2,
    outW: size - 2,
    outC,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    dilationH: 1,
    dilationW: 1,
    padTop: 0,
    padLeft: 0,
  };
}

export interface ConvTiming {
  name: string;
  gemm: string;
  fwd: number;
  bwdInput: number;
  bwdFilter: number;
  fwdMs: number;
  bwdInputMs: number;
  bwdFilterMs: number;
}

/** GFLOP/s of the three convolution kernels on each MNIST conv shape (batch 64). */
export function convGflops(b: Backend, budgetMs = 200): ConvTiming[] {
  return mnistConvs.map(({ name, info: p }) => {
    const x = randomArray(p.batch * p.inH * p.inW * p.inC, 3);
    const w = randomArray(p.kH * p.kW * p.inC * p.outC, 4);
    const bias = randomArray(p.outC, 5);
    const dy = randomArray(p.batch * p.outH * p.outW * p.outC, 6);
    const m = p.batch * p.outH * p.outW,
      k = p.kH * p.kW * p.inC;
    const flop = 2 * m * k * p.outC;
    const fwdMs = timeMs(() => b.conv2d(x, w, bias, p, 'relu'), budgetMs);
    const bwdInputMs = timeMs(() => b.conv2dBackpropInput(dy, w, p), budgetMs);
    const bwdFilterMs = timeMs(() => b.conv2dBackpropFilter(x, dy, p), budgetMs);
    return {
      name,
      gemm: `M=${m} N=${p.outC} K=${k}`,
      fwd: flop / fwdMs / 1e6,
      bwdInput: flop / bwdInputMs / 1e6,
      bwdFilter: flop / bwdFilterMs / 1e6,
      fwdMs,
      bwdInputMs,
      bwdFilterMs,
    };
  });
}

async function main(): Promise<void> {
  const { loadNativeBackend, setNumThreads, nativeInfo } = await import('../src/backend/native/index.js');
  const nb = loadNativeBackend();
  if (!nb) throw new Error('native addon not built');
  const threads = process.argv
    .slice(2)
    .map(Number)
    .filter((v) => v > 0);
  for (const t of threads.length ? threads : [1, 2]) {
    setNumThreads(t);
    const info = nativeInfo();
    console.log(`threads ${t}, ${info.microKernel}, MC ${info.mc} KC ${info.kc} NC ${info.nc}`);
    console.log(`  sgemm 1024^3: ${sgemmGflops(nb, 1024).toFixed(1)} GFLOP/s`);
    for (const r of convGflops(nb)) {
      console.log(
        `  ${r.name.padEnd(26)} ${r.gemm.padEnd(22)} fwd ${r.fwd.toFixed(1).padStart(6)} (${r.fwdMs.toFixed(3)} ms)` +
          `  bwd-in ${r.bwdInput.toFixed(1).padStart(6)} (${r.bwdInputMs.toFixed(3)} ms)  bwd-filter ${r.bwdFilter.toFixed(1).padStart(6)} (${r.bwdFilterMs.toFixed(3)} ms)`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
