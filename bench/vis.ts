// Seeing-inside-a-convnet timings (issue rows for `npm run bench`, kept as a separate script):
//   gradient ascent of 64 filters x 30 steps at 150x150 on the book's small-data convnet
//   (conv2d_2, second edition's recipe), and Grad-CAM of a batch of 32 150x150 images.
// Run:  node --conditions=development --import tsx bench/vis.ts [--filters 64] [--steps 30]
//        [--batch 32] [--layer conv2d_2] [--json FILE]
// Weights are random (timing does not depend on them). Run it on an otherwise idle machine.
import { writeFileSync } from 'node:fs';
import { layers, models, utils, vis, Tensor } from 'convkit';

function opt(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0)
    throw new Error(`--${name}: expected a positive integer, got ${process.argv[i + 1]}`);
  return v;
}
const str = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : process.argv[i + 1];
};

utils.setRandomSeed(1);
// The book's cats-vs-dogs convnet (ch. 5.2 / 8.2), 150x150x3 inputs.
const model = new models.Sequential([
  new layers.Conv2D(32, 3, { activation: 'relu', inputShape: [150, 150, 3] }),
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

const filters = opt('filters', 64);
const steps = opt('steps', 30);
const batch = opt('batch', 32);
const layer = str('layer', 'conv2d_2');

let t0 = performance.now();
for (let k = 0; k < filters; k++) vis.filterPattern(model, layer, k, { steps, size: 150, seed: k });
const ascentS = (performance.now() - t0) / 1000;

const n = batch * 150 * 150 * 3;
const images = new Tensor(
  Float32Array.from({ length: n }, (_, i) => (Math.sin(i * 0.37) + 1) / 2),
  [batch, 150, 150, 3],
);
vis.gradCam(model, images.slice(0, 1));
t0 = performance.now();
vis.gradCam(model, images);
const camS = (performance.now() - t0) / 1000;

const rows = {
  [`filter ascent: ${filters} filters x ${steps} steps, 150x150, ${layer}`]: `${ascentS.toFixed(2)} s`,
  [`Grad-CAM: batch of ${batch}, 150x150`]: `${(camS * 1000).toFixed(0)} ms`,
};
for (const [k, v] of Object.entries(rows)) console.log(`${k.padEnd(60)} ${v}`);
const json = process.argv.indexOf('--json');
if (json >= 0) writeFileSync(process.argv[json + 1], JSON.stringify({ ascentS, camS, filters, steps, batch }, null, 2));
