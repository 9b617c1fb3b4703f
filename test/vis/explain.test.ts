import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { layers, Tensor } from '../../src/index.js';
import {
  convolutionPlan,
  detailRow,
  explainConvolution,
  explainedValue,
  explainPooling,
  poolingPlan,
  presetKernel,
  schedule,
  windowValues,
  type ExplainPlan,
} from '../../src/vis/explain.js';
import { COLOURS, PALETTE, formatValue, frameLayout, renderFrame } from '../../src/vis/explain_frames.js';
import { IndexedCanvas } from '../../src/vis/raster.js';
import { tempDir, writeImage } from '../data/helpers.js';

/** A smooth image with structure everywhere, values 0..1. */
function testImage(h: number, w: number): Tensor {
  const d = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = (Math.sin(y * 1.3 + x * 0.7) + 1) / 2;
  return new Tensor(d, [h, w]);
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

function assertMatchesLayer(plan: ExplainPlan, layerOut: Tensor, what: string) {
  assert.deepEqual(layerOut.shape, [1, plan.oh, plan.ow, 1], what);
  for (let oy = 0; oy < plan.oh; oy++)
    for (let ox = 0; ox < plan.ow; ox++) {
      const want = layerOut.data[oy * plan.ow + ox];
      const shown = plan.output[oy * plan.ow + ox];
      assert.ok(close(shown, want), `${what}: output (${oy}, ${ox}) is ${shown}, the layer gives ${want}`);
      // the window the frame shows explains the value it writes
      const explained = explainedValue(plan, oy, ox);
      assert.ok(
        close(explained, want),
        `${what}: window (${oy}, ${ox}) explains ${explained}, the layer gives ${want}`,
      );
    }
}

test('the convolution shown equals Conv2D (that kernel, no bias, linear): valid and same, strides 1 and 2, odd sizes', async () => {
  const cases: [number, number, number | [number, number], number | [number, number], 'valid' | 'same'][] = [
    [7, 9, 3, 1, 'valid'],
    [7, 9, 3, 1, 'same'],
    [7, 9, 3, 2, 'valid'],
    [7, 9, 3, 2, 'same'],
    [8, 11, [2, 4], [2, 3], 'same'],
    [9, 6, 5, 2, 'same'],
    [5, 5, 5, 1, 'valid'],
    [28, 28, 3, 2, 'same'],
  ];
  for (const [h, w, k, s, padding] of cases) {
    const filters = Array.isArray(k) ? presetKernel('vertical', k[0], k[1]) : 'edge';
    const kernelSize = Array.isArray(k) ? undefined : k;
    const plan = await convolutionPlan(testImage(h, w), { kernelSize, strides: s, padding, filters });
    const conv = new layers.Conv2D(1, [plan.kh, plan.kw], { strides: s, padding, useBias: false });
    conv.build([null, h, w, 1]);
    conv.setWeights([new Tensor(plan.kernel, [plan.kh, plan.kw, 1, 1])]);
    const what = `${h}x${w} kernel ${plan.kh}x${plan.kw} strides ${String(s)} ${padding}`;
    assertMatchesLayer(plan, conv.apply(new Tensor(plan.image, [1, h, w, 1])), what);
  }
});

test('the pooling shown equals MaxPooling2D and AveragePooling2D: valid and same, strides 1 and 2, odd sizes', async () => {
  const cases: [number, number, number, number | undefined, 'valid' | 'same'][] = [
    [7, 9, 2, undefined, 'valid'],
    [7, 9, 2, undefined, 'same'],
    [7, 9, 3, 2, 'same'],
    [7, 9, 3, 1, 'valid'],
    [9, 5, 3, 1, 'same'],
    [28, 28, 2, undefined, 'valid'],
  ];
  for (const mode of ['max', 'average'] as const) {
    for (const [h, w, pool, strides, padding] of cases) {
      const plan = await poolingPlan(testImage(h, w), { poolSize: pool, strides, padding, mode });
      const args = { strides: strides ?? pool, padding };
      const layer = mode === 'max' ? new layers.MaxPooling2D(pool, args) : new layers.AveragePooling2D(pool, args);
      const what = `${mode} ${h}x${w} pool ${pool} strides ${strides ?? pool} ${padding}`;
      assertMatchesLayer(plan, layer.apply(new Tensor(plan.image, [1, h, w, 1])), what);
    }
  }
});

test('a kernel written as a string (the command line) is the same kernel as nested arrays', async () => {
  const img = testImage(8, 8);
  const fromString = await convolutionPlan(img, { filters: '1, 0, -1; 2 0 -2 ;1,0,-1', strides: 2 });
  const fromArrays = await convolutionPlan(img, {
    filters: presetKernel('vertical', 3, 3).map((r) => r.map((v) => -v)),
    strides: 2,
  });
  assert.deepEqual([...fromString.kernel], [1, 0, -1, 2, 0, -2, 1, 0, -1]);
  assert.deepEqual([...fromString.output], [...fromArrays.output]);
  const wide = await convolutionPlan(img, { filters: '1 -1' });
  assert.deepEqual([wide.kh, wide.kw, wide.oh, wide.ow], [1, 2, 8, 7]);
});

test('presets: the textbook 3x3 kernels, and weights that sum to 0 (edges) or 1 (blur, sharpen) at other sizes', () => {
  assert.deepEqual(presetKernel('edge', 3, 3), [
    [-1, -1, -1],
    [-1, 8, -1],
    [-1, -1, -1],
  ]);
  assert.deepEqual(presetKernel('vertical', 3, 3), [
    [-1, 0, 1],
    [-2, 0, 2],
    [-1, 0, 1],
  ]);
  assert.deepEqual(presetKernel('horizontal', 3, 3), [
    [-1, -2, -1],
    [0, 0, 0],
    [1, 2, 1],
  ]);
  assert.deepEqual(presetKernel('sharpen', 3, 3), [
    [0, -1, 0],
    [-1, 5, -1],
    [0, -1, 0],
  ]);
  const sum = (k: number[][]) => k.flat().reduce((a, b) => a + b, 0);
  for (const [kh, kw] of [
    [2, 2],
    [4, 3],
    [5, 5],
  ]) {
    for (const p of ['edge', 'vertical', 'horizontal'] as const)
      assert.ok(Math.abs(sum(presetKernel(p, kh, kw))) < 1e-9, p);
    for (const p of ['blur', 'sharpen'] as const) assert.ok(Math.abs(sum(presetKernel(p, kh, kw)) - 1) < 1e-9, p);
  }
  assert.deepEqual(presetKernel('edge', 2, 2), [
    [1, -1],
    [-1, 1],
  ]);
});

test('schedule: the first steps and the detail row one by one, the rest several a frame, at most maxFrames', () => {
  const frames = schedule(676, 26, 17, 100, 100);
  assert.ok(frames.length <= 100);
  assert.deepEqual(frames[0], { done: 0, current: null, delay: 2500 });
  assert.deepEqual(
    frames.slice(1, 4).map((f) => f.current),
    [0, 1, 2],
  );
  const shown = frames.map((f) => f.current);
  for (let s = 17 * 26; s < 18 * 26; s++) assert.ok(shown.includes(s), `step ${s} of the detail row has a frame`);
  const last = frames[frames.length - 1];
  assert.equal(last.done, 676);
  assert.equal(last.current, null);
  for (let i = 1; i < frames.length; i++) assert.ok(frames[i].done >= frames[i - 1].done, 'the output only fills in');
  const total = frames.reduce((a, f) => a + f.delay, 0);
  assert.ok(total >= 10000 && total <= 20000, `about 10-20 s, got ${total} ms`);
  // too few frames for the slow parts: everything fast, still within the limit
  const tight = schedule(676, 26, 17, 5, 100);
  assert.equal(tight.length, 5);
  assert.equal(tight[tight.length - 2].done, 676);
  assert.equal(schedule(4, 2, 0, 3, 100).length, 3);
});

test('explainConvolution on the default MNIST digit: (28, 28) -> (26, 26), a small GIF whose frames show the window and the output', async () => {
  const dir = tempDir('convkit-explain-');
  const file = path.join(dir, 'conv.gif');
  const r = await explainConvolution(undefined, { file });
  assert.deepEqual(r.inputShape, [28, 28]);
  assert.deepEqual(r.outputShape, [26, 26]);
  assert.deepEqual(r.output.shape, [26, 26]);
  assert.deepEqual(readdirSync(dir), ['conv.gif'], 'no temporary files left');
  assert.ok(statSync(file).size < 500 * 1024, `GIF is ${statSync(file).size} bytes`);

  const plan = await convolutionPlan(undefined, {});
  assert.deepEqual([...r.output.data], [...plan.output]);
  const L = frameLayout(plan);
  const steps = schedule(676, 26, detailRow(plan), 100, 100);
  assert.equal(r.frames, steps.length);

  const gif = readFileSync(file);
  const meta = await sharp(gif, { pages: -1 }).metadata();
  assert.equal(meta.pages, r.frames);
  assert.equal(meta.width, L.width);
  assert.equal(meta.pageHeight, L.height);
  assert.deepEqual(
    meta.delay,
    steps.map((f) => Math.max(20, Math.round(f.delay / 10) * 10)),
  );
  const seconds = (meta.delay ?? []).reduce((a, b) => a + b, 0) / 1000;
  assert.ok(seconds >= 10 && seconds <= 20, `lasts ${seconds} s`);

  // the frames looked at, each decoded alone (as a viewer composes it up to that frame)
  const pages = new Map<number, { data: Buffer; channels: number }>();
  const decodePage = async (page: number) => {
    const { data, info } = await sharp(gif, { page, pages: 1 }).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [L.width, L.height]);
    pages.set(page, { data, channels: info.channels });
  };
  const rgb = (page: number, x: number, y: number) => {
    const p = pages.get(page);
    assert.ok(p, `page ${page} decoded`);
    const o = (y * L.width + x) * p.channels;
    return [p.data[o], p.data[o + 1], p.data[o + 2]];
  };
  const colour = (k: number) => [...PALETTE.subarray(k * 3, k * 3 + 3)];
  const orange = colour(COLOURS.window);
  const blank = colour(COLOURS.blank);
  const cell = L.cell;
  // a frame of the detail row: the window outlined at its place on the input, the output cell too
  const page = steps.findIndex((f) => f.current !== null && f.current > 26 * 5);
  const s = steps[page].current ?? 0;
  const last = r.frames - 1;
  for (const p of [0, page, last]) await decodePage(p);
  const oy = Math.floor(s / 26);
  const ox = s % 26;
  assert.deepEqual(rgb(page, L.inX + ox * cell - 1, L.inY + oy * cell - 1), orange, 'window corner');
  assert.deepEqual(rgb(page, L.inX + (ox + 3) * cell + 1, L.inY + (oy + 3) * cell + 1), orange, 'window corner');
  assert.notDeepEqual(rgb(page, L.inX + (ox + 4) * cell + 2, L.inY + oy * cell + 2), orange, 'outside the window');
  assert.deepEqual(rgb(page, L.outX + ox * cell - 1, L.outY + oy * cell - 1), orange, 'output cell outlined');
  // computed cells coloured, the ones after the current step blank
  const inside = (x: number, y: number) => [L.outX + x * cell + cell / 2, L.outY + y * cell + cell / 2] as const;
  assert.deepEqual(rgb(page, ...inside(ox, oy + 1)), blank);
  assert.deepEqual(rgb(0, ...inside(0, 0)), blank, 'the intro frame has an empty output');
  let painted = 0;
  for (let y = 0; y < 26; y++)
    for (let x = 0; x < 26; x++) if (JSON.stringify(rgb(last, ...inside(x, y))) !== JSON.stringify(blank)) painted++;
  assert.equal(painted, 676, 'the last frame shows the whole output map');
  assert.notDeepEqual(rgb(last, L.inX + ox * cell - 1, L.inY + oy * cell - 1), orange, 'no window on the last frame');
});

/** Whether `text` is drawn (at font scale 2, in one of the text colours) on the canvas, left of `xMax`. */
function drawn(frame: IndexedCanvas, text: string, xMax = frame.width): boolean {
  for (const ink of [COLOURS.ink, COLOURS.background, COLOURS.accent, COLOURS.paddingInk]) {
    const stamp = new IndexedCanvas(text.length * 12 - 2, 14, 255);
    stamp.text(0, 0, text, ink, 2);
    const at = (i: number) => [i % stamp.width, Math.floor(i / stamp.width)] as const;
    const inkAt: (readonly [number, number])[] = [];
    const gapAt: (readonly [number, number])[] = [];
    stamp.pixels.forEach((v, i) => (v === ink ? inkAt : gapAt).push(at(i)));
    const [fx, fy] = inkAt[0];
    for (let p = 0; p < frame.pixels.length; p++) {
      if (frame.pixels[p] !== ink) continue;
      const x = (p % frame.width) - fx;
      const y = Math.floor(p / frame.width) - fy;
      if (x < 0 || y < 0 || x + stamp.width > xMax || y + stamp.height > frame.height) continue;
      const hit = ([dx, dy]: readonly [number, number]) => frame.pixels[(y + dy) * frame.width + x + dx] === ink;
      if (!gapAt.some(hit) && inkAt.every(hit)) return true;
    }
  }
  return false;
}

test('a frame writes the shapes, the step, the window values, the kernel and the output value it produces', async () => {
  const plan = await convolutionPlan(testImage(9, 9), { padding: 'same', strides: 2, filters: 'vertical' });
  assert.deepEqual([plan.oh, plan.ow], [5, 5]);
  const L = frameLayout(plan);
  const step = 7; // row 1, col 2
  const frame = renderFrame(plan, L, step + 1, step);
  assert.ok(drawn(frame, '(9, 9) -> (5, 5)'), 'shapes');
  assert.ok(!drawn(frame, '(9, 9) -> (4, 4)'), 'the search finds only what is there');
  assert.ok(drawn(frame, 'step 8 of 25'), 'step');
  assert.ok(drawn(frame, formatValue(plan.output[step])), `output value ${formatValue(plan.output[step])}`);
  // the tables are in the middle, left of the output map
  for (const v of windowValues(plan, 1, 2)) {
    if (v !== null) assert.ok(drawn(frame, formatValue(v), L.outX), `window value ${v}`);
  }
  assert.ok(drawn(frame, '-2', L.outX), 'kernel value');
  // the same padding: a blue border round the input
  assert.equal(frame.pixels[(L.inY + 1) * L.width + L.inX + 1], COLOURS.padding);
  const valid = await convolutionPlan(testImage(9, 9), {});
  const vf = renderFrame(valid, frameLayout(valid), 0, null);
  assert.notEqual(vf.pixels[(L.inY + 1) * vf.width + L.inX + 1], COLOURS.padding, "no border for 'valid'");
  assert.ok(drawn(vf, '(9, 9) -> (7, 7)'), 'valid shapes');
});

test('explainPooling: 2x2 max pooling of the digit is (28, 28) -> (14, 14), frames as PNG, average mode', async () => {
  const dir = tempDir('convkit-explain-');
  const r = await explainPooling(undefined, {
    file: path.join(dir, 'pool.gif'),
    framesDir: path.join(dir, 'png'),
    fps: 20,
    maxFrames: 12,
  });
  assert.deepEqual(
    [r.inputShape, r.outputShape],
    [
      [28, 28],
      [14, 14],
    ],
  );
  const pngs = readdirSync(path.join(dir, 'png')).sort();
  assert.equal(pngs.length, r.frames);
  assert.equal(r.frames, 12);
  assert.equal(pngs[0], 'frame-000.png');
  const png = await sharp(path.join(dir, 'png', pngs[5])).metadata();
  const gif = await sharp(path.join(dir, 'pool.gif'), { pages: -1 }).metadata();
  assert.deepEqual([png.format, png.width, png.height], ['png', gif.width, gif.pageHeight]);
  assert.equal(gif.delay?.[r.frames - 2], 50, 'fps 20 -> 50 ms frames');
  const avg = await explainPooling(testImage(26, 26), {
    file: path.join(dir, 'avg.gif'),
    mode: 'average',
    maxFrames: 20,
  });
  assert.deepEqual(avg.outputShape, [13, 13]);
  assert.equal(avg.frames, 20);
});

test('images: [h, w, 1], [1, h, w, 1], RGB converted to grey, and an image file loaded as grayscale', async () => {
  const dir = tempDir('convkit-explain-');
  const img = testImage(6, 7);
  const a = await convolutionPlan(img, {});
  const b = await convolutionPlan(img.reshape([1, 6, 7, 1]), {});
  const c = await convolutionPlan(img.reshape([6, 7, 1]), {});
  assert.deepEqual([...b.output], [...a.output]);
  assert.deepEqual([...c.output], [...a.output]);
  const rgb = new Float32Array(6 * 7 * 3);
  for (let p = 0; p < 42; p++) rgb.set([img.data[p], img.data[p], img.data[p]], p * 3);
  const d = await poolingPlan(new Tensor(rgb, [6, 7, 3]), {});
  const e = await poolingPlan(img, {});
  d.output.forEach((v, i) => assert.ok(close(v, e.output[i])));
  const px = new Uint8Array(10 * 12 * 3);
  for (let i = 0; i < px.length; i += 3) px.set([200, 100, 50], i);
  const file = path.join(dir, 'in.png');
  await writeImage(file, px, 10, 12, 3);
  const f = await poolingPlan(file, {});
  assert.deepEqual([f.h, f.w, f.oh, f.ow], [10, 12, 5, 6]);
  assert.ok(Math.abs(f.image[0] - (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255) < 0.01, `grey ${f.image[0]}`);
});

test('errors name the argument and say expected versus given', async () => {
  const dir = tempDir('convkit-explain-');
  const file = path.join(dir, 'x.gif');
  const img = testImage(4, 5);
  await assert.rejects(
    explainConvolution(img, { file, kernelSize: 5 }),
    /explainConvolution: kernelSize: a 5x5 window does not fit the 4x5 image with padding 'valid' \(expected at most 4x5\)/,
  );
  await explainConvolution(img, { file, kernelSize: 5, padding: 'same' }); // padding makes it fit
  await assert.rejects(
    explainPooling(img, { file, mode: 'min' as 'max' }),
    /explainPooling: mode: expected one of 'max', 'average', got the string 'min'/,
  );
  await assert.rejects(
    explainConvolution(img, {
      file,
      kernelSize: 3,
      filters: [
        [1, 0],
        [0, 1],
      ],
    }),
    /filters is a 2x2 kernel but kernelSize is 3x3/,
  );
  await assert.rejects(
    explainConvolution(img, { file, filters: [[1, 2], [3]] }),
    /rows of equal length, got an array of length 2/,
  );
  await assert.rejects(explainConvolution(img, { file, filters: 'emboss' }), /filters: expected one of 'edge', 'blur'/);
  await assert.rejects(
    explainConvolution(img, { file, filters: '1,2;3' }),
    /rows of equal length, got an array of length 2/,
  );
  await assert.rejects(
    explainConvolution(img, { file, filters: '1,,2;;3' }),
    /filters: expected a kernel as rows of numbers separated by ';', got '1,,2;;3'/,
  );
  await assert.rejects(
    explainConvolution(img, { file, filters: 'horizontal', kernelSize: [1, 3] }),
    /filters: the 'horizontal' preset is all zeros at kernelSize 1x3; give a kernel at least 2 high/,
  );
  await assert.rejects(
    explainConvolution(img, { file, padding: 'full' as 'same' }),
    /padding: expected one of 'valid', 'same'/,
  );
  await assert.rejects(explainConvolution(img, { file, strides: 0 }), /strides: expected a positive integer, got 0/);
  await assert.rejects(
    explainConvolution(img, { file: 'out.png' }),
    /file: expected a path ending in \.gif, got 'out\.png'/,
  );
  await assert.rejects(explainConvolution(img, { file, fps: 10, delay: 100 }), /give fps or delay, not both/);
  await assert.rejects(
    explainConvolution(img, { file, maxFrames: 2 }),
    /maxFrames: expected a number in \[3, 5000\], got 2/,
  );
  const snake = { file, kernel_size: 3 } as unknown as { file: string };
  await assert.rejects(explainConvolution(img, snake), /unknown option 'kernel_size'; use kernelSize/);
  await assert.rejects(
    explainConvolution(new Tensor(new Float32Array(24), [2, 3, 4]), { file }),
    /image: expected a grayscale image \[h, w\], \[h, w, 1\] or \[1, h, w, 1\].*got shape \[2, 3, 4\]/,
  );
  await assert.rejects(
    explainPooling(testImage(130, 20), { file }),
    /image: at most 128x128 pixels can be animated, got 130x20; resize it first/,
  );
  await assert.rejects(
    explainPooling(42 as unknown as Tensor, { file }),
    /image: expected a Tensor, an image file path/,
  );
  assert.deepEqual(readdirSync(dir), ['x.gif']);
});
