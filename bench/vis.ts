// Seeing-inside-a-convnet timings, a section of `npm run bench` (bench/run.ts; `--no-vis` skips it):
//   gradient ascent of 64 filters x 30 steps at 150x150 on the book's small-data convnet
//   (conv2d_2, second edition's recipe), and Grad-CAM of a batch of 32 150x150 images.
// Alone:  node --conditions=development --import tsx bench/vis.ts [--filters 64] [--steps 30]
//          [--batch 32] [--layer conv2d_2] [--json FILE]
// Weights are random (timing does not depend on them). Run it on an otherwise idle machine.
import { fileURLToPath } from 'node:url';
import { atomicWriteFileSync } from '../src/io/atomic.js';
import { layers, models, utils, vis, Tensor } from '../src/index.js';

export interface VisBenchOptions {
  /** Filters whose pattern is computed, one after the other (64: the book's 8x8 grid). */
  filters: number;
  /** Gradient-ascent steps per filter (30). */
  steps: number;
  /** Images in the Grad-CAM batch (32). */
  batch: number;
  /** The convolution whose filters are visualized (conv2d_2). */
  layer: string;
  /** Side of the square input (150, the book's). */
  size: number;
}

export interface VisBenchResult extends VisBenchOptions {
  /** Seconds for all the filters' ascents. */
  ascentS: number;
  /** Seconds for one Grad-CAM call on the whole batch (after a warm-up call on one image). */
  camS: number;
}

export const VIS_DEFAULTS: VisBenchOptions = { filters: 64, steps: 30, batch: 32, layer: 'conv2d_2', size: 150 };

/** The book's cats-vs-dogs convnet (ch. 5.2 / 8.2) at size x size x 3, random weights. */
function smallDataConvnet(size: number): models.Sequential {
  // Fresh layer names (conv2d, conv2d_1, conv2d_2, ...) whatever the bench built before.
  utils.clearSession();
  utils.setRandomSeed(1);
  return new models.Sequential([
    new layers.Conv2D(32, 3, { activation: 'relu', inputShape: [size, size, 3] }),
    new layers.MaxPooling2D(2),
    new layers.Conv2D(64, 3, { activation: 'relu' }),
    new layers.MaxPooling2D(2),
    new layers.Conv2D(128, 3, { activation: 'relu' }),
    new layers.MaxPooling2D(2),
    new layers.Conv2D(128, 3, { activation: 'relu' }),
    new layers.MaxPooling2D(2),
    new layers.Flatten(),
    new layers.Dense(512, { activation: 'relu' }),
    new layers.Dense(1, { activation: 'sigmoid' }),
  ]);
}

/** Times the filter ascent and the Grad-CAM batch; small options make it a quick smoke run. */
export function visTimings(o: Partial<VisBenchOptions> = {}): VisBenchResult {
  const opts = { ...VIS_DEFAULTS, ...o };
  const model = smallDataConvnet(opts.size);
  let t0 = performance.now();
  for (let k = 0; k < opts.filters; k++) vis.filterPattern(model, opts.layer, k, { steps: opts.steps, seed: k });
  const ascentS = (performance.now() - t0) / 1000;

  const n = opts.batch * opts.size * opts.size * 3;
  const images = new Tensor(
    Float32Array.from({ length: n }, (_, i) => (Math.sin(i * 0.37) + 1) / 2),
    [opts.batch, opts.size, opts.size, 3],
  );
  vis.gradCam(model, images.slice(0, 1));
  t0 = performance.now();
  vis.gradCam(model, images);
  const camS = (performance.now() - t0) / 1000;
  return { ...opts, ascentS, camS };
}

/** The rows as `npm run bench` prints them: [workload, figure]. */
export function visRows(r: VisBenchResult): [string, string][] {
  return [
    [
      `filter ascent: ${r.filters} filters x ${r.steps} steps, ${r.size}x${r.size}, ${r.layer} (s)`,
      r.ascentS.toFixed(2),
    ],
    [`  same, per step (ms)`, ((1000 * r.ascentS) / (r.filters * r.steps)).toFixed(1)],
    [`Grad-CAM: batch of ${r.batch}, ${r.size}x${r.size} (ms)`, (r.camS * 1000).toFixed(0)],
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const opt = (name: string, def: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    if (i < 0) return def;
    const v = Number(process.argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) {
      throw new Error(`--${name}: expected a positive integer, got ${process.argv[i + 1]}`);
    }
    return v;
  };
  const li = process.argv.indexOf('--layer');
  const r = visTimings({
    filters: opt('filters', VIS_DEFAULTS.filters),
    steps: opt('steps', VIS_DEFAULTS.steps),
    batch: opt('batch', VIS_DEFAULTS.batch),
    size: opt('size', VIS_DEFAULTS.size),
    layer: li >= 0 ? process.argv[li + 1] : VIS_DEFAULTS.layer,
  });
  for (const [k, v] of visRows(r)) console.log(`${k.padEnd(64)} ${v}`);
  const json = process.argv.indexOf('--json');
  if (json >= 0) atomicWriteFileSync(process.argv[json + 1], JSON.stringify(r, null, 2));
}
