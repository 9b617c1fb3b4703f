// `npm run bench`: native CPU backend figures in one run.
//   machine FMA peak (bench/peak.c, measured in this run), SGEMM 1024^3 on 1 and N threads with % of
//   peak, the GEMM shapes of the MNIST convnet's three convolutions, then the chapter-scale table
//   (bench/chapter_report.ts: VGG16 predict and fine-tuning at 150x150, the small-data convnet, a
//   whole MNIST fit epoch with the progress bar, MNIST predict, RSS) for convkit and each installed
//   PyTorch, the seeing-inside timings (filter ascent and Grad-CAM, bench/vis.ts), then the MNIST
//   training step for convkit native, its JS reference backend, TensorFlow.js and PyTorch, and the
//   image pipeline.
// Options: --threads N (default: the native pool size), --batches N (VGG16/small-convnet batches per
//   row, 3), --mnist-steps N (938), --rss-images N (0 skips; 2000 for the chapter's feature extraction, minutes),
//   --skip vgg-predict,vgg-finetune,small,mnist-epoch,mnist-predict, --no-chapter, --chapter-only (skip
//   everything after the table and the seeing-inside section), --steps N (native steps per round, 30;
//   3 rounds), --js-steps N (2), --tfjs-steps N (1; 0 skips, ~35 s each), --torch-steps N (30; 3 rounds),
//   --no-torch, --no-1t, --no-gemm, --no-pipeline, --json FILE (results as JSON), --no-vis (skip the
//   seeing-inside section after the table: filter ascent and Grad-CAM, bench/vis.ts), --vis-filters N
//   (64), --vis-steps N (30), --vis-batch N (32), --vis-size N (150).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { convGflops, sgemmGflops } from './micro.js';
import { withKernelClock } from './mnist_epoch.js';
import { measurePeak, type Peak } from './peak.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

function opt(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: expected a number, got ${process.argv[i + 1]}`);
  return v;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);
const jsonIdx = process.argv.indexOf('--json');
const jsonFile = jsonIdx >= 0 ? process.argv[jsonIdx + 1] : null;

const results: Record<string, unknown> = {};
const log = (s = ''): void => console.log(s);
const f1 = (v: number): string => v.toFixed(1);

const { setBackend, getBackend } = await import('../src/backend/index.js');
const native = await import('../src/backend/native/index.js');
const nb = native.loadNativeBackend();
if (!nb) {
  console.error(`convkit native backend unavailable: ${native.nativeLoadError()}; run \`npm run build:native\``);
  process.exit(1);
}
const threads = opt('threads', native.getNumThreads());
const info = native.nativeInfo();
log(`convkit bench — ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} CPUs, node ${process.version}`);
log(
  `native: ${info.microKernel} (isa ${info.isa}, detected ${info.detectedIsa}), MC ${info.mc} KC ${info.kc} NC ${info.nc}, threads ${threads}`,
);
log(
  `load average: ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')} (other work on the machine skews every figure)`,
);
results.machine = {
  cpu: os.cpus()[0]?.model,
  cpus: os.cpus().length,
  node: process.version,
  loadavg: os.loadavg(),
  native: info,
  threads,
};

log('\n== FMA peak (bench/peak.c, this run)');
const peakWhy: string[] = [];
const peak: Peak | null = measurePeak(threads, info.isa, peakWhy);
log(
  peak ? `  ${peak.line}; the ${peak.isa} figures are the peak quoted below` : `  not measured: ${peakWhy.join('; ')}`,
);
results.peak = peak;
if (!flag('no-gemm')) {
  log('\n== SGEMM 1024x1024x1024 (native)');
  const sg: Record<string, number> = {};
  for (const t of [...new Set([1, threads])]) {
    native.setNumThreads(t);
    const g = sgemmGflops(nb, 1024, 600);
    sg[t] = g;
    const p = peak ? (t === 1 ? peak.one : (peak.all * Math.min(t, peak.threads)) / peak.threads) : 0;
    log(
      `  ${t} thread${t > 1 ? 's' : ' '}: ${f1(g).padStart(6)} GFLOP/s${p ? `  ${f1((100 * g) / p)}% of peak (${f1(p)})` : ''}`,
    );
  }
  results.sgemm = sg;

  log(`\n== MNIST convolution GEMMs, batch 64, ${threads} threads (GFLOP/s from the best of repeated runs)`);
  native.setNumThreads(threads);
  const conv = convGflops(nb, 250);
  for (const r of conv) {
    log(
      `  ${r.name.padEnd(26)} ${r.gemm.padEnd(21)} fwd ${f1(r.fwd).padStart(6)}  bwd-input ${f1(r.bwdInput).padStart(6)}  bwd-filter ${f1(r.bwdFilter).padStart(6)}`,
    );
  }
  results.conv = conv;
}
native.setNumThreads(threads);

// ------------------------------------------------------------------------------- chapter-scale table
if (!flag('no-chapter')) {
  const { runChapter } = await import('./chapter_report.js');
  const si = process.argv.indexOf('--skip');
  setBackend('native');
  results.chapter = await runChapter({
    threads,
    peak,
    log,
    batches: Math.max(1, opt('batches', 3)),
    mnistSteps: Math.max(1, opt('mnist-steps', 938)),
    rssImages: opt('rss-images', 0),
    torch: !flag('no-torch'),
    skip: new Set(si >= 0 ? (process.argv[si + 1] ?? '').split(',') : []),
  });
}
// ------------------------------------------------------------------- seeing inside a convnet
if (!flag('no-vis')) {
  const { visTimings, visRows, VIS_DEFAULTS } = await import('./vis.js');
  setBackend('native');
  const vo = {
    filters: Math.max(1, opt('vis-filters', VIS_DEFAULTS.filters)),
    steps: Math.max(1, opt('vis-steps', VIS_DEFAULTS.steps)),
    batch: Math.max(1, opt('vis-batch', VIS_DEFAULTS.batch)),
    size: Math.max(32, opt('vis-size', VIS_DEFAULTS.size)),
  };
  log(`\n== Seeing inside a convnet: the small-data convnet (random weights), ${threads} threads (bench/vis.ts)`);
  const v = visTimings(vo);
  log(`  ${'workload'.padEnd(64)} ${'convkit'.padStart(9)}`);
  for (const [name, value] of visRows(v)) log(`  ${name.padEnd(64)} ${value.padStart(9)}`);
  results.vis = v;
}
if (flag('chapter-only')) {
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify(results, null, 2));
  process.exit(0);
}

// --------------------------------------------------------------------------------- training step
const { layers, models, utils, tensor, randomUniform, setRandomSeed } = await import('../src/index.js');
type Model = InstanceType<typeof models.Sequential>;

function buildModel(): Model {
  setRandomSeed(1);
  const m = new models.Sequential();
  m.add(new layers.Conv2D(32, [3, 3], { activation: 'relu', inputShape: [28, 28, 1] }));
  m.add(new layers.MaxPooling2D([2, 2]));
  m.add(new layers.Conv2D(64, [3, 3], { activation: 'relu' }));
  m.add(new layers.MaxPooling2D([2, 2]));
  m.add(new layers.Conv2D(64, [3, 3], { activation: 'relu' }));
  m.add(new layers.Flatten());
  m.add(new layers.Dense(64, { activation: 'relu' }));
  m.add(new layers.Dense(10, { activation: 'softmax' }));
  m.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

function data(n: number): { x: ReturnType<typeof randomUniform>; y: ReturnType<typeof utils.toCategorical> } {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = (i * 7) % 10;
  return { x: randomUniform([n, 28, 28, 1]), y: utils.toCategorical(tensor(labels, [n])) };
}

/**
 * Milliseconds per fit() step: `rounds` fits of `steps` batches of 64 after `warmup` steps; returns
 * the mean over all rounds and the best round's mean (less disturbed by other work on the machine).
 */
async function stepMs(
  model: Model,
  steps: number,
  warmup: number,
  rounds = 1,
): Promise<{ mean: number; best: number }> {
  if (warmup > 0) {
    const w = data(64 * warmup);
    await model.fit(w.x, w.y, { epochs: 1, batchSize: 64, verbose: 0, shuffle: false });
  }
  const d = data(64 * steps);
  let total = 0;
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await model.fit(d.x, d.y, { epochs: 1, batchSize: 64, verbose: 0, shuffle: false });
    const ms = (performance.now() - t0) / steps;
    total += ms;
    best = Math.min(best, ms);
  }
  return { mean: total / rounds, best };
}

/** Wall time spent inside native kernels while fn runs, beside the whole time. */
async function kernelTime(fn: () => Promise<void>): Promise<{ kernelMs: number; totalMs: number }> {
  const t0 = performance.now();
  const { kernelMs } = await withKernelClock(nb!, fn);
  return { kernelMs, totalMs: performance.now() - t0 };
}

/**
 * ms per step of the TypeScript side alone: every kernel of the table (src/backend/kernels.ts) but the
 * small softmax/cross-entropy ones is replaced by a stub that returns a cached output of the size the
 * table gives (in-place kernels do nothing), then the backend is restored.
 */
async function stubbedStepMs(steps: number): Promise<number> {
  const { kernels } = await import('../src/backend/kernels.js');
  const b = nb as unknown as Record<string, unknown>;
  const cache = new Map<string, Float32Array | Int32Array>();
  const saved = new Map<string, unknown>();
  for (const [name, spec] of Object.entries(kernels)) {
    if (name.startsWith('softmax')) continue;
    const sized = spec as { out: string; outSize(...a: unknown[]): number };
    saved.set(name, b[name]);
    b[name] = (...args: unknown[]) => {
      if (sized.out === 'inPlace') return undefined;
      const n = sized.outSize(...args);
      const key = `${sized.out} ${n}`;
      let a = cache.get(key);
      if (!a) cache.set(key, (a = sized.out === 'i32' ? new Int32Array(n) : new Float32Array(n)));
      return a;
    };
  }
  saved.set('release', b.release);
  b.release = () => {};
  try {
    const m = buildModel();
    const d = data(64 * steps);
    await m.fit(d.x.slice(0, 640), d.y.slice(0, 640), { epochs: 1, batchSize: 64, verbose: 0 });
    const t0 = performance.now();
    await m.fit(d.x, d.y, { epochs: 1, batchSize: 64, verbose: 0 });
    return (performance.now() - t0) / steps;
  } finally {
    for (const [k, f] of saved) b[k] = f;
  }
}

log(`\n== MNIST convnet training step (batch 64, RMSprop), ${threads} threads`);
const rows: { name: string; ms: number | null; note?: string }[] = [];

setBackend('native');
const nativeModel = buildModel();
const steps = Math.max(1, opt('steps', 30));
const rss0 = process.memoryUsage().rss;
const nat = await stepMs(nativeModel, steps, 5, 3);
const rss1 = process.memoryUsage().rss;
await stepMs(nativeModel, steps, 0, 2);
const rss2 = process.memoryUsage().rss;
const nativeStep = nat.best;
rows.push({ name: 'convkit native', ms: nativeStep });
log(
  `  convkit native:  ${nat.best.toFixed(2)} ms/step (best of 3 rounds of ${steps} steps; mean ${nat.mean.toFixed(2)})`,
);
// Over one epoch of 100 steps, as in training (fit's own start-up is spread over the epoch).
const ktSteps = 100;
const dk = data(64 * ktSteps);
const kt = await kernelTime(async () => {
  await nativeModel.fit(dk.x, dk.y, { epochs: 1, batchSize: 64, verbose: 0, shuffle: false });
});
const overhead = 100 * (1 - kt.kernelMs / kt.totalMs);
log(
  `    time in native kernels ${(kt.kernelMs / ktSteps).toFixed(2)} of ${(kt.totalMs / ktSteps).toFixed(2)} ms/step; TypeScript overhead (tape, allocation, dispatch, batching) ${overhead.toFixed(1)}%`,
);
const tsOnly = await stubbedStepMs(ktSteps);
log(
  `    the same steps with the heavy kernels stubbed out (they return cached outputs): ${tsOnly.toFixed(3)} ms/step of TypeScript = ${((100 * tsOnly) / nativeStep).toFixed(1)}% of the step`,
);
log(
  `    RSS ${(rss0 / 2 ** 20).toFixed(0)} MiB before, ${(rss1 / 2 ** 20).toFixed(0)} after ${3 * steps + 5} steps, ${(rss2 / 2 ** 20).toFixed(0)} after ${2 * steps} more`,
);
results.native = {
  stepMs: nativeStep,
  stepMeanMs: nat.mean,
  kernelMs: kt.kernelMs / ktSteps,
  overheadPct: overhead,
  tsOnlyMs: tsOnly,
  rssMiB: [rss0, rss1, rss2].map((v) => v / 2 ** 20),
};
{
  // Resident memory at the end of each epoch of one fit (it must not grow from epoch to epoch).
  const d = data(64 * 100);
  const perEpoch: number[] = [];
  const { Callback } = await import('../src/callbacks/callback.js');
  class Rss extends Callback {
    override onEpochEnd(): void {
      perEpoch.push(process.memoryUsage().rss / 2 ** 20);
    }
  }
  await nativeModel.fit(d.x, d.y, { epochs: 6, batchSize: 64, verbose: 0, callbacks: [new Rss()] });
  log(`    RSS at the end of each of 6 epochs of 100 steps: ${perEpoch.map((v) => v.toFixed(0)).join(', ')} MiB`);
  (results.native as Record<string, unknown>).rssPerEpochMiB = perEpoch;
}

const jsSteps = opt('js-steps', 2);
if (jsSteps > 0) {
  setBackend('js');
  const ms = (await stepMs(buildModel(), jsSteps, 0)).mean;
  setBackend('native');
  rows.push({ name: 'convkit JS backend', ms });
  log(`  convkit JS:      ${ms.toFixed(1)} ms/step (${jsSteps} steps)`);
}

const tfjsSteps = opt('tfjs-steps', 1);
if (tfjsSteps > 0) {
  try {
    // tfjs prints an advertisement for tfjs-node on first use; keep the table readable.
    const saved = [console.log, console.warn];
    console.log = console.warn = () => {};
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    tf.tensor1d([1]).square().dataSync();
    [console.log, console.warn] = saved;
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 64, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
    m.compile({ optimizer: tf.train.rmsprop(0.001, 0.9, 0, 1e-7), loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([64, 28, 28, 1]);
    const y = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 64 }, (_, i) => i % 10),
        'int32',
      ),
      10,
    );
    const t0 = performance.now();
    for (let s = 0; s < tfjsSteps; s++) await m.trainOnBatch(x, y);
    const ms = (performance.now() - t0) / tfjsSteps;
    rows.push({ name: 'TensorFlow.js (cpu backend)', ms });
    log(
      `  TensorFlow.js:   ${ms.toFixed(0)} ms/step (${tfjsSteps} step${tfjsSteps > 1 ? 's' : ''}, tfjs ${tf.version.tfjs}, single-threaded JS)`,
    );
  } catch (e) {
    rows.push({ name: 'TensorFlow.js (cpu backend)', ms: null, note: (e as Error).message });
    log(`  TensorFlow.js:   skipped (${(e as Error).message})`);
  }
}

type TorchResult = { step_ms?: number; step_mean_ms?: number; predict_ips?: number; torch?: string; error?: string };
/** Runs bench/torch_mnist.py with `t` threads; tries CONVKIT_PYTHON, python3, then Debian's /usr/bin/python3. */
function runTorch(t: number, predict: number): TorchResult {
  // Debian's python3-torch lives in /usr/bin/python3's dist-packages; a python3 earlier on PATH
  // (pyenv, venv) may not see it, so each candidate is tried in turn.
  const pythons = [process.env.CONVKIT_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  let res: TorchResult = { error: 'no python3 found; install PyTorch with `apt-get install python3-torch`' };
  for (const py of [...new Set(pythons)]) {
    const r = spawnSync(
      py,
      [
        path.join(here, 'torch_mnist.py'),
        '--threads',
        String(t),
        '--steps',
        String(opt('torch-steps', 30)),
        '--rounds',
        '3',
        '--warmup',
        '5',
        '--predict',
        String(predict),
        '--predict-batch',
        '256',
      ],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(t) } },
    );
    try {
      res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as TorchResult;
    } catch {
      res = {
        error: `${py} failed (${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'no output'}); install PyTorch with \`apt-get install python3-torch\``,
      };
    }
    if (!res.error) break;
  }
  return res;
}

let torch: TorchResult | null = null;
if (!flag('no-torch')) {
  torch = runTorch(threads, 10000);
  if (torch.error || torch.step_ms === undefined) {
    rows.push({ name: 'PyTorch', ms: null, note: torch.error });
    log(`  PyTorch:         skipped: ${torch.error ?? 'no result'}`);
  } else {
    rows.push({ name: `PyTorch ${torch.torch}`, ms: torch.step_ms });
    log(
      `  PyTorch ${torch.torch}: ${torch.step_ms.toFixed(2)} ms/step (best of 3 rounds; mean ${(torch.step_mean_ms ?? torch.step_ms).toFixed(2)})`,
    );
  }
}

// Single-threaded pair: on a machine shared with other jobs, OpenMP's spinning threads can make
// PyTorch's multi-threaded figure collapse; one thread each is the comparison least skewed by load.
let oneThread: { native: number; torch: number | null } | null = null;
if (threads > 1 && !flag('no-1t')) {
  native.setNumThreads(1);
  const n1 = await stepMs(nativeModel, Math.max(5, Math.round(steps / 2)), 2, 3);
  native.setNumThreads(threads);
  const t1 = torch && !torch.error ? runTorch(1, 0) : null;
  oneThread = { native: n1.best, torch: t1?.step_ms ?? null };
  log(
    `  1 thread each: convkit native ${n1.best.toFixed(2)} ms/step` +
      (oneThread.torch
        ? `, PyTorch ${oneThread.torch.toFixed(2)} ms/step (${(n1.best / oneThread.torch).toFixed(2)}x)`
        : ''),
  );
  results.oneThread = oneThread;
}
results.step = rows;

// ------------------------------------------------------------------------------------- inference
log(`\n== predict() on 10,000 MNIST-size images (batch 256, best of 2), ${threads} threads`);
const xp = randomUniform([10000, 28, 28, 1]);
nativeModel.predict(xp.slice(0, 256), { batchSize: 256, verbose: 0 });
let bestPredict = Infinity;
for (let r = 0; r < 2; r++) {
  const tp = performance.now();
  nativeModel.predict(xp, { batchSize: 256, verbose: 0 });
  bestPredict = Math.min(bestPredict, performance.now() - tp);
}
const ips = 10000 / (bestPredict / 1000);
log(`  convkit native: ${ips.toFixed(0)} images/s`);
if (torch?.predict_ips)
  log(
    `  PyTorch:        ${torch.predict_ips.toFixed(0)} images/s  (convkit/PyTorch ${(ips / torch.predict_ips).toFixed(2)}x)`,
  );
results.predict = { convkitIps: ips, torchIps: torch?.predict_ips ?? null };

// ------------------------------------------------------------------ image pipeline vs training
if (!flag('no-pipeline')) {
  // The chapter's small convnet on 150x150 RGB images (batch 32): its training rate is what the
  // decoding pipeline must keep up with.
  log(`\n== Image pipeline vs training, 150x150 RGB, batch 32, ${threads} threads`);
  setRandomSeed(2);
  const inputs = layers.Input({ shape: [150, 150, 3] });
  let t = inputs;
  for (const f of [32, 64, 128, 128])
    t = new layers.MaxPooling2D(2).apply(new layers.Conv2D(f, 3, { activation: 'relu' }).apply(t));
  t = new layers.Dense(512, { activation: 'relu' }).apply(new layers.Dropout(0.5).apply(new layers.Flatten().apply(t)));
  const small = new models.Model({ inputs, outputs: new layers.Dense(1, { activation: 'sigmoid' }).apply(t) });
  small.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const xs = randomUniform([32 * 4, 150, 150, 3], 0, 1);
  const ys = tensor(
    new Float32Array(32 * 4).map((_, i) => i % 2),
    [32 * 4, 1],
  );
  await small.fit(xs.slice(0, 32), ys.slice(0, 32), { epochs: 1, batchSize: 32, verbose: 0 });
  const tt = performance.now();
  await small.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
  const smallStep = (performance.now() - tt) / 4;
  log(`  training (native): ${smallStep.toFixed(0)} ms/step = ${(32000 / smallStep).toFixed(0)} images/s`);
  const r = spawnSync(
    process.execPath,
    [
      '--conditions=development',
      '--import',
      'tsx',
      path.join(here, 'pipeline.ts'),
      '--json',
      '--n',
      '640',
      '--size',
      '150',
      '--batch',
      '32',
      '--epochs',
      '1',
      '--busy-ms',
      String(Math.round(smallStep)),
    ],
    { encoding: 'utf8', cwd: root },
  );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const info = JSON.parse(line) as Record<string, number>;
    log(
      `  pipeline alone (decode JPEG + resize, ${info.workers} worker threads): ${info.pipeline_images_per_s.toFixed(0)} images/s`,
    );
    log(
      `  pipeline beside a main thread busy ${info.busy_ms_per_step} ms per batch (a training step): ${info.with_busy_main_images_per_s.toFixed(0)} images/s, ` +
        `${(100 * info.overlap_efficiency).toFixed(0)}% of the time is the main thread's own work (100% = decoding fully hidden)`,
    );
    results.pipeline = { trainingImagesPerS: 32000 / smallStep, ...info };
  } catch {
    log(`  pipeline benchmark failed: ${(r.stderr || line).slice(0, 300)}`);
  }
}

// --------------------------------------------------------------------------------------- summary
log('\n== Summary: training step time relative to PyTorch (lower is better; target <= 0.8)');
const ref = torch?.step_ms;
for (const r of rows) {
  const rel = r.ms !== null && ref ? `${(r.ms / ref).toFixed(2)}x` : '-';
  log(
    `  ${r.name.padEnd(30)} ${r.ms === null ? 'skipped'.padStart(10) : `${r.ms.toFixed(r.ms > 100 ? 0 : 2)} ms`.padStart(10)}  ${rel}`,
  );
}
if (oneThread?.torch)
  log(`  1 thread each: convkit native / PyTorch = ${(oneThread.native / oneThread.torch).toFixed(2)}x`);
if (peak)
  log(
    `  convkit native step: ${f1(1.05e9 / (nativeStep / 1000) / 1e9)} GFLOP/s effective (1.05 GFLOP/step), ${f1((100 * 1.05e9) / (nativeStep / 1000) / 1e9 / peak.all)}% of the ${threads}-thread peak`,
  );
if (jsonFile) writeFileSync(jsonFile, JSON.stringify(results, null, 2));
void getBackend;
