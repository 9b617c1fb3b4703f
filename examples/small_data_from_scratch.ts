// Training a convnet from scratch on a small dataset (Deep Learning with Python, ch. 5.2 / 8.2):
// a few thousand images sorted into class folders, a small convnet that overfits, then the same
// model with data augmentation and dropout. Prints both test accuracies and writes both curves.
//
// Run:  npm run small-data -- [--data DIR] [--size 64] [--epochs 15] [--aug-epochs 30]
//        [--batch 32] [--out DIR] [--seed 1337] [--generator] [--lr 0.001]
//   (or: node --conditions=development --import tsx examples/small_data_from_scratch.ts ...)
// --data DIR: a folder with train/, validation/, test/ subfolders, each with one subfolder per
//   class (e.g. the Kaggle cats-vs-dogs subset: cats_vs_dogs_small/{train,validation,test}/{cats,dogs}).
// Without --data, two Fashion-MNIST classes (T-shirt/top vs shirt; real photos of clothes, 28x28
// grayscale) are written as --size x --size RGB JPEG files, 2000 / 1000 / 1000 as in the chapter.
// --generator: augment with ImageDataGenerator.flowFromDirectory (the 1st edition's way) instead
//   of the augmentation layers.
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backend, layers, models, optimizers, preprocessing, utils, vis } from 'convkit';
import { buildFashionFolders } from './fashion_mnist.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? 'true' : v;
}
const num = (name: string, def: number): number => {
  const v = flag(name);
  const n = v === undefined ? def : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number, got '${v}'`);
  return n;
};

const size = num('size', 64);
const epochs = num('epochs', 15);
const augEpochs = num('aug-epochs', 30);
const batchSize = num('batch', 32);
const seed = num('seed', 1337);
const lr = num('lr', 0.001);
const useGenerator = flag('generator') === 'true';
const outDir = flag('out') ?? 'small_data_output';
utils.setRandomSeed(seed);
mkdirSync(outDir, { recursive: true });

// ---- the data ----

const dataDir =
  flag('data') ?? (await buildFashionFolders(path.join(os.tmpdir(), `convkit-fashion-small-${size}`), size));
for (const s of ['train', 'validation', 'test']) {
  if (!existsSync(path.join(dataDir, s)))
    throw new Error(`${dataDir} has no '${s}' folder (expected train/, validation/, test/)`);
}
console.log(`data: ${dataDir}; images resized to ${size}x${size}; backend: ${backend.backendName()}`);

const load = (split: string) =>
  utils.imageDatasetFromDirectory(path.join(dataDir, split), {
    imageSize: [size, size],
    batchSize,
    labelMode: 'binary',
    seed,
  });
const train = await load('train');
const validation = await load('validation');
const test = await load('test');
console.log(`classes: ${train.classNames!.join(', ')}`);

// ---- the model ----

function buildModel(augment: boolean, rescale: boolean): models.Model {
  const inputs = layers.Input({ shape: [size, size, 3] });
  let x = inputs;
  if (augment) {
    const augmentation = new models.Sequential([
      new layers.RandomFlip('horizontal'),
      new layers.RandomRotation(0.1),
      new layers.RandomZoom(0.2),
    ]);
    x = augmentation.apply(x);
  }
  if (rescale) x = new layers.Rescaling(1 / 255).apply(x);
  for (const filters of [32, 64, 128, 128]) {
    x = new layers.Conv2D(filters, 3, { activation: 'relu' }).apply(x);
    x = new layers.MaxPooling2D(2).apply(x);
  }
  x = new layers.Flatten().apply(x);
  if (augment) x = new layers.Dropout(0.5).apply(x);
  x = new layers.Dense(512, { activation: 'relu' }).apply(x);
  const outputs = new layers.Dense(1, { activation: 'sigmoid' }).apply(x);
  const model = new models.Model({ inputs, outputs });
  model.compile({
    optimizer: new optimizers.RMSprop({ learningRate: lr }),
    loss: 'binary_crossentropy',
    metrics: ['accuracy'],
  });
  return model;
}

type Fit = { history: Record<string, number[]>; epoch: number[] };
const results: { name: string; testAcc: number; seconds: number; bestValAcc: number; epochs: number }[] = [];

async function run(name: string, augment: boolean, nEpochs: number, figure: string): Promise<void> {
  console.log(`\n=== ${name} ===`);
  const t0 = performance.now();
  let history: Fit;
  let model: models.Model;
  if (augment && useGenerator) {
    // The 1st edition's way: ImageDataGenerator does the augmentation and the rescaling.
    model = buildModel(false, false);
    const gen = new preprocessing.ImageDataGenerator({
      rescale: 1 / 255,
      rotationRange: 40,
      widthShiftRange: 0.2,
      heightShiftRange: 0.2,
      shearRange: 0.2,
      zoomRange: 0.2,
      horizontalFlip: true,
      fillMode: 'nearest',
    });
    const plain = new preprocessing.ImageDataGenerator({ rescale: 1 / 255 });
    const trainGen = gen.flowFromDirectory(path.join(dataDir, 'train'), {
      targetSize: [size, size],
      batchSize,
      classMode: 'binary',
      seed,
      interpolation: 'bilinear',
    });
    const valGen = plain.flowFromDirectory(path.join(dataDir, 'validation'), {
      targetSize: [size, size],
      batchSize,
      classMode: 'binary',
      shuffle: false,
      interpolation: 'bilinear',
    });
    history = await model.fit(trainGen, {
      epochs: nEpochs,
      validationData: valGen,
      validationSteps: valGen.cardinality(),
    });
  } else {
    model = buildModel(augment, true);
    if (!augment) model.summary();
    history = await model.fit(train, { epochs: nEpochs, validationData: validation });
  }
  const seconds = (performance.now() - t0) / 1000;
  await vis.plotHistory(history, path.join(outDir, figure));
  let testAcc: number;
  if (augment && useGenerator) {
    const testGen = new preprocessing.ImageDataGenerator({ rescale: 1 / 255 }).flowFromDirectory(
      path.join(dataDir, 'test'),
      { targetSize: [size, size], batchSize, classMode: 'binary', shuffle: false, interpolation: 'bilinear' },
    );
    testAcc = (await model.evaluate<number[]>(testGen, { steps: testGen.cardinality() }))[1];
  } else {
    testAcc = (await model.evaluate<number[]>(test))[1];
  }
  const valAcc = history.history.val_accuracy ?? [];
  results.push({ name, testAcc, seconds, bestValAcc: Math.max(...valAcc), epochs: nEpochs });
  console.log(
    `${name}: test accuracy ${testAcc.toFixed(4)}; training ${seconds.toFixed(1)} s; curves in ${path.join(outDir, figure)}`,
  );
}

const tAll = performance.now();
await run('without augmentation', false, epochs, 'curves_no_augmentation.png');
await run(
  useGenerator ? 'with ImageDataGenerator augmentation' : 'with augmentation and dropout',
  true,
  augEpochs,
  'curves_augmentation.png',
);
console.log('\nsummary');
for (const r of results) {
  console.log(
    `  ${r.name.padEnd(40)} ${r.epochs} epochs  best val_accuracy ${r.bestValAcc.toFixed(4)}  test accuracy ${r.testAcc.toFixed(4)}  ${r.seconds.toFixed(0)} s`,
  );
}
console.log(`total time ${((performance.now() - tAll) / 1000).toFixed(0)} s`);
