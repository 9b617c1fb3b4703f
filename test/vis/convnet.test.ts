// What a convnet sees, against the book's Keras code run on the same model file and images
// (fixtures/keras/make_fixtures.py): activations, input gradients and the first steps of filter
// ascent, Grad-CAM heatmaps and the overlay; plus the pictures and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../src/layers/index.js';
import { loadModel } from '../../src/io/index.js';
import { loadNpy } from '../../src/utils/npy.js';
import { gradients } from '../../src/autograd/tape.js';
import { Model } from '../../src/models/model.js';
import { Sequential } from '../../src/models/sequential.js';
import * as L from '../../src/layers/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError, ValueError } from '../../src/errors.js';
import * as vis from '../../src/vis/index.js';
import { colormap } from '../../src/vis/colormaps.js';
import { loadImg, imgToArray } from '../../src/utils/image.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'keras');
const fx = (name: string) => loadNpy(path.join(dir, name));
const quiet = { warn: () => {} };

function assertRel(got: Tensor, want: Tensor, what: string, rel = 1e-4): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  let scale = 0;
  for (const v of want.data) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.size; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    assert.ok(
      d <= rel * Math.max(Math.abs(want.data[i]), scale * 1e-2, 1e-6),
      `${what}[${i}]: ${got.data[i]} vs ${want.data[i]}`,
    );
  }
}

async function small(): Promise<Model> {
  return loadModel(path.join(dir, 'small.keras'), quiet);
}

test("activations equal Keras's for every layer of the model file", async () => {
  const model = await small();
  const img = await fx('img.npy');
  const acts = vis.activations(model, img, { layers: 5 });
  assert.deepEqual(
    acts.map((a) => a.name),
    ['conv2d', 'max_pooling2d', 'conv2d_1', 'flatten', 'dense'],
  );
  for (const a of acts) assertRel(a.value, await fx(`act_${a.name}.npy`), a.name);
  // the book's activation model
  const am = vis.activationModel(model, 3);
  const outs: Tensor[] = am.predict(img, { verbose: 0 });
  assertRel(outs[2], await fx('act_conv2d_1.npy'), 'activation model');
});

test("input gradients and the first filter-ascent steps equal Keras's (second edition)", async () => {
  const model = await small();
  const start = await fx('filter_start.npy');
  const fe = new Model({ inputs: model.input, outputs: model.getLayer('conv2d_1').output });
  const x = new Tensor(Float32Array.from(start.data), start.shape);
  x.requiresGrad = true;
  const loss = (fe.applyEager(x) as Tensor).index(null, null, null, 2).mean();
  assertRel(gradients(loss, [x])[0], await fx('filter_grad0.npy'), 'input gradient');
  const p = vis.filterPattern(model, 'conv2d_1', 2, { start, steps: 3 });
  assertRel(p.raw, await fx('filter_step3.npy'), 'three steps');
  assert.deepEqual(p.image.shape, [6, 6, 3], 'the 25-pixel crop is limited to a quarter of the side');
  assert.ok(p.losses[2] > p.losses[0], 'the ascent raises the activation');
  const first = vis.filterPattern(model, 'conv2d', 1, { recipe: 'first', steps: 5 });
  assert.equal(first.losses.length, 5);
  assert.ok(first.image.data.every((v) => v >= 0 && v <= 255 && Number.isInteger(v)));
});

test("Grad-CAM heatmaps equal the book's, and the overlay is what the book computes", async () => {
  const model = await small();
  const img = await fx('img.npy');
  const want = await fx('gradcam.npy');
  const { classes } = JSON.parse(readFileSync(path.join(dir, 'gradcam.json'), 'utf8')) as { classes: number[] };
  const cam = vis.gradCam(model, img);
  assert.equal(cam.layerName, 'conv2d_1', 'the last convolution by default');
  assert.deepEqual(cam.classIndex, classes);
  assertRel(cam.heatmaps, want, 'heatmaps');
  const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-vis-'));
  try {
    const pic = new Tensor(
      img.data.slice(0, 12 * 12 * 3).map((v) => v * 255),
      [12, 12, 3],
    );
    const out = await vis.saveHeatmapOverlay(pic, cam.heatmaps.index(0), path.join(tmp, 'cam.png'));
    const ref = await fx('overlay.npy');
    let worst = 0;
    for (let i = 0; i < ref.size; i++) worst = Math.max(worst, Math.abs(out.data[i] - ref.data[i]));
    // The bicubic resize of 3x3 to 12x12 is the only step not bit-exact with PIL's.
    assert.ok(worst <= 6, `overlay differs by up to ${worst} levels`);
    const back = imgToArray(await loadImg(path.join(tmp, 'cam.png')));
    assert.deepEqual(Array.from(back.data), Array.from(out.data));
    const pp = vis.gradCamPlusPlus(model, img, { classIndex: [1, 2] });
    assert.deepEqual(pp.classIndex, [1, 2]);
    assert.ok(pp.heatmaps.data.every((v) => v >= 0 && v <= 1 && !Number.isNaN(v)));
    for (const method of ['vanilla', 'smoothgrad'] as const) {
      const s = vis.saliency(model, img, { method, samples: 4 });
      assert.deepEqual(s.maps.shape, [2, 12, 12]);
      assert.ok(s.maps.data.some((v) => v === 1) && s.maps.data.every((v) => v >= 0 && v <= 1), method);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('an all-zero map is returned as zeros with a warning, never NaN', () => {
  const inp = L.Input({ shape: [6, 6, 1] });
  const conv = new L.Conv2D(2, 3, {
    activation: 'relu',
    biasInitializer: 'zeros',
    kernelInitializer: 'zeros',
    name: 'dead',
  });
  const out = new L.Dense(2, { activation: 'softmax' }).apply(new L.Flatten().apply(conv.apply(inp)));
  const m = new Model({ inputs: inp, outputs: out });
  const warns: string[] = [];
  const orig = console.warn;
  console.warn = (s: string) => {
    warns.push(s);
  };
  try {
    const cam = vis.gradCam(m, new Tensor(new Float32Array(36).fill(1), [1, 6, 6, 1]));
    assert.ok(cam.heatmaps.data.every((v) => v === 0));
    assert.deepEqual(cam.zeroMaps, [0]);
  } finally {
    console.warn = orig;
  }
  assert.match(warns.join('\n'), /all zeros/);
});

test('Grad-CAM finds the last convolution inside a nested base', () => {
  const binp = L.Input({ shape: [10, 10, 3] });
  const c1 = new L.Conv2D(4, 3, { activation: 'relu', name: 'block1_conv1' }).apply(binp);
  const c2 = new L.Conv2D(4, 3, { activation: 'relu', name: 'block1_conv2' }).apply(c1);
  const base = new Model({ inputs: binp, outputs: c2, name: 'base' });
  const model = new Sequential([base, new L.Flatten(), new L.Dense(3, { activation: 'softmax' })]);
  const x = new Tensor(
    Float32Array.from({ length: 2 * 300 }, (_, i) => Math.sin(i)),
    [2, 10, 10, 3],
  );
  const cam = vis.gradCam(model, x, { logits: true });
  assert.equal(cam.layerName, 'block1_conv2');
  assert.deepEqual(cam.heatmaps.shape, [2, 6, 6]);
  const named = vis.gradCam(model, x, { layerName: 'block1_conv1', classIndex: 2 });
  assert.deepEqual(named.heatmaps.shape, [2, 8, 8]);
});

test('errors name the argument, expected versus given', async () => {
  const model = await small();
  const img = await fx('img.npy');
  assert.throws(
    () => vis.gradCam(model, img, { layerName: 'conv2d_2' }),
    (e: Error) =>
      e instanceof ValueError &&
      /layerName 'conv2d_2'.*did you mean 'conv2d_1'\?.*conv2d, max_pooling2d/.test(e.message),
  );
  assert.throws(
    () => vis.gradCam(model, img, { layerName: 'dense' }),
    /'dense' \(Dense\) has output shape \[None,3\], expected a spatial.*with one: conv2d, max_pooling2d, conv2d_1/,
  );
  assert.throws(
    () => vis.gradCam(model, img, { classIndex: 3 }),
    /classIndex 3 is out of range: the model has 3 classes \(0\.\.2\)/,
  );
  assert.throws(
    () => vis.gradCam(model, new Tensor(new Float32Array(12 * 12), [1, 12, 12, 1])),
    (e: Error) =>
      e instanceof ShapeError &&
      /images has shape \(1, 12, 12, 1\) but model 'small' expects \(None, 12, 12, 3\)/.test(e.message),
  );
  assert.throws(() => vis.gradCam(model, img.index(0)), /add the batch axis with \.expandDims\(0\)/);
  assert.throws(
    () => vis.filterPattern(model, 'conv2d_1', 6),
    /filterIndex 6 is out of range: layer 'conv2d_1' has 6 filters \(0\.\.5\)/,
  );
});

test('pictures: activation grids in viridis with the layer name, filter grids, colormaps', async () => {
  const jet = colormap('jet');
  assert.deepEqual(Array.from(jet.slice(0, 3)), [0, 0, 0.5]);
  assert.ok(Math.abs(jet[255 * 3] - 0.5) < 1e-6 && jet[255 * 3 + 1] === 0 && jet[255 * 3 + 2] === 0);
  const vir = colormap('viridis');
  assert.deepEqual(
    Array.from(vir.slice(0, 3)).map((v) => Math.round(v * 255)),
    [0x44, 0x01, 0x54],
  );
  const model = await small();
  const img = await fx('img.npy');
  const tmp = mkdtempSync(path.join(tmpdir(), 'convkit-vis-'));
  try {
    const res = await vis.plotActivations(model, img, { layers: 4, imagesPerRow: 2, dir: tmp });
    assert.deepEqual(
      res.map((r) => r.file && path.basename(r.file)),
      ['01_conv2d.png', '02_max_pooling2d.png', '03_conv2d_1.png', null],
    );
    for (const r of res) if (r.file) assert.ok(existsSync(r.file));
    const grid = vis.activationGrid(res[0].value.index(0), 2);
    assert.deepEqual([grid.width, grid.height], [21, 21]);
    assert.ok(grid.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
    const f = await vis.plotFilterPatterns(model, 'conv2d', { filters: 4, steps: 2, file: path.join(tmp, 'f.png') });
    assert.equal(f.patterns.length, 4);
    assert.ok(existsSync(f.file));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
