// What the commands share about a model on disk: loading it, the class names kept beside it
// (`model.keras` + `model.classes.json`), the format a path names, and turning image files into
// the batch the model's own input expects (its size and colour channels; its preprocessing lives
// inside the model, e.g. a Rescaling layer, so nothing is applied here unless --rescale says so).
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { atomicWriteFileSync } from '../io/atomic.js';
// Through the package entry, which registers every layer and model class a file may name.
import { models } from '../index.js';
import type { Model } from '../models/model.js';
import { Tensor } from '../tensor/tensor.js';
import { imgToArray, loadImg } from '../utils/image.js';
import type { ColorMode } from '../utils/image.js';
import { allLayers } from '../vis/common.js';
import { CommandFailure, UsageError } from './args.js';

export type ModelFormat = 'keras' | 'h5' | 'tfjs';

export const FORMAT_NAMES: Record<ModelFormat, string> = {
  keras: 'Keras 3 archive',
  h5: 'Keras HDF5 model',
  tfjs: 'TensorFlow.js layers model',
};

/**
 * The format a path to write names: `.keras`, `.h5`/`.hdf5`, or TF.js for `*.json`, `tfjs://dir`,
 * an existing folder or a name without extension (a folder to create). Null for anything else.
 */
export function formatOfTarget(p: string): ModelFormat | null {
  if (p.endsWith('.weights.h5')) return null;
  if (p.endsWith('.keras')) return 'keras';
  if (p.endsWith('.h5') || p.endsWith('.hdf5')) return 'h5';
  if (p.startsWith('tfjs://') || p.endsWith('.json')) return 'tfjs';
  if (existsSync(p) && statSync(p).isDirectory()) return 'tfjs';
  if (path.extname(p) === '') return 'tfjs';
  return null;
}

/** The path saveModel takes for a target of that format (a TF.js folder becomes 'tfjs://folder'). */
export function saveTarget(p: string, format: ModelFormat): string {
  if (format !== 'tfjs' || p.startsWith('tfjs://') || p.endsWith('.json')) return p;
  return `tfjs://${p}`;
}

/**
 * A file kept beside a model: the model file's name with its extension replaced by `suffix`
 * (model.keras -> model.classes.json; web/model.json -> web/model.classes.json; a TF.js folder ->
 * folder/model.classes.json).
 */
export function besideModel(modelPath: string, suffix: string): string {
  let p = modelPath.startsWith('tfjs://') ? modelPath.slice('tfjs://'.length) : modelPath;
  if (!p.endsWith('.json') && (path.extname(p) === '' || (existsSync(p) && statSync(p).isDirectory()))) {
    p = path.join(p, 'model.json');
  }
  const ext = p.endsWith('.weights.h5') ? '.weights.h5' : path.extname(p);
  return p.slice(0, p.length - ext.length) + suffix;
}

/** The class-name file of a model (NAME.classes.json). */
export function classesFileFor(modelPath: string): string {
  return besideModel(modelPath, '.classes.json');
}

/** The class names saved beside a model, or null when there is no such file. */
export function readClassNames(modelPath: string): string[] | null {
  const file = classesFileFor(modelPath);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CommandFailure(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const names: unknown =
    parsed !== null && typeof parsed === 'object' && 'classNames' in parsed ? parsed.classNames : undefined;
  const list: unknown[] = Array.isArray(names) ? names : [];
  const strings = list.filter((n): n is string => typeof n === 'string');
  if (strings.length === 0 || strings.length !== list.length) {
    throw new CommandFailure(`${file}: expected {"classNames": ["...", ...]}, a non-empty list of strings`);
  }
  return strings;
}

/** Writes the class names beside a model (atomically); returns the file. */
export function writeClassNames(modelPath: string, classNames: readonly string[]): string {
  const file = classesFileFor(modelPath);
  atomicWriteFileSync(file, JSON.stringify({ classNames }, null, 2) + '\n');
  return file;
}

/** Loads a model file (the library's errors say what is wrong with it). */
export async function openModel(file: string, warn: (line: string) => void, compile = true): Promise<Model> {
  return models.loadModel(file, { compile, warn });
}

/** What the model's (single) image input is: [height, width] (null when free) and channels. */
export interface ImageInput {
  height: number | null;
  width: number | null;
  channels: number;
  colorMode: ColorMode;
}

export function imageInput(model: Model, file: string): ImageInput {
  if (model.inputs.length !== 1) {
    throw new CommandFailure(`${file}: the model has ${model.inputs.length} inputs; expected one image input`);
  }
  const shape = model.inputs[0].shape;
  if (shape.length !== 4) {
    throw new CommandFailure(
      `${file}: the model's input has shape (${shape.map((d) => d ?? 'None').join(', ')}); ` +
        'expected images (batch, height, width, channels)',
    );
  }
  const channels = shape[3];
  const colorMode: ColorMode | null =
    channels === 1 ? 'grayscale' : channels === 3 ? 'rgb' : channels === 4 ? 'rgba' : null;
  if (channels === null || colorMode === null) {
    throw new CommandFailure(`${file}: the model's input has ${channels ?? 'None'} channels; expected 1, 3 or 4`);
  }
  return { height: shape[1], width: shape[2], channels, colorMode };
}

/** The name `convkit train --base` gives the layer that does Keras's 'caffe' preprocessing. */
export const CAFFE_PREPROCESS_LAYER = 'imagenet_caffe_preprocess';

/** Whether the model carries its own input scaling (a Rescaling or Normalization layer, or ours). */
export function hasOwnPreprocessing(model: Model): boolean {
  return allLayers(model).some(
    (l) => l.className === 'Rescaling' || l.className === 'Normalization' || l.name === CAFFE_PREPROCESS_LAYER,
  );
}

/** Checks that every image file exists and is a file (before a model is loaded or run). */
export function checkImageFiles(files: readonly string[]): void {
  for (const f of files) {
    if (!existsSync(f)) throw new CommandFailure(`${f}: no such file`);
    if (!statSync(f).isFile())
      throw new CommandFailure(`${f}: not a file; expected an image (JPEG, PNG, BMP, GIF, WebP)`);
  }
}

/**
 * Image files as one batch at the model's input size (bilinear, as imageDatasetFromDirectory
 * resizes for training), pixel values 0..255 times `rescale`. Models whose input size is free
 * get each image at its own size, so then only one file may be given at a time.
 */
export async function loadImagesFor(input: ImageInput, files: readonly string[], rescale = 1): Promise<Tensor> {
  const targetSize: [number, number] | null =
    input.height !== null && input.width !== null ? [input.height, input.width] : null;
  const arrays: Tensor[] = [];
  for (const f of files) {
    const img = await loadImg(f, { colorMode: input.colorMode, targetSize, interpolation: 'bilinear' });
    arrays.push(imgToArray(img));
  }
  const [h, w, c] = arrays[0].shape;
  if (arrays.some((a) => a.shape[0] !== h || a.shape[1] !== w)) {
    throw new UsageError(
      "the model's input size is not fixed and the images differ in size; give the images one at a time",
    );
  }
  const data = new Float32Array(arrays.length * h * w * c);
  arrays.forEach((a, i) => {
    const src = a.data;
    const off = i * h * w * c;
    for (let k = 0; k < src.length; k++) data[off + k] = src[k] * rescale;
  });
  return new Tensor(data, [arrays.length, h, w, c]);
}

/** The hint printed when a model has no scaling of its own and none was asked for. */
export function rescaleNote(model: Model, rescaleGiven: boolean): string | null {
  if (rescaleGiven || hasOwnPreprocessing(model)) return null;
  return (
    `note: model '${model.name}' has no Rescaling layer, so it gets pixel values 0..255; ` +
    'if it was trained on values 0..1, add --rescale 1/255'
  );
}

/** Per-image class probabilities [n][classes], a single sigmoid unit read as [1 - p, p]. */
export function classScores(preds: Tensor): number[][] {
  const [n, k] = preds.shape.length === 1 ? [preds.shape[0], 1] : [preds.shape[0], preds.shape[1]];
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      const p = preds.data[i];
      out.push([1 - p, p]);
    } else {
      out.push(Array.from(preds.data.subarray(i * k, (i + 1) * k)));
    }
  }
  return out;
}

/** The class names for a model with `count` outputs: from its classes file, else '0', '1', .... */
export function classNamesFor(modelPath: string, count: number): string[] {
  const names = readClassNames(modelPath);
  if (names === null) return Array.from({ length: count }, (_, i) => String(i));
  if (names.length !== count) {
    throw new CommandFailure(
      `${classesFileFor(modelPath)}: lists ${names.length} classes but the model has ${count} outputs`,
    );
  }
  return names;
}

/** The training history kept beside a model (NAME.history.json), as `convkit train` writes it. */
export function historyFileFor(modelPath: string): string {
  return besideModel(modelPath, '.history.json');
}

/** Writes a fit history (metric name to one value per epoch) beside the model, atomically; returns the file. */
export function writeHistory(modelPath: string, history: Record<string, number[]>, epoch: readonly number[]): string {
  const file = historyFileFor(modelPath);
  atomicWriteFileSync(file, JSON.stringify({ epoch, history }) + '\n');
  return file;
}

/**
 * A history file: `{"history": {"loss": [...], ...}}` as `convkit train` writes it, or the bare
 * record `{"loss": [...], ...}` (Keras's `history.history` dumped with json.dump).
 */
export function readHistory(file: string): Record<string, number[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CommandFailure(`${file}: no such file`);
    throw new CommandFailure(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const rec: unknown = parsed !== null && typeof parsed === 'object' && 'history' in parsed ? parsed.history : parsed;
  const entries = rec !== null && typeof rec === 'object' && !Array.isArray(rec) ? Object.entries(rec) : [];
  const out: Record<string, number[]> = {};
  for (const [k, v] of entries) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'number')) out[k] = v;
    else out[k] = [];
  }
  const ok = entries.length > 0 && entries.every(([k]) => out[k].length > 0);
  if (!ok) {
    throw new CommandFailure(
      `${file}: expected a training history, {"history": {"loss": [numbers per epoch], ...}} or {"loss": [...], ...}`,
    );
  }
  return out;
}
