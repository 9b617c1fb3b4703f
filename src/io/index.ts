// Model files: the entry points behind models.loadModel, model.save, model.saveWeights and
// model.loadWeights. The format is chosen from the path and checked against the file's content:
//   *.keras                   Keras 3 archive (zip: config.json, metadata.json, model.weights.h5)
//   *.h5 / *.hdf5             legacy Keras HDF5 (full model or weights-only)
//   *.weights.h5              Keras 3 weights-only file
//   model.json / tfjs://dir   TensorFlow.js layers format (model.json + binary shards)
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { FileFormatError, ValueError } from '../errors.js';
import type { Model } from '../models/model.js';
import { describeKind, sniffFile } from './sniff.js';
import {
  loadKerasArchive,
  loadWeightsFromArchive,
  loadWeightsFromH5,
  saveKeras3Weights,
  saveKerasArchive,
} from './keras_archive.js';
import { loadLegacyH5Model, saveLegacyH5Model, saveLegacyH5Weights } from './legacy_h5.js';
import type { LoadModelOptions } from './serialize.js';
import { loadTfjsModel, saveTfjsModel } from './tfjs.js';
import type { LoadWeightsOptions } from './weights.js';
import { type OptionNames, checkBoolean, checkOptions, describeValue } from '../options.js';

export type { LoadModelOptions } from './serialize.js';
export type { LoadWeightsOptions } from './weights.js';
export { modelFromConfig, normaliseModelConfig } from './config.js';
export { modelEntry as modelToConfig } from './serialize.js';
export { saveKerasArchive, loadKerasArchive, saveKeras3Weights } from './keras_archive.js';
export { saveLegacyH5Model, loadLegacyH5Model, saveLegacyH5Weights } from './legacy_h5.js';
export { saveTfjsModel, loadTfjsModel } from './tfjs.js';
export { atomicWrite } from './atomic.js';

const TFJS_SCHEME = 'tfjs://';

/** Options of model.save and model.saveWeights (Keras's overwrite). */
export interface SaveOptions {
  /** Replace an existing file (default true); false refuses to touch it. */
  overwrite?: boolean;
}

const LOAD_MODEL_OPTIONS: OptionNames<LoadModelOptions> = { compile: true, warn: true };
const LOAD_WEIGHTS_OPTIONS: OptionNames<LoadWeightsOptions> = { byName: true, skipMismatch: true, warn: true };
const SAVE_OPTIONS: OptionNames<SaveOptions> = { overwrite: true };

function checkPath(filePath: unknown, where: string): asserts filePath is string {
  if (typeof filePath !== 'string' || !filePath) {
    throw new ValueError(
      `${where}: expected a file path, got ${filePath === '' ? 'an empty string' : describeValue(filePath)}`,
    );
  }
}

function checkWarn(warn: unknown, where: string): void {
  if (warn !== undefined && typeof warn !== 'function') {
    throw new ValueError(`${where} warn: expected a function (msg) => void, got ${describeValue(warn)}`);
  }
}

/** Checks save/saveWeights options; with overwrite false an existing target is refused. */
function checkSave(target: string, opts: unknown, where: string): void {
  const o = checkOptions(opts, SAVE_OPTIONS, where);
  checkBoolean(o.overwrite, `${where} overwrite`);
  if (o.overwrite === false && existsSync(target)) {
    throw new ValueError(`${where}: '${target}' exists and overwrite is false`);
  }
}

function isTfjsTarget(p: string): boolean {
  return p.startsWith(TFJS_SCHEME) || p.endsWith('.json');
}

/** The TF.js directory for 'tfjs://dir', 'dir/model.json' or a directory. */
function tfjsDir(p: string): string {
  if (p.startsWith(TFJS_SCHEME)) return p.slice(TFJS_SCHEME.length);
  if (p.endsWith('.json')) return path.dirname(p);
  return p;
}

/** A FIFO, device or socket would block or never end: only regular files are read. */
function notSpecial(filePath: string): void {
  if (!statSync(filePath).isFile()) {
    throw new FileFormatError(`${filePath}: not a regular file (a device, FIFO or socket); expected a model file`);
  }
}

/**
 * Loads a model saved by Keras or convkit: `.keras` (Keras 3 archive, also Keras 2.13–2.15),
 * `.h5`/`.hdf5` (legacy full model) or a TensorFlow.js `model.json` (or 'tfjs://dir', or a
 * directory holding model.json). With `compile` (default true) the saved compile settings
 * and optimizer state are restored.
 */
export async function loadModel(filePath: string, opts: LoadModelOptions = {}): Promise<Model> {
  checkPath(filePath, 'loadModel');
  opts = checkOptions(opts, LOAD_MODEL_OPTIONS, 'loadModel');
  checkBoolean(opts.compile, 'loadModel compile');
  checkWarn(opts.warn, 'loadModel');
  if (filePath.startsWith(TFJS_SCHEME)) return loadTfjsModel(path.join(tfjsDir(filePath), 'model.json'), opts);
  if (!existsSync(filePath)) throw new FileFormatError(`${filePath}: no such file`);
  if (statSync(filePath).isDirectory()) {
    const mj = path.join(filePath, 'model.json');
    if (existsSync(mj)) return loadTfjsModel(mj, opts);
    throw new FileFormatError(
      `${filePath}: is a directory without model.json (expected a .keras, .h5 or TF.js model.json file)`,
    );
  }
  notSpecial(filePath);
  const { kind, size } = sniffFile(filePath);
  if (kind === 'zip') return loadKerasArchive(filePath, opts);
  if (kind === 'hdf5') return loadLegacyH5Model(filePath, opts);
  if (kind === 'json') return loadTfjsModel(filePath, opts);
  throw new FileFormatError(
    `${filePath}: not a model file: it is ${describeKind(kind)} (${size} bytes); expected a Keras .keras archive (zip), a Keras .h5 file (HDF5) or a TF.js model.json`,
  );
}

/**
 * Saves a model: `.keras` → Keras 3 archive; `.h5`/`.hdf5` → legacy Keras 2 HDF5;
 * 'tfjs://dir' or 'dir/model.json' → TensorFlow.js layers format. Writes are atomic.
 */
export async function saveModel(model: Model, filePath: string, opts: SaveOptions = {}): Promise<void> {
  checkPath(filePath, 'save');
  checkSave(isTfjsTarget(filePath) ? path.join(tfjsDir(filePath), 'model.json') : filePath, opts, 'save');
  if (isTfjsTarget(filePath)) return saveTfjsModel(model, tfjsDir(filePath));
  if (filePath.endsWith('.weights.h5')) {
    throw new ValueError(
      `save: '${filePath}' is a weights file name; use model.saveWeights('${filePath}'), or save the whole model to a .keras file`,
    );
  }
  if (filePath.endsWith('.keras')) return saveKerasArchive(model, filePath);
  if (filePath.endsWith('.h5') || filePath.endsWith('.hdf5')) return saveLegacyH5Model(model, filePath);
  throw new ValueError(
    `save: unsupported file name '${filePath}'; use a '.keras' file (Keras 3), '.h5' (legacy Keras 2) or 'tfjs://dir' (TensorFlow.js)`,
  );
}

/** Saves weights only: `*.weights.h5` → Keras 3 layout; other `.h5`/`.hdf5` → legacy Keras 2 layout. */
export async function saveWeights(model: Model, filePath: string, opts: SaveOptions = {}): Promise<void> {
  checkPath(filePath, 'saveWeights');
  checkSave(filePath, opts, 'saveWeights');
  if (filePath.endsWith('.weights.h5')) return saveKeras3Weights(model, filePath);
  if (filePath.endsWith('.h5') || filePath.endsWith('.hdf5')) return saveLegacyH5Weights(model, filePath);
  throw new ValueError(
    `saveWeights: the file name must end in '.weights.h5' (Keras 3) or '.h5' (legacy Keras 2), got '${filePath}'`,
  );
}

/**
 * Loads weights into a built model from a `.keras` archive, a Keras 3 `*.weights.h5` file, or a
 * legacy `.h5` file (full model or weights-only, e.g. keras.applications files). Legacy files match
 * layers by position (layers that have weights, in order) unless `byName`; `skipMismatch` skips
 * layers whose weight count or shapes differ, with a warning.
 */
export async function loadWeights(model: Model, filePath: string, opts: LoadWeightsOptions = {}): Promise<void> {
  checkPath(filePath, 'loadWeights');
  opts = checkOptions(opts, LOAD_WEIGHTS_OPTIONS, 'loadWeights');
  checkBoolean(opts.byName, 'loadWeights byName');
  checkBoolean(opts.skipMismatch, 'loadWeights skipMismatch');
  checkWarn(opts.warn, 'loadWeights');
  if (!existsSync(filePath)) throw new FileFormatError(`${filePath}: no such file`);
  if (!model.built || (model.weights.length === 0 && model.layers.length > 0 && model.inputs.length === 0)) {
    throw new ValueError(
      `loadWeights: the model '${model.name}' is not built yet; give its first layer an inputShape (or call the model on data) before loading weights`,
    );
  }
  notSpecial(filePath);
  const { kind, size } = sniffFile(filePath);
  if (kind === 'zip') return loadWeightsFromArchive(model, filePath, opts);
  if (kind === 'hdf5') return loadWeightsFromH5(model, filePath, opts);
  throw new FileFormatError(
    `${filePath}: not a weights file: it is ${describeKind(kind)} (${size} bytes); expected HDF5 (.h5, .weights.h5) or a .keras archive`,
  );
}
