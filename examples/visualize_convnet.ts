// Seeing inside a convnet (Deep Learning with Python, ch. 5.4 / 9.4): intermediate activations,
// filter patterns and Grad-CAM heatmaps, written as pictures into one folder.
//
// Run:  npm run visualize -- [--out DIR] [--model FILE] [--base FILE] [--filters 16] [--steps 30]
//        [--base-filters 32] [--base-steps 30] [--cams 6]
// The small convnet: --model FILE if given, else a Fashion-MNIST convnet trained briefly here (one
// epoch on 6,000 images, saved to DIR/fashion_convnet.keras and reused on the next run).
// The pretrained base: --base FILE (SmallVGG weights as .weights.h5, or any saved model), else the
// base `npm run pretrained` trains (pretrained_output/small_vgg_fashion10_notop.weights.h5, the
// SmallVGG of examples/small_vgg.ts pretrained on Fashion-MNIST, 32x32); when that file is
// missing, a base pretrained briefly here (one epoch on 12,000 images, DIR/pretrained_base/).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { datasets, layers, models, ops, utils, vis, Tensor } from 'convkit';
import { SmallVGG, baseWeightsPath, pretrainBase } from './small_vgg.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const num = (name: string, def: number): number => {
  const v = flag(name);
  const n = v === undefined ? def : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer, got '${v}'`);
  return n;
};

const outDir = flag('out') ?? 'visualize_output';
mkdirSync(outDir, { recursive: true });
utils.setRandomSeed(1337);
utils.setPrintFunction(() => {});

const FASHION = '/usr/share/datasets/fashion-mnist';
const CLASSES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];

/** Fashion-MNIST images [n, 28, 28, 1] in 0..1 and their labels. */
function fashion(split: 'train' | 't10k', n: number): { x: Tensor; y: Int32Array } {
  const file = (kind: string) => path.join(FASHION, `${split}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte.gz`);
  if (!existsSync(file('images'))) {
    throw new Error(`Fashion-MNIST is missing at ${FASHION}: install Debian's dataset-fashion-mnist package`);
  }
  const imgs = datasets.parseIdx(gunzipSync(readFileSync(file('images'))), file('images'), 2051, [null, 28, 28]);
  const labels = datasets.parseIdx(gunzipSync(readFileSync(file('labels'))), file('labels'), 2049, [null]);
  const x = imgs.slice(0, n).astype('float32').div(255).reshape([n, 28, 28, 1]);
  return { x, y: Int32Array.from(labels.data.subarray(0, n)) };
}

async function smallConvnet(): Promise<models.Model> {
  const given = flag('model');
  if (given) return models.loadModel(given);
  const file = path.join(outDir, 'fashion_convnet.keras');
  if (existsSync(file)) return models.loadModel(file);
  const model = new models.Sequential([
    new layers.Conv2D(32, 3, { activation: 'relu', inputShape: [28, 28, 1] }),
    new layers.MaxPooling2D(2),
    new layers.Conv2D(64, 3, { activation: 'relu' }),
    new layers.MaxPooling2D(2),
    new layers.Conv2D(64, 3, { activation: 'relu' }),
    new layers.Flatten(),
    new layers.Dense(64, { activation: 'relu' }),
    new layers.Dense(10, { activation: 'softmax' }),
  ]);
  const { x, y } = fashion('train', 6000);
  model.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  await model.fit(x, new Tensor(Float32Array.from(y), [y.length]), { epochs: 1, batchSize: 64, verbose: 0 });
  await model.save(file);
  return model;
}

/** A 28x28 grayscale image as a 224x224 RGB picture (0..255), nearest neighbour, for overlays. */
function picture(img: Tensor, side = 224): Tensor {
  const out = new Float32Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = img.data[Math.floor((y * 28) / side) * 28 + Math.floor((x * 28) / side)] * 255;
      out.set([v, v, v], (y * side + x) * 3);
    }
  }
  return new Tensor(out, [side, side, 3]);
}

const written: string[] = [];

// ---- the small convnet ----
const model = await smallConvnet();
const test = fashion('t10k', 200);
const predicted = model.predict(test.x, { verbose: 0 }).argMax(-1).data;
const correct = test.y.filter((c, i) => predicted[i] === c).length;
console.log(
  `small convnet '${model.name}': accuracy ${(correct / test.y.length).toFixed(3)} on ${test.y.length} test images`,
);

// 1. activations of the first eight layers for one test image
const one = test.x.slice(0, 1);
const acts = await vis.plotActivations(model, one, {
  layers: 8,
  imagesPerRow: 16,
  dir: path.join(outDir, 'activations'),
});
for (const a of acts) if (a.file) written.push(a.file);

// 2. filter patterns of the three convolutions of the small convnet
const convNames = model.layers.filter((l) => l.className === 'Conv2D').map((l) => l.name);
for (const name of convNames) {
  const r = await vis.plotFilterPatterns(model, name, {
    filters: num('filters', 16),
    steps: num('steps', 30),
    file: path.join(outDir, `filters_${name}.png`),
  });
  written.push(r.file);
}

// 3. Grad-CAM overlays with predicted and true class in the file names
const nCams = num('cams', 6);
const batch = test.x.slice(0, nCams);
const cam = vis.gradCam(model, batch);
for (let i = 0; i < nCams; i++) {
  const pred = CLASSES[cam.classIndex[i]];
  const truth = CLASSES[test.y[i]];
  const file = path.join(outDir, 'gradcam', `${String(i).padStart(2, '0')}_pred-${pred}_true-${truth}.png`);
  mkdirSync(path.dirname(file), { recursive: true });
  await vis.saveHeatmapOverlay(picture(batch.index(i)), cam.heatmaps.index(i), file);
  written.push(file);
}

// ---- a pretrained base: filter patterns of four layers ----
async function pretrainedBase(): Promise<models.Model> {
  const given = flag('base');
  if (given) {
    return given.endsWith('.weights.h5') ? SmallVGG({ weights: given }) : models.loadModel(given);
  }
  let file = baseWeightsPath('pretrained_output');
  if (!existsSync(file)) {
    const brief = path.join(outDir, 'pretrained_base');
    file = baseWeightsPath(brief);
    if (!existsSync(file)) {
      console.log(`no pretrained base at ${baseWeightsPath('pretrained_output')}: pretraining one briefly`);
      await pretrainBase({ outDir: brief, epochs: 1, limit: 12000 });
    }
  }
  console.log(`pretrained base: ${file}`);
  return SmallVGG({ weights: file });
}
const base = await pretrainedBase();
// The base saw gray Fashion-MNIST images repeated into RGB, so it is shown the same: the ascent
// climbs through the channel mean, and every step moves the three channels together.
const grayInput = (x: Tensor): Tensor => {
  const m = x.mean(-1, true);
  return ops.concat([m, m, m], -1);
};
// The book starts from noise in [0.4, 0.6]; this base learnt on dark backgrounds, and most of its
// deeper ReLU filters are silent on flat mid-gray (no gradient, nothing to climb). Gray noise
// over the whole [0, 1] range wakes most of them.
const side = base.input.shape[1] ?? 32;
const noise = new Float32Array(side * side * 3);
for (let p = 0, s = 1337; p < side * side; p++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  noise.fill(s / 2 ** 32, 3 * p, 3 * p + 3);
}
const grayStart = new Tensor(noise, [1, side, side, 3]);
const baseConvs = base.layers.filter((l) => l.className === 'Conv2D').map((l) => l.name);
const baseLayers = baseConvs.length > 4 ? [...baseConvs.slice(0, 3), baseConvs[baseConvs.length - 1]] : baseConvs;
for (const name of baseLayers) {
  const available = base.getLayer(name).output.shape[3] ?? 1;
  const r = await vis.plotFilterPatterns(base, name, {
    filters: Math.min(num('base-filters', 32), available),
    steps: num('base-steps', 30),
    preprocess: base.input.shape[3] === 3 ? grayInput : undefined,
    start: base.input.shape[3] === 3 ? grayStart : undefined,
    file: path.join(outDir, `filters_${base.name}_${name}.png`),
  });
  written.push(r.file);
}

console.log(`wrote ${written.length} pictures into ${path.resolve(outDir)}:`);
for (const f of written) console.log(`  ${f}`);
