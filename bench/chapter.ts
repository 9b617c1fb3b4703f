// The chapter-scale workloads of `npm run bench` (convkit side; bench/torch_chapter.py is PyTorch's):
// VGG16 notop predict at 150x150, the VGG16 fine-tuning step (block 5 trainable), the small-data
// convnet's training step, MNIST predict on 10,000 images, and peak resident memory of VGG16 feature
// extraction and fine-tuning, sampled after every batch.
import type { Model } from '../src/models/model.js';
import type { Tensor } from '../src/tensor/index.js';
import { convFlops, vgg16ConvShapes } from './vgg_layers.js';

const ck = await import('../src/index.js');

/** Flops of VGG16's 13 convolutions (direct method) for `batch` images of size x size. */
export function vgg16ConvFlops(batch: number, size: number): number {
  return vgg16ConvShapes(batch, size).reduce((s, l) => s + l.count * convFlops(l.info), 0);
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;

async function vgg16Base(size: number): Promise<Model> {
  ck.setRandomSeed(3);
  return ck.applications.VGG16({ weights: null, includeTop: false, inputShape: [size, size, 3] });
}

export interface PredictResult {
  imagesPerS: number;
  msPerBatch: number;
  rssMiB: number[];
}

/**
 * VGG16 conv base predict, `batches` batches of `batch` images (after one warm-up batch): the median
 * batch time, and RSS after each batch (the feature extraction of the chapter: flat from batch to batch).
 */
export async function vggPredict(batch: number, size: number, batches: number): Promise<PredictResult> {
  const base = await vgg16Base(size);
  const x = ck.randomUniform([batch, size, size, 3], 0, 255);
  base.predict(x, { batchSize: batch, verbose: 0 });
  const times: number[] = [],
    rss: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t = performance.now();
    base.predict(x, { batchSize: batch, verbose: 0 });
    times.push(performance.now() - t);
    rss.push(rssMiB());
  }
  const ms = median(times);
  return { imagesPerS: batch / (ms / 1000), msPerBatch: ms, rssMiB: rss };
}

export interface StepResult {
  msPerStep: number;
  rssMiB: number[];
}

/** Median ms of `steps` single-batch fits (each after one warm-up step), RSS after each. */
async function stepTimes(model: Model, x: Tensor, y: Tensor, batch: number, steps: number): Promise<StepResult> {
  await model.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, shuffle: false });
  const times: number[] = [],
    rss: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, shuffle: false });
    times.push(performance.now() - t);
    rss.push(rssMiB());
  }
  return { msPerStep: median(times), rssMiB: rss };
}

/** Keras ch. 8's fine-tuning: VGG16 base with blocks 1-4 frozen, Flatten, Dense 256, Dropout, Dense 1. */
export async function vggFinetune(batch: number, size: number, steps: number): Promise<StepResult> {
  const base = await vgg16Base(size);
  base.trainable = true;
  for (const l of base.layers) l.trainable = l.name.startsWith('block5');
  const inputs = ck.layers.Input({ shape: [size, size, 3] });
  let t = base.apply(inputs);
  t = new ck.layers.Flatten().apply(t);
  t = new ck.layers.Dense(256, { activation: 'relu' }).apply(t);
  t = new ck.layers.Dropout(0.5).apply(t);
  const model = new ck.models.Model({ inputs, outputs: new ck.layers.Dense(1, { activation: 'sigmoid' }).apply(t) });
  model.compile({
    optimizer: new ck.optimizers.RMSprop({ learningRate: 1e-5 }),
    loss: 'binary_crossentropy',
    metrics: ['accuracy'],
  });
  const x = ck.randomUniform([batch, size, size, 3], 0, 255);
  const y = ck.tensor(
    new Float32Array(batch).map((_, i) => i % 2),
    [batch, 1],
  );
  return stepTimes(model, x, y, batch, steps);
}

/** Keras ch. 8's convnet from scratch: 150x150x3, Conv 32-64-128-128 + pooling, Dense 512, batch 32. */
export async function smallConvnetStep(batch: number, steps: number): Promise<StepResult> {
  ck.setRandomSeed(2);
  const inputs = ck.layers.Input({ shape: [150, 150, 3] });
  let t = inputs;
  for (const f of [32, 64, 128, 128]) {
    t = new ck.layers.MaxPooling2D(2).apply(new ck.layers.Conv2D(f, 3, { activation: 'relu' }).apply(t));
  }
  t = new ck.layers.Dense(512, { activation: 'relu' }).apply(
    new ck.layers.Dropout(0.5).apply(new ck.layers.Flatten().apply(t)),
  );
  const model = new ck.models.Model({ inputs, outputs: new ck.layers.Dense(1, { activation: 'sigmoid' }).apply(t) });
  model.compile({ optimizer: 'rmsprop', loss: 'binary_crossentropy', metrics: ['accuracy'] });
  const x = ck.randomUniform([batch, 150, 150, 3], 0, 1);
  const y = ck.tensor(
    new Float32Array(batch).map((_, i) => i % 2),
    [batch, 1],
  );
  return stepTimes(model, x, y, batch, steps);
}

/** MNIST convnet predict on n images (batch 256): images/s of the better of two passes. */
export async function mnistPredict(n: number): Promise<number> {
  const { mnistModel } = await import('./mnist_epoch.js');
  const model = await mnistModel();
  const x = ck.randomUniform([n, 28, 28, 1]);
  model.predict(x.slice(0, 256), { batchSize: 256, verbose: 0 });
  let best = Infinity;
  for (let r = 0; r < 2; r++) {
    const t = performance.now();
    model.predict(x, { batchSize: 256, verbose: 0 });
    best = Math.min(best, performance.now() - t);
  }
  return n / (best / 1000);
}
