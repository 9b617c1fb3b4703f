// Model files, images, data pipelines and pictures refuse options they do not know (a misspelling
// names the close option, Keras's snake_case the camelCase one) and numbers given as strings, as
// fit and the layers do: an untyped caller's `{ by_name: true }` must not load weights by position.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { data, layers, models, preprocessing, utils, vis } from '../src/index.js';
import { loadModel } from '../src/io/index.js';
import { tensor } from '../src/tensor/index.js';

const untyped = (v: unknown): never => v as never;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'convkit-options-io-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function tiny(): models.Sequential {
  return new models.Sequential([new layers.Dense(2, { inputShape: [3] })]);
}

test('loadModel, save, saveWeights and loadWeights refuse unknown options', async () => {
  const m = tiny();
  const file = path.join(tmp, 'm.keras');
  await m.save(file);
  await assert.rejects(
    loadModel(file, untyped({ custom_objects: {} })),
    /loadModel: unknown option 'custom_objects'; the options are compile, warn/,
  );
  await assert.rejects(
    loadModel(file, untyped({ compil: false })),
    /loadModel: unknown option 'compil' \(did you mean 'compile'\?\)/,
  );
  await assert.rejects(
    loadModel(file, untyped({ compile: 'false' })),
    /loadModel compile: expected true or false, got the string 'false'/,
  );
  await assert.rejects(
    m.loadWeights(file, untyped({ by_name: true })),
    /loadWeights: unknown option 'by_name'; use byName/,
  );
  await assert.rejects(m.loadWeights(file, untyped({ skipMismatches: true })), /did you mean 'skipMismatch'/);
  await assert.rejects(
    m.loadWeights(file, untyped({ byName: 1 })),
    /loadWeights byName: expected true or false, got 1/,
  );
  await assert.rejects(
    m.save(file, untyped({ save_format: 'h5' })),
    /save: unknown option 'save_format'; the options are overwrite/,
  );
  await assert.rejects(
    m.saveWeights(path.join(tmp, 'w.weights.h5'), untyped({ overwite: true })),
    /saveWeights: unknown option 'overwite' \(did you mean 'overwrite'\?\)/,
  );
  await assert.rejects(m.save(untyped(42)), /save: expected a file path, got 42/);
  await assert.rejects(m.loadWeights(untyped(null)), /loadWeights: expected a file path, got null/);
  // overwrite: false leaves an existing file alone; true (the default) replaces it.
  await assert.rejects(m.save(file, { overwrite: false }), /save: '.*m\.keras' exists and overwrite is false/);
  await m.save(file, { overwrite: true });
  await m.save(path.join(tmp, 'new.keras'), { overwrite: false });
  assert.equal((await loadModel(file, { compile: false })).layers.length, 1);
});

test('summary refuses unknown options and non-numbers', () => {
  const m = tiny();
  assert.throws(() => m.summary(untyped({ line_length: 80 })), /summary: unknown option 'line_length'; use lineLength/);
  assert.throws(
    () => m.summary(untyped({ printfn: () => {} })),
    /summary: unknown option 'printfn' \(did you mean 'printFn'\?\)/,
  );
  assert.throws(
    () => m.summary(untyped({ lineLength: '80' })),
    /summary lineLength: expected a positive integer, got the string '80'/,
  );
  assert.throws(() => m.summary(untyped({ printFn: 'console' })), /summary printFn: expected a function/);
  const lines: string[] = [];
  m.summary({ printFn: (l) => lines.push(l), lineLength: 70 });
  assert.ok(lines.length > 3);
});

test('ImageDataGenerator.flow refuses unknown options, strings for numbers and options in place of y', () => {
  const g = new preprocessing.ImageDataGenerator();
  const x = tensor(new Float32Array(4 * 2 * 2 * 1), [4, 2, 2, 1]);
  const y = tensor([0, 1, 0, 1]);
  assert.throws(
    () => g.flow(x, y, untyped({ batch_size: 2 })),
    /ImageDataGenerator\.flow: unknown option 'batch_size'; use batchSize/,
  );
  assert.throws(() => g.flow(x, y, untyped({ shufle: false })), /did you mean 'shuffle'/);
  assert.throws(
    () => g.flow(x, y, untyped({ batchSize: '2' })),
    /batchSize must be a positive integer, got the string '2'/,
  );
  assert.throws(() => g.flow(x, y, untyped({ seed: '1' })), /seed must be a finite number, got the string '1'/);
  assert.throws(
    () => g.flow(x, y, untyped({ shuffle: 'no' })),
    /flow shuffle: expected true or false, got the string 'no'/,
  );
  assert.throws(
    () => g.flow(x, y, untyped({ saveFormat: 'gif' })),
    /saveFormat: expected one of 'png', 'jpeg', 'jpg', 'bmp', 'webp', got the string 'gif'/,
  );
  assert.throws(
    () => g.flow(x, untyped({ batchSize: 2 })),
    /flow: y must be a Tensor or null, got an object \(Object\); without labels, write flow\(x, null, \{ \.\.\.options \}\)/,
  );
  assert.equal(g.flow(x, y, { batchSize: 2 }).cardinality(), 2);
});

test('ImageDataGenerator.flowFromDirectory refuses unknown options and a folder that is not a path', () => {
  const dir = path.join(tmp, 'imgs');
  mkdirSync(path.join(dir, 'a'), { recursive: true });
  const g = new preprocessing.ImageDataGenerator();
  const where = /ImageDataGenerator\.flowFromDirectory/;
  assert.throws(
    () => g.flowFromDirectory(dir, untyped({ target_size: [4, 4] })),
    /flowFromDirectory: unknown option 'target_size'; use targetSize/,
  );
  assert.throws(() => g.flowFromDirectory(dir, untyped({ classmode: 'binary' })), /did you mean 'classMode'/);
  assert.throws(
    () => g.flowFromDirectory(dir, untyped({ targetSize: ['4', 4] })),
    /targetSize must be \[height, width\] of positive integers, got \["4",4\]/,
  );
  assert.throws(
    () => g.flowFromDirectory(dir, untyped({ prefetch: '2' })),
    /prefetch: expected a positive integer, got the string '2'/,
  );
  assert.throws(
    () => g.flowFromDirectory(dir, untyped({ onBadFile: 'ignore' })),
    /onBadFile: expected one of 'error', 'skip'/,
  );
  assert.throws(
    () => g.flowFromDirectory(untyped({ directory: dir })),
    /flowFromDirectory: expected a folder path, got an object \(Object\)/,
  );
  assert.throws(() => g.flowFromDirectory(dir, untyped({ batchSize: '8' })), where);
});

test('saveImg and arrayToImg refuse unknown options and swapped arguments', async () => {
  const x = tensor(new Float32Array(4), [2, 2, 1]);
  const f = path.join(tmp, 'x.png');
  await assert.rejects(
    utils.saveImg(f, x, untyped({ file_format: 'png' })),
    /saveImg: unknown option 'file_format'; use fileFormat/,
  );
  await assert.rejects(utils.saveImg(f, x, untyped({ scal: false })), /did you mean 'scale'/);
  await assert.rejects(
    utils.saveImg(f, x, untyped({ scale: 'false' })),
    /saveImg scale: expected true or false, got the string 'false'/,
  );
  await assert.rejects(
    utils.saveImg(untyped(x), untyped(f)),
    /saveImg: expected a file path, got an object \(Tensor\) \(saveImg takes the path first/,
  );
  await assert.rejects(
    utils.saveImg(f, untyped('x.png')),
    /saveImg: expected a Tensor \[h, w, c\] or an Img, got the string 'x.png'/,
  );
  assert.throws(
    () => utils.arrayToImg(x, untyped({ data_format: 'channels_last' })),
    /arrayToImg: unknown option 'data_format'/,
  );
  await utils.saveImg(f, x, { scale: false, fileFormat: 'png' });
});

test('getFile refuses unknown options before touching the network or the cache', async () => {
  await assert.rejects(
    utils.getFile('f.txt', 'http://127.0.0.1:9/f.txt', untyped({ cache_dir: tmp })),
    /getFile: unknown option 'cache_dir'; use cacheDir/,
  );
  await assert.rejects(
    utils.getFile('f.txt', 'http://127.0.0.1:9/f.txt', untyped({ untar: true })),
    /getFile: unknown option 'untar'; the options are/,
  );
  await assert.rejects(
    utils.getFile('f.txt', 'http://127.0.0.1:9/f.txt', untyped({ cacheDir: tmp, extract: 'yes' })),
    /getFile extract: expected true or false, got the string 'yes'/,
  );
});

test('Dataset methods refuse unknown options and numbers given as strings', () => {
  const ds = data.Dataset.range(4);
  assert.throws(
    () => ds.batch(2, untyped({ drop_remainder: true })),
    /Dataset\.batch: unknown option 'drop_remainder'; use dropRemainder/,
  );
  assert.throws(
    () => ds.batch(untyped('2')),
    /Dataset\.batch batchSize: expected a positive integer, got the string '2'/,
  );
  assert.throws(
    () => ds.shuffle(4, untyped({ seeds: 1 })),
    /Dataset\.shuffle: unknown option 'seeds' \(did you mean 'seed'\?\)/,
  );
  assert.throws(() => ds.shuffle(4, untyped({ seed: '1' })), /seed must be a finite number, got the string '1'/);
  assert.throws(
    () => ds.map((v) => v, untyped({ num_parallel_calls: 2 })),
    /Dataset\.map: unknown option 'num_parallel_calls'; use numParallelCalls/,
  );
  assert.throws(() => ds.take(untyped('2')), /got the string '2'/);
  assert.equal(ds.batch(2, { dropRemainder: true }).cardinality(), 2);
});

test('toCategorical prints a numClasses given as a string as a string', () => {
  assert.throws(
    () => utils.toCategorical([0, 1], untyped('10')),
    /numClasses must be a positive integer, got the string '10'/,
  );
  assert.deepEqual(utils.toCategorical([0, 1], 3).shape, [2, 3]);
});

test('vis functions refuse unknown options', async () => {
  const input = layers.Input({ shape: [4, 4, 1] });
  const conv = new layers.Conv2D(2, 3, { padding: 'same', name: 'c' }).apply(input);
  const out = new layers.Dense(2).apply(new layers.Flatten().apply(conv));
  const m = new models.Model({ inputs: input, outputs: out });
  const images = tensor(new Float32Array(16), [1, 4, 4, 1]);
  assert.throws(
    () => vis.activations(m, images, untyped({ layer: ['c'] })),
    /activations: unknown option 'layer' \(did you mean 'layers'\?\)/,
  );
  await assert.rejects(
    vis.plotActivations(m, images, untyped({ images_per_row: 4 })),
    /plotActivations: unknown option 'images_per_row'; use imagesPerRow/,
  );
  await assert.rejects(
    vis.plotActivations(m, images, untyped({ imagesPerRow: '4' })),
    /imagesPerRow: expected a positive integer, got the string '4'/,
  );
  assert.throws(
    () => vis.gradCam(m, images, untyped({ layer_name: 'c' })),
    /gradCam: unknown option 'layer_name'; use layerName/,
  );
  assert.throws(
    () => vis.gradCamPlusPlus(m, images, untyped({ method: 'gradcam' })),
    /gradCamPlusPlus: unknown option 'method'/,
  );
  assert.throws(
    () => vis.saliency(m, images, untyped({ sample: 4 })),
    /saliency: unknown option 'sample' \(did you mean 'samples'\?\)/,
  );
  assert.throws(
    () => vis.filterPattern(m, 'c', 0, untyped({ step: 2 })),
    /filterPattern: unknown option 'step' \(did you mean 'steps'\?\)/,
  );
  await assert.rejects(
    vis.plotFilterPatterns(m, 'c', untyped({ filters: '4' })),
    /plotFilterPatterns filters: expected a positive integer, got the string '4'/,
  );
  await assert.rejects(
    vis.plotHistory({ loss: [1, 0.5] }, path.join(tmp, 'h.png'), untyped({ size: [2, 2] })),
    /plotHistory: unknown option 'size'; the options are/,
  );
  await assert.rejects(
    vis.saveHeatmapOverlay(
      tensor(new Float32Array(16 * 3), [4, 4, 3]),
      tensor(new Float32Array(16), [4, 4]),
      path.join(tmp, 'o.png'),
      untyped({ opacity: 0.4 }),
    ),
    /saveHeatmapOverlay: unknown option 'opacity'; the options are alpha, colormap/,
  );
});
