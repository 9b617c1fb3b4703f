// The MNIST convnet (Keras ch. 5: Conv 32-64-64, Dense 64-10, RMSprop, batch 64) as a user runs it:
// one whole `fit` epoch with the progress bar on (verbose 1), wall time from the call to its return,
// beside the time spent inside native kernels, so what costs between the kernels shows.
//   node --conditions=development --import tsx bench/mnist_epoch.ts [--steps 938] [--epochs 1] [--threads N]
//     [--kernel-clock]   (time inside the kernels, and a table of each kernel's share of the step)
// Exports mnistModel/mnistData/fitEpoch for bench/run.ts.
import type { Backend } from '../src/backend/types.js';

export async function mnistModel(): Promise<import('../src/models/sequential.js').Sequential> {
  const { layers, models, setRandomSeed } = await import('../src/index.js');
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

/** n MNIST-size images (uniform noise) with one-hot labels. */
export async function mnistData(
  n: number,
): Promise<{ x: import('../src/tensor/index.js').Tensor; y: import('../src/tensor/index.js').Tensor }> {
  const { utils, tensor, randomUniform } = await import('../src/index.js');
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = (i * 7) % 10;
  return { x: randomUniform([n, 28, 28, 1]), y: utils.toCategorical(tensor(labels, [n])) };
}

/**
 * Wraps every kernel of `b` to add its wall time to the returned counter while fn runs; `perKernel`
 * holds each kernel's total milliseconds and calls.
 */
export async function withKernelClock<T>(
  b: Backend,
  fn: () => Promise<T>,
): Promise<{ value: T; kernelMs: number; perKernel: Map<string, { ms: number; calls: number }> }> {
  const saved = new Map<string, unknown>();
  const perKernel = new Map<string, { ms: number; calls: number }>();
  for (const [k, v] of Object.entries(b)) {
    if (typeof v !== 'function' || k === 'release') continue;
    saved.set(k, v);
    const kernel = v as (...a: unknown[]) => unknown;
    Reflect.set(b, k, function (this: unknown, ...args: unknown[]) {
      const t = performance.now();
      try {
        return kernel.apply(this, args);
      } finally {
        const e = perKernel.get(k) ?? { ms: 0, calls: 0 };
        e.ms += performance.now() - t;
        e.calls++;
        perKernel.set(k, e);
      }
    });
  }
  try {
    const value = await fn();
    const kernelMs = [...perKernel.values()].reduce((sum, e) => sum + e.ms, 0);
    return { value, kernelMs, perKernel };
  } finally {
    for (const [k, v] of saved) Reflect.set(b, k, v);
  }
}

export interface EpochResult {
  epochMs: number[];
  stepMs: number;
  kernelMs: number;
  steps: number;
  /** With a clock: each kernel's milliseconds and calls per step, slowest first. */
  perKernel: { kernel: string; msPerStep: number; callsPerStep: number }[];
}

/**
 * `epochs` whole epochs of `steps` steps each in one fit with the progress bar on (its output goes
 * to `write`, default stdout), after a 20-step warm-up fit; the epoch times come from a callback.
 */
export async function fitEpochs(
  steps: number,
  epochs: number,
  write?: (s: string) => void,
  clock?: Backend,
): Promise<EpochResult> {
  const { Callback } = await import('../src/callbacks/callback.js');
  const { setPrintFunction } = await import('../src/utils/progbar.js');
  const model = await mnistModel();
  const warm = await mnistData(64 * 20);
  await model.fit(warm.x, warm.y, { epochs: 1, batchSize: 64, verbose: 0 });
  const d = await mnistData(64 * steps);
  const epochMs: number[] = [];
  let t0 = 0;
  class Clock extends Callback {
    override onEpochBegin(): void {
      t0 = performance.now();
    }
    override onEpochEnd(): void {
      epochMs.push(performance.now() - t0);
    }
  }
  if (write) setPrintFunction(write);
  try {
    const run = () => model.fit(d.x, d.y, { epochs, batchSize: 64, verbose: 1, callbacks: [new Clock()] });
    let kernelMs = 0;
    let perKernel: EpochResult['perKernel'] = [];
    if (clock) {
      const r = await withKernelClock(clock, run);
      kernelMs = r.kernelMs;
      const n = epochs * steps;
      perKernel = [...r.perKernel]
        .map(([kernel, e]) => ({ kernel, msPerStep: e.ms / n, callsPerStep: e.calls / n }))
        .sort((a, b) => b.msPerStep - a.msPerStep);
    } else await run();
    const best = Math.min(...epochMs);
    return { epochMs, stepMs: best / steps, kernelMs: kernelMs / (epochs * steps), steps, perKernel };
  } finally {
    if (write) setPrintFunction(null);
  }
}

function opt(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const native = await import('../src/backend/native/index.js');
  const { setBackend } = await import('../src/backend/index.js');
  const nb = native.loadNativeBackend();
  if (!nb) throw new Error(`native addon unavailable: ${native.nativeLoadError()}`);
  setBackend('native');
  if (process.argv.includes('--threads')) native.setNumThreads(opt('threads', 1));
  const steps = opt('steps', 938),
    epochs = opt('epochs', 1);
  const r = await fitEpochs(steps, epochs, undefined, process.argv.includes('--kernel-clock') ? nb : undefined);
  console.log(
    `epochs of ${steps} steps: ${r.epochMs.map((v) => `${(v / 1000).toFixed(2)} s`).join(', ')}; ` +
      `best ${r.stepMs.toFixed(2)} ms/step` +
      (r.kernelMs ? `, ${r.kernelMs.toFixed(2)} ms/step inside kernels` : ''),
  );
  for (const k of r.perKernel) {
    if (k.msPerStep < 0.005) continue;
    console.log(
      `  ${k.kernel.padEnd(28)} ${k.msPerStep.toFixed(3).padStart(7)} ms/step  ` +
        `${k.callsPerStep.toFixed(1).padStart(4)} calls/step  ${((1000 * k.msPerStep) / k.callsPerStep).toFixed(0).padStart(6)} us/call`,
    );
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) await main();
