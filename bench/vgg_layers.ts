// Per-layer profile of VGG16's convolutions at 150x150 (the chapter's feature extraction and
// fine-tuning): forward, backprop-input and backprop-filter GFLOP/s of each distinct shape on the
// native backend, counted as direct-convolution flops (2·pixels·9·C·F), with the share of the FMA
// peak measured in the same run (bench/peak.c).
//   node --conditions=development --import tsx bench/vgg_layers.ts [--batch 8] [--rounds 5] [--threads N]
//   ... --ab   Winograd against the direct kernel (CONVKIT_WINOGRAD=1 / 0) on every 3x3 shape, calls
//              interleaved in one process (A, B, A, B, ...), the ratio of the medians per kernel.
//   ... --size 150 --only block4 (layers whose name contains it) --json FILE
import { writeFileSync } from 'node:fs';
import type { Backend, Conv2DInfo } from '../src/backend/types.js';
import { randomArray } from './micro.js';
import { measurePeak, ofPeak } from './peak.js';

function opt(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`--${name}: expected a positive number, got ${process.argv[i + 1]}`);
  return v;
}

export interface VggLayer {
  name: string;
  info: Conv2DInfo;
  count: number;
}

/** The distinct conv shapes of VGG16 ('same' 3x3) for a square input; count = layers of that shape. */
export function vgg16ConvShapes(batch: number, size: number): VggLayer[] {
  const blocks: [number, number, number][] = [
    [64, 2, 3],
    [128, 2, 64],
    [256, 3, 128],
    [512, 3, 256],
    [512, 3, 512],
  ];
  const out: VggLayer[] = [];
  let s = size;
  blocks.forEach(([f, n, cin], b) => {
    const mk = (c: number): Conv2DInfo => ({
      batch,
      inH: s,
      inW: s,
      inC: c,
      outH: s,
      outW: s,
      outC: f,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      dilationH: 1,
      dilationW: 1,
      padTop: 1,
      padLeft: 1,
    });
    out.push({ name: `block${b + 1}_conv1 ${s}x${s}x${cin}->${f}`, info: mk(cin), count: 1 });
    out.push({ name: `block${b + 1}_conv2-${n} ${s}x${s}x${f}->${f}`, info: mk(f), count: n - 1 });
    s = Math.floor(s / 2);
  });
  return out;
}

export const convFlops = (p: Conv2DInfo): number => 2 * p.batch * p.outH * p.outW * p.kH * p.kW * p.inC * p.outC;

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

type Kernel = 'fwd' | 'bwdInput' | 'bwdFilter';
function runner(b: Backend, p: Conv2DInfo): Record<Kernel, () => void> {
  const x = randomArray(p.batch * p.inH * p.inW * p.inC, 3),
    w = randomArray(9 * p.inC * p.outC, 4);
  const bias = randomArray(p.outC, 5),
    dy = randomArray(p.batch * p.outH * p.outW * p.outC, 6);
  return {
    fwd: () => {
      b.release?.(b.conv2d(x, w, bias, p, 'relu'));
    },
    bwdInput: () => {
      b.release?.(b.conv2dBackpropInput(dy, w, p));
    },
    bwdFilter: () => {
      b.release?.(b.conv2dBackpropFilter(x, dy, p));
    },
  };
}

function ms(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const native = await import('../src/backend/native/index.js');
  const nb = native.loadNativeBackend();
  if (!nb) throw new Error(`native addon unavailable: ${native.nativeLoadError()}; run \`npm run build:native\``);
  const threads = opt('threads', native.getNumThreads());
  native.setNumThreads(threads);
  const batch = opt('batch', 8),
    size = opt('size', 150),
    rounds = opt('rounds', 5);
  const oi = process.argv.indexOf('--only');
  const only = oi >= 0 ? process.argv[oi + 1] : '';
  const shapes = vgg16ConvShapes(batch, size).filter((l) => l.name.includes(only));
  const why: string[] = [];
  const peak = measurePeak(threads, native.nativeInfo().isa, why);
  console.log(
    `VGG16 conv layers at ${size}x${size}, batch ${batch}, ${threads} threads, ${native.nativeInfo().microKernel}`,
  );
  console.log(peak ? `FMA peak (bench/peak.c): ${peak.line}` : `FMA peak not measured: ${why.join('; ')}`);
  const results: Record<string, unknown>[] = [];
  if (process.argv.includes('--ab')) {
    // Interleaved A/B: the same noise hits both sides; the ratio of medians is what is reported.
    const saved = process.env.CONVKIT_WINOGRAD;
    console.log(`Winograd (A) vs direct (B), median of ${rounds} interleaved rounds; ratio B/A > 1: Winograd faster`);
    for (const { name, info } of shapes) {
      const r = runner(nb, info);
      const line: string[] = [];
      const row: Record<string, unknown> = { name };
      for (const k of ['fwd', 'bwdInput'] as const) {
        const a: number[] = [],
          bb: number[] = [];
        for (let i = 0; i < rounds + 1; i++) {
          process.env.CONVKIT_WINOGRAD = '1';
          const ta = ms(r[k]);
          process.env.CONVKIT_WINOGRAD = '0';
          const tb = ms(r[k]);
          if (i > 0) {
            a.push(ta);
            bb.push(tb);
          } // round 0 warms caches and scratch buffers
        }
        const ratio = median(bb) / median(a);
        row[k] = { winogradMs: median(a), directMs: median(bb), ratio };
        line.push(`${k} ${median(a).toFixed(1)} / ${median(bb).toFixed(1)} ms = ${ratio.toFixed(2)}x`);
      }
      results.push(row);
      console.log(`  ${name.padEnd(34)} ${line.join('   ')}`);
    }
    if (saved === undefined) delete process.env.CONVKIT_WINOGRAD;
    else process.env.CONVKIT_WINOGRAD = saved;
  } else {
    console.log('GFLOP/s (direct-convolution flops / median time), kernels as the backend chooses them');
    let total = { fwd: 0, bwdInput: 0, bwdFilter: 0 };
    for (const { name, info, count } of shapes) {
      const r = runner(nb, info);
      const flops = convFlops(info);
      const row: Record<string, unknown> = { name, count, gflop: flops / 1e9 };
      const parts: string[] = [];
      for (const k of ['fwd', 'bwdInput', 'bwdFilter'] as const) {
        if (k === 'bwdInput' && info.inC === 3) {
          parts.push(`${k} -`);
          continue;
        } // the input needs no gradient
        r[k]();
        const t = median(Array.from({ length: rounds }, () => ms(r[k])));
        total = { ...total, [k]: total[k] + count * t };
        row[k] = { ms: t, gflops: flops / t / 1e6 };
        parts.push(`${k} ${ofPeak(flops / t / 1e6, peak, threads)}`);
      }
      results.push(row);
      console.log(`  ${name.padEnd(34)} x${count}  ${parts.join('  ')}`);
    }
    const fwdFlops = shapes.reduce((s, l) => s + l.count * convFlops(l.info), 0);
    console.log(
      `  all 13 convolutions, forward: ${total.fwd.toFixed(0)} ms per batch = ` +
        `${(batch / (total.fwd / 1000)).toFixed(1)} images/s, ${ofPeak(fwdFlops / total.fwd / 1e6, peak, threads)}`,
    );
  }
  const ji = process.argv.indexOf('--json');
  if (ji >= 0) writeFileSync(process.argv[ji + 1], JSON.stringify({ peak, batch, size, threads, results }, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) await main();
