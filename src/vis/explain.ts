// Convolution and pooling explained as animations: a window slides over a grayscale image (an MNIST
// digit by default), each step shows the window's values (and the kernel's), the output cell they
// produce and the output map filling in, with the shapes written; the frames become an animated GIF
// (and, if asked, PNGs). The output shown and returned is what ops.conv2d / maxPool2d / avgPool2d
// (the ops Conv2D and the pooling layers call) compute; the window walk here only explains it.
// Drawing lives in explain_frames.ts, the GIF encoder in gif.ts.
import { open, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FileFormatError, ShapeError, ValueError } from '../errors.js';
import { conv2d, convOutputSize, type Padding } from '../ops/conv.js';
import { avgPool2d, maxPool2d } from '../ops/pool.js';
import {
  type OptionNames,
  checkChoice,
  checkNumber,
  checkOptions,
  checkPositiveInt,
  describeValue,
} from '../options.js';
import { mnistDataDir } from '../datasets/mnist.js';
import { Tensor } from '../tensor/tensor.js';
import { loadSharp } from '../data/codec.js';
import { loadImg, writeFileAtomic } from '../utils/image.js';
import { encodeGif } from './gif.js';
import { PALETTE, frameLayout, renderFrame, windowValues, type ExplainPlan, type PoolMode } from './explain_frames.js';

export { windowValues, type ExplainPlan, type PoolMode };

export type KernelPreset = 'edge' | 'blur' | 'sharpen' | 'vertical' | 'horizontal';
export const KERNEL_PRESETS: readonly KernelPreset[] = ['edge', 'blur', 'sharpen', 'vertical', 'horizontal'];

/**
 * A grayscale image: a Tensor [h, w], [h, w, 1] or [1, h, w, 1] (RGB is converted; at most 128x128),
 * an image file (loaded as grayscale / 255, shrunk to 64 pixels on its longer side if larger), or
 * undefined for an MNIST digit (/ 255).
 */
export type ExplainImage = Tensor | string | undefined;

interface AnimationOptions {
  /** Where the animated GIF is written (a .gif path). */
  file: string;
  /** Also write every frame as a PNG (frame-000.png, ...) into this folder. */
  framesDir?: string;
  /** Pixels per image pixel (default: the input fits about 340 pixels). */
  scale?: number;
  /** Frames per second of the steady part (default 10); or give `delay`. */
  fps?: number;
  /** Milliseconds per frame of the steady part (default 100); or give `fps`. */
  delay?: number;
  /**
   * Most frames in the GIF (default 100): the first steps and one row through the image are shown
   * step by step, the rest several steps a frame.
   */
  maxFrames?: number;
}

const ANIMATION_OPTIONS: OptionNames<AnimationOptions> = {
  file: true,
  framesDir: true,
  scale: true,
  fps: true,
  delay: true,
  maxFrames: true,
};

export interface ExplainConvolutionOptions extends AnimationOptions {
  /** Kernel height and width (default 3, or the size of a kernel given in `filters`). */
  kernelSize?: number | readonly [number, number];
  strides?: number | readonly [number, number];
  padding?: Padding;
  /**
   * The kernel: a preset (KERNEL_PRESETS, default 'edge'), nested arrays [kh][kw], or those as a string, rows
   * separated by ';' ('1,0,-1; 2,0,-2; 1,0,-1'), as a command line gives it.
   */
  filters?: string | readonly (readonly number[])[];
}

export interface ExplainPoolingOptions extends AnimationOptions {
  poolSize?: number | readonly [number, number];
  /** Default: poolSize, as Keras. */
  strides?: number | readonly [number, number];
  padding?: Padding;
  mode?: PoolMode;
}

export interface Explanation {
  /** The output map [outH, outW], as the layer computes it (no bias, linear). */
  output: Tensor;
  /** Frames in the GIF. */
  frames: number;
  inputShape: [number, number];
  outputShape: [number, number];
}

/** The largest image (Tensor) animated; image files larger than FILE_SIDE are shrunk to it. */
const MAX_SIDE = 128;
const FILE_SIDE = 64;

/** A 3x3 Laplacian and friends, at any size (the 3x3 forms are the textbook ones). */
export function presetKernel(name: KernelPreset, kh: number, kw: number): number[][] {
  const rows = (f: (y: number, x: number) => number) =>
    Array.from({ length: kh }, (_, y) => Array.from({ length: kw }, (_, x) => f(y, x)));
  const cy = (kh - 1) / 2;
  const cx = (kw - 1) / 2;
  const centre = (y: number, x: number) => Math.abs(y - cy) < 1 && Math.abs(x - cx) < 1;
  const nCentre = (Math.floor(cy) === cy ? 1 : 2) * (Math.floor(cx) === cx ? 1 : 2);
  switch (name) {
    case 'blur':
      return rows(() => 1 / (kh * kw));
    case 'edge':
      // with no cell outside the centre (2x2 and smaller) a checkerboard of +1 and -1 instead
      if (nCentre === kh * kw) return rows((y, x) => ((y + x) % 2 === 0 ? 1 : -1));
      return rows((y, x) => (centre(y, x) ? (kh * kw - nCentre) / nCentre : -1));
    case 'sharpen':
      if (kh === 3 && kw === 3)
        return [
          [0, -1, 0],
          [-1, 5, -1],
          [0, -1, 0],
        ];
      // elsewhere twice the identity minus the box blur: the weights still sum to 1
      return rows((y, x) => (centre(y, x) ? 2 / nCentre : 0) - 1 / (kh * kw));
    case 'vertical':
      return rows((y, x) => Math.sign(x - cx) * (kh === 3 && y === 1 ? 2 : 1));
    case 'horizontal':
      return rows((y, x) => Math.sign(y - cy) * (kw === 3 && x === 1 ? 2 : 1));
  }
}

function pair(v: unknown, name: string, fallback: [number, number]): [number, number] {
  if (v === undefined) return fallback;
  if (typeof v === 'number') {
    checkPositiveInt(v, name);
    return [v, v];
  }
  if (Array.isArray(v) && v.length === 2) {
    checkPositiveInt(v[0], name);
    checkPositiveInt(v[1], name);
    return [v[0] as number, v[1] as number];
  }
  throw new ValueError(`${name}: expected a positive integer or [height, width], got ${describeValue(v)}`);
}

function checkAnimation(o: AnimationOptions, where: string): void {
  if (typeof o.file !== 'string' || o.file === '')
    throw new ValueError(`${where}: file: expected the path of the GIF to write, got ${describeValue(o.file)}`);
  if (path.extname(o.file).toLowerCase() !== '.gif')
    throw new ValueError(`${where}: file: expected a path ending in .gif, got '${o.file}'`);
  if (o.framesDir !== undefined && (typeof o.framesDir !== 'string' || o.framesDir === ''))
    throw new ValueError(`${where}: framesDir: expected a folder path, got ${describeValue(o.framesDir)}`);
  checkPositiveInt(o.scale, `${where}: scale`);
  checkNumber(o.scale, `${where}: scale`, { min: 1, max: 32 });
  checkNumber(o.fps, `${where}: fps`, { min: 0.1, max: 50 });
  checkNumber(o.delay, `${where}: delay`, { min: 20, max: 60000 });
  if (o.fps !== undefined && o.delay !== undefined)
    throw new ValueError(`${where}: give fps or delay, not both (got fps ${o.fps} and delay ${o.delay})`);
  checkPositiveInt(o.maxFrames, `${where}: maxFrames`);
  checkNumber(o.maxFrames, `${where}: maxFrames`, { min: 3, max: 5000 });
}

/** The grayscale pixels of a Tensor [h, w], [h, w, c] or [1, h, w, c] (c = 1, or 3 converted as ITU-R 601 luma). */
function tensorPixels(t: Tensor, where: string): { data: Float32Array; h: number; w: number } {
  let s = [...t.shape];
  if (s.length === 4 && s[0] === 1) s = s.slice(1);
  if (s.length === 2) s.push(1);
  if (s.length !== 3 || (s[2] !== 1 && s[2] !== 3)) {
    throw new ShapeError(
      `${where}: image: expected a grayscale image [h, w], [h, w, 1] or [1, h, w, 1] (or RGB with 3 channels), ` +
        `got shape [${t.shape.join(', ')}]`,
    );
  }
  const [h, w, c] = s;
  const src = t.data;
  const data = new Float32Array(h * w);
  for (let p = 0; p < h * w; p++) {
    data[p] = c === 1 ? src[p] : 0.299 * src[p * 3] + 0.587 * src[p * 3 + 1] + 0.114 * src[p * 3 + 2];
    if (!Number.isFinite(data[p]))
      throw new ValueError(`${where}: image: expected finite values, got ${data[p]} at pixel ${p}`);
  }
  return { data, h, w };
}

/** The MNIST test digit shown by default: a '2' with a straight base and a curve, so every preset shows something. */
const DEFAULT_DIGIT = 1;

async function defaultDigit(where: string): Promise<Float32Array> {
  const file = path.join(mnistDataDir(), 't10k-images-idx3-ubyte');
  try {
    const fh = await open(file, 'r');
    try {
      const head = Buffer.alloc(16);
      await fh.read(head, 0, 16, 0);
      if (head.readUInt32BE(0) !== 0x803 || head.readUInt32BE(8) !== 28 || head.readUInt32BE(12) !== 28)
        throw new Error('not an IDX file of 28x28 images');
      const px = Buffer.alloc(784);
      const { bytesRead } = await fh.read(px, 0, 784, 16 + DEFAULT_DIGIT * 784);
      if (bytesRead !== 784) throw new Error('the file is truncated');
      return Float32Array.from(px, (v) => v / 255);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new FileFormatError(`${where}: cannot read the default MNIST digit from ${file} (${(e as Error).message})`);
  }
}

async function grayImage(image: unknown, where: string): Promise<{ data: Float32Array; h: number; w: number }> {
  let g: { data: Float32Array; h: number; w: number };
  if (image === undefined || image === null) g = { data: await defaultDigit(where), h: 28, w: 28 };
  else if (image instanceof Tensor) g = tensorPixels(image, where);
  else if (typeof image === 'string') {
    let img = await loadImg(image, { colorMode: 'grayscale' });
    if (Math.max(img.height, img.width) > FILE_SIDE) {
      // a photo would take thousands of steps: shrink it to a size the animation can show
      const f = FILE_SIDE / Math.max(img.height, img.width);
      const targetSize = [Math.max(1, Math.round(img.height * f)), Math.max(1, Math.round(img.width * f))] as const;
      img = await loadImg(image, { colorMode: 'grayscale', targetSize, interpolation: 'bilinear' });
    }
    g = { data: Float32Array.from(img.data, (v) => v / 255), h: img.height, w: img.width };
  } else {
    throw new ValueError(
      `${where}: image: expected a Tensor, an image file path or undefined (an MNIST digit), got ${describeValue(image)}`,
    );
  }
  if (g.h > MAX_SIDE || g.w > MAX_SIDE) {
    throw new ShapeError(
      `${where}: image: at most ${MAX_SIDE}x${MAX_SIDE} pixels can be animated, got ${g.h}x${g.w}; resize it first`,
    );
  }
  return g;
}

function geometry(
  h: number,
  w: number,
  [kh, kw]: [number, number],
  [sh, sw]: [number, number],
  padding: Padding,
  what: string,
  where: string,
) {
  const y = convOutputSize(h, kh, sh, 1, padding);
  const x = convOutputSize(w, kw, sw, 1, padding);
  if (y.out <= 0 || x.out <= 0) {
    throw new ShapeError(
      `${where}: ${what}: a ${kh}x${kw} window does not fit the ${h}x${w} image with padding 'valid' ` +
        `(expected at most ${h}x${w}); use padding 'same' or a smaller window`,
    );
  }
  const total = (n: number, o: number, k: number, s: number) =>
    padding === 'same' ? Math.max((o - 1) * s + k - n, 0) : 0;
  const th = total(h, y.out, kh, sh);
  const tw = total(w, x.out, kw, sw);
  return {
    oh: y.out,
    ow: x.out,
    padTop: y.padBefore,
    padLeft: x.padBefore,
    padBottom: th - y.padBefore,
    padRight: tw - x.padBefore,
  };
}

/** The kernel of `filters` (a preset or nested arrays), checked against kernelSize. */
function kernelOf(
  filters: unknown,
  size: [number, number] | null,
  where: string,
): { kernel: number[][]; name: string } {
  if (typeof filters === 'string' && /^[\s\d.,;eE+-]+$/.test(filters)) {
    // the command line's form of a kernel: rows separated by ';', values by ',' or spaces
    const parsed = filters.split(';').map((r) =>
      r
        .trim()
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number),
    );
    if (parsed.some((r) => r.length === 0 || r.some((v) => !Number.isFinite(v)))) {
      throw new ValueError(
        `${where}: filters: expected a kernel as rows of numbers separated by ';', got '${filters}'`,
      );
    }
    return kernelOf(parsed, size, where);
  }
  if (filters === undefined || typeof filters === 'string') {
    if (typeof filters === 'string' && !(KERNEL_PRESETS as readonly string[]).includes(filters)) {
      const choices = KERNEL_PRESETS.map((p) => `'${p}'`).join(', ');
      throw new ValueError(
        `${where}: filters: expected one of ${choices} or a kernel such as '1,0,-1; 2,0,-2; 1,0,-1', got '${filters}'`,
      );
    }
    const name = (filters ?? 'edge') as KernelPreset;
    const [kh, kw] = size ?? [3, 3];
    const kernel = presetKernel(name, kh, kw);
    if (kernel.flat().every((v) => v === 0)) {
      throw new ValueError(
        `${where}: filters: the '${name}' preset is all zeros at kernelSize ${kh}x${kw}; ` +
          `give a kernel at least 2 ${name === 'horizontal' ? 'high' : 'wide'} or a kernel of your own`,
      );
    }
    return { kernel, name: `'${name}'` };
  }
  const rows: readonly unknown[] = Array.isArray(filters) ? filters : [];
  const kw = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : 0;
  const ok =
    rows.length > 0 &&
    kw > 0 &&
    rows.every(
      (r) => Array.isArray(r) && r.length === kw && r.every((v) => typeof v === 'number' && Number.isFinite(v)),
    );
  if (!ok) {
    throw new ValueError(
      `${where}: filters: expected a preset (${KERNEL_PRESETS.map((p) => `'${p}'`).join(', ')}) or a kernel as ` +
        `nested arrays [kh][kw] of finite numbers with rows of equal length, got ${describeValue(filters)}`,
    );
  }
  const kernel = rows.map((r) => [...(r as number[])]);
  if (size && (size[0] !== kernel.length || size[1] !== kw)) {
    throw new ValueError(
      `${where}: filters is a ${kernel.length}x${kw} kernel but kernelSize is ${size[0]}x${size[1]}; ` +
        `give a kernel of that size or leave kernelSize out`,
    );
  }
  return { kernel, name: '' };
}

/** What explainConvolution animates, without drawing: the geometry, the kernel and the op's output. */
export async function convolutionPlan(image: ExplainImage, options: unknown, animation = false): Promise<ExplainPlan> {
  const where = 'explainConvolution';
  const o = checkOptions<ExplainConvolutionOptions>(
    options,
    {
      kernelSize: true,
      strides: true,
      padding: true,
      filters: true,
      ...ANIMATION_OPTIONS,
    },
    where,
  );
  if (animation) checkAnimation(o, where);
  checkChoice(o.padding, ['valid', 'same'], `${where}: padding`);
  const size = o.kernelSize === undefined ? null : pair(o.kernelSize, `${where}: kernelSize`, [3, 3]);
  const strides = pair(o.strides, `${where}: strides`, [1, 1]);
  const { kernel, name } = kernelOf(o.filters, size, where);
  const kh = kernel.length;
  const kw = kernel[0].length;
  const padding = o.padding ?? 'valid';
  const g = await grayImage(image, where);
  const geo = geometry(g.h, g.w, [kh, kw], strides, padding, 'kernelSize', where);
  const k = Float32Array.from(kernel.flat());
  const y = conv2d(new Tensor(g.data, [1, g.h, g.w, 1]), new Tensor(k, [kh, kw, 1, 1]), null, strides, padding);
  return {
    kind: 'conv',
    mode: 'max',
    image: g.data,
    h: g.h,
    w: g.w,
    kh,
    kw,
    sh: strides[0],
    sw: strides[1],
    padding,
    ...geo,
    kernel: k,
    kernelName: name,
    output: Float32Array.from(y.data),
  };
}

/** What explainPooling animates, without drawing. */
export async function poolingPlan(image: ExplainImage, options: unknown, animation = false): Promise<ExplainPlan> {
  const where = 'explainPooling';
  const o = checkOptions<ExplainPoolingOptions>(
    options,
    {
      poolSize: true,
      strides: true,
      padding: true,
      mode: true,
      ...ANIMATION_OPTIONS,
    },
    where,
  );
  if (animation) checkAnimation(o, where);
  checkChoice(o.padding, ['valid', 'same'], `${where}: padding`);
  checkChoice(o.mode, ['max', 'average'], `${where}: mode`);
  const pool = pair(o.poolSize, `${where}: poolSize`, [2, 2]);
  const strides = pair(o.strides, `${where}: strides`, pool);
  const padding = o.padding ?? 'valid';
  const mode = o.mode ?? 'max';
  const g = await grayImage(image, where);
  const geo = geometry(g.h, g.w, pool, strides, padding, 'poolSize', where);
  const x = new Tensor(g.data, [1, g.h, g.w, 1]);
  const y = mode === 'max' ? maxPool2d(x, pool, strides, padding) : avgPool2d(x, pool, strides, padding);
  return {
    kind: 'pool',
    mode,
    image: g.data,
    h: g.h,
    w: g.w,
    kh: pool[0],
    kw: pool[1],
    sh: strides[0],
    sw: strides[1],
    padding,
    ...geo,
    kernel: new Float32Array(0),
    kernelName: '',
    output: Float32Array.from(y.data),
  };
}

/**
 * The output value as the frame explains it, from the window alone: the sum of window x kernel with
 * zeros on the padding (conv), the largest value or the mean of the values not on the padding (pooling).
 */
export function explainedValue(plan: ExplainPlan, oy: number, ox: number): number {
  const win = windowValues(plan, oy, ox);
  if (plan.kind === 'conv') return win.reduce<number>((s, v, i) => s + (v ?? 0) * plan.kernel[i], 0);
  const vals = win.filter((v): v is number => v !== null);
  return plan.mode === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length;
}

/** A frame of the animation: the first `done` steps computed, step `current` highlighted (null: none). */
export interface FramePlan {
  done: number;
  current: number | null;
  delay: number;
}

/**
 * The output row shown step by step after the first steps: the one whose windows vary the most
 * (where the image has something to show), the middle one among equals.
 */
export function detailRow(plan: ExplainPlan): number {
  let best = 0;
  let bestScore = -1;
  const mid = (plan.oh - 1) / 2;
  for (let oy = 0; oy < plan.oh; oy++) {
    let score = 0;
    for (let ox = 0; ox < plan.ow; ox++) {
      const win = windowValues(plan, oy, ox).map((v) => v ?? 0);
      if (Math.max(...win) > Math.min(...win)) score++;
    }
    if (score > bestScore || (score === bestScore && Math.abs(oy - mid) < Math.abs(best - mid))) {
      best = oy;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Which steps each frame shows: an intro, the first steps one by one, several steps a frame up to
 * the detail row, that row one step a frame, several a frame to the end, and the result held. At
 * most `maxFrames` frames (fewer slow steps when they would not fit).
 */
export function schedule(steps: number, rowLength: number, row: number, maxFrames: number, delay: number): FramePlan[] {
  const budget = maxFrames - 2;
  const lead = Math.min(3, steps);
  let slow: [number, number][] =
    row === 0
      ? [[0, Math.min(rowLength, steps)]]
      : [
          [0, lead],
          [row * rowLength, Math.min(steps, (row + 1) * rowLength)],
        ];
  const fastParts = (sl: [number, number][]) => {
    const parts: [number, number][] = [];
    let at = 0;
    for (const [a, b] of [...sl, [steps, steps] as [number, number]]) {
      if (a > at) parts.push([at, a]);
      at = Math.max(at, b);
    }
    return parts;
  };
  const count = (sl: [number, number][]) => sl.reduce((n, [a, b]) => n + b - a, 0);
  if (count(slow) + fastParts(slow).length > budget) slow = [];
  const fast = fastParts(slow);
  const fastSteps = steps - count(slow);
  const fastFrames = budget - count(slow) - (fast.length - 1);
  const per = fastSteps > 0 ? Math.ceil(fastSteps / Math.max(1, fastFrames)) : 1;

  const frames: FramePlan[] = [{ done: 0, current: null, delay: Math.max(2500, 25 * delay) }];
  const slowAt = (s: number) => slow.some(([a, b]) => s >= a && s < b);
  for (let s = 0; s < steps;) {
    if (slowAt(s)) {
      frames.push({ done: s + 1, current: s, delay: s === 0 ? 6 * delay : s < lead ? 3 * delay : 1.5 * delay });
      s++;
      continue;
    }
    const part = fast.find(([a, b]) => s >= a && s < b) ?? [s, steps];
    const last = Math.min(s + per, part[1]) - 1;
    frames.push({ done: last + 1, current: last, delay });
    s = last + 1;
  }
  frames.push({ done: steps, current: null, delay: Math.max(4000, 40 * delay) });
  return frames;
}

async function animate(plan: ExplainPlan, o: AnimationOptions): Promise<Explanation> {
  const delay = o.delay ?? (o.fps !== undefined ? 1000 / o.fps : 100);
  const layout = frameLayout(plan, o.scale);
  const plans = schedule(plan.oh * plan.ow, plan.ow, detailRow(plan), o.maxFrames ?? 100, delay);
  const frames = plans.map((f) => ({ indices: renderFrame(plan, layout, f.done, f.current).pixels, delay: f.delay }));
  const gif = encodeGif(layout.width, layout.height, PALETTE, frames);
  await mkdir(path.dirname(path.resolve(o.file)), { recursive: true });
  await writeFileAtomic(o.file, gif);
  if (o.framesDir) {
    const sharp = await loadSharp();
    await mkdir(o.framesDir, { recursive: true });
    const digits = String(frames.length - 1).length;
    for (let i = 0; i < frames.length; i++) {
      const px = frames[i].indices;
      const rgb = new Uint8Array(px.length * 3);
      for (let p = 0; p < px.length; p++) rgb.set(PALETTE.subarray(px[p] * 3, px[p] * 3 + 3), p * 3);
      const png = await sharp(Buffer.from(rgb.buffer), {
        raw: { width: layout.width, height: layout.height, channels: 3 },
      })
        .png()
        .toBuffer();
      const name = `frame-${String(i).padStart(Math.max(3, digits), '0')}.png`;
      await writeFileAtomic(path.join(o.framesDir, name), new Uint8Array(png.buffer, png.byteOffset, png.byteLength));
    }
  }
  return {
    output: new Tensor(plan.output.slice(), [plan.oh, plan.ow]),
    frames: frames.length,
    inputShape: [plan.h, plan.w],
    outputShape: [plan.oh, plan.ow],
  };
}

/**
 * An animated GIF of a convolution (one kernel, no bias, linear, as Conv2D computes it) sliding over
 * a grayscale image; returns the output map [outH, outW] and the shapes.
 */
export async function explainConvolution(
  image: ExplainImage,
  options: ExplainConvolutionOptions,
): Promise<Explanation> {
  const plan = await convolutionPlan(image, options, true);
  return animate(plan, options);
}

/** An animated GIF of max or average pooling over a grayscale image (as MaxPooling2D / AveragePooling2D). */
export async function explainPooling(image: ExplainImage, options: ExplainPoolingOptions): Promise<Explanation> {
  const plan = await poolingPlan(image, options, true);
  return animate(plan, options);
}
