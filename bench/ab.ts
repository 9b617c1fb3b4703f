// A/B of two builds of the native addon in one process: the same convolution calls alternate
// between an old build (A) and this checkout's build/Release/convkit.node (B), many short rounds, and
// the ratio of the medians is reported (A/B > 1: the new build is faster). On a shared machine the
// interleaving exposes both builds to the same disturbances, which separate runs do not.
//   node --conditions=development --import tsx bench/ab.ts OLD/convkit.node [--batch 8] [--threads 1]
//        [--rounds 7] [--only block5] [--kernel fwd|bwdInput|bwdFilter] [--size 150]
// An old build: git archive <rev> native binding.gyp package.json | tar -x -C DIR; link node_modules
// into DIR; (cd DIR && npx node-gyp rebuild).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Conv2DInfo } from '../src/backend/types.js';
import { randomArray } from './micro.js';
import { vgg16ConvShapes } from './vgg_layers.js';

interface RawAddon {
  setNumThreads(n: number): number;
  conv2d(out: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, g: Conv2DInfo, act: string): void;
  conv2dBackpropInput(out: Float32Array, dy: Float32Array, w: Float32Array, g: Conv2DInfo): void;
  conv2dBackpropFilter(out: Float32Array, x: Float32Array, dy: Float32Array, g: Conv2DInfo): void;
}

function opt(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const oldPath = process.argv[2];
if (!oldPath || oldPath.startsWith('--'))
  throw new Error("bench/ab.ts: expected the old build's convkit.node as first argument");
const require = createRequire(import.meta.url);
const load = (p: string): RawAddon => require(path.resolve(p)) as RawAddon;
const a = load(oldPath),
  b = load(path.join(here, '..', 'build/Release/convkit.node'));
const threads = opt('threads', 1),
  rounds = opt('rounds', 7);
a.setNumThreads(threads);
b.setNumThreads(threads);
const oi = process.argv.indexOf('--only');
const only = oi >= 0 ? process.argv[oi + 1] : '';
const shapes = vgg16ConvShapes(opt('batch', 8), opt('size', 150)).filter((l) => l.name.includes(only));
console.log(
  `old ${oldPath} (A) vs new build (B), ${threads} threads, median of ${rounds} interleaved rounds; ` +
    'A/B > 1: new faster',
);
for (const { name, info: p } of shapes) {
  const x = randomArray(p.batch * p.inH * p.inW * p.inC, 3),
    w = randomArray(9 * p.inC * p.outC, 4);
  const bias = randomArray(p.outC, 5),
    dy = randomArray(p.batch * p.outH * p.outW * p.outC, 6);
  const y = new Float32Array(dy.length),
    dx = new Float32Array(x.length),
    dw = new Float32Array(w.length);
  const calls = {
    fwd: (m: RawAddon) => m.conv2d(y, x, w, bias, p, 'relu'),
    bwdInput: (m: RawAddon) => m.conv2dBackpropInput(dx, dy, w, p),
    bwdFilter: (m: RawAddon) => m.conv2dBackpropFilter(dw, x, dy, p),
  };
  const parts: string[] = [];
  const ki = process.argv.indexOf('--kernel');
  for (const [k, call] of Object.entries(calls)) {
    if (ki >= 0 && process.argv[ki + 1] !== k) continue;
    const ta: number[] = [],
      tb: number[] = [];
    for (let r = 0; r <= rounds; r++) {
      let t = performance.now();
      call(a);
      const da = performance.now() - t;
      t = performance.now();
      call(b);
      const db = performance.now() - t;
      if (r > 0) {
        ta.push(da);
        tb.push(db);
      } // round 0 warms caches and scratch buffers
    }
    parts.push(`${k} ${median(ta).toFixed(1)}/${median(tb).toFixed(1)} ms = ${(median(ta) / median(tb)).toFixed(2)}x`);
  }
  console.log(`  ${name.padEnd(34)} ${parts.join('  ')}`);
}
