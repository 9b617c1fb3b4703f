// Keras 3 `.keras` archives: a zip (members stored uncompressed, as Keras writes them) of
// metadata.json, config.json and model.weights.h5; plus `*.weights.h5` files, which hold the
// same weights layout on their own. Read and written here; layouts live in keras3_weights.ts,
// config dialects in config.ts / serialize.ts.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type UnzipFileInfo, unzipSync, zipSync } from 'fflate';
import { FileFormatError } from '../errors.js';
import { formatBytes, getMemoryLimit } from '../limits.js';
import { CONVKIT_VERSION } from '../version.js';
import type { Model } from '../models/model.js';
import { atomicWrite, ensureParentDir, removeStaleTemps, saveError, tempPathFor } from './atomic.js';
import { modelFromConfig } from './config.js';
import { H5Reader, H5Writer, type H5Group } from './h5.js';
import { readModelVars, readOptimizerVars, writeModelVars, writeOptimizerVars } from './keras3_weights.js';
import { loadLegacyH5WeightsFrom } from './legacy_h5.js';
import { describeKind, sniffFile } from './sniff.js';
import { type LoadModelOptions, compileConfig, modelEntry, restoreCompile } from './serialize.js';
import type { LoadWeightsOptions } from './weights.js';

/** The Keras version written into metadata.json (the format convkit's archives follow). */
export const KERAS3_FORMAT_VERSION = '3.10.0';

function dateSaved(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Runs fn on a private temporary directory, removed afterwards. */
async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'convkit-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a model's weights (and optimizer state) in the Keras 3 layout into an HDF5 file. */
async function writeWeightsH5(model: Model, file: string, withOptimizer: boolean): Promise<void> {
  const w = await H5Writer.create(file);
  try {
    const root = w.root;
    writeModelVars(root, model);
    const opt = model.compiled?.optimizer;
    if (withOptimizer && opt) writeOptimizerVars(root, opt, model.trainableWeights);
  } finally {
    w.close();
  }
}

/** Saves a model as a Keras 3 `.keras` archive (atomically). */
export async function saveKerasArchive(model: Model, target: string): Promise<void> {
  const entry = modelEntry(model, 'k3');
  const cc = compileConfig(model);
  if (cc) entry.compile_config = cc;
  const config = new TextEncoder().encode(JSON.stringify(entry));
  const metadata = new TextEncoder().encode(
    JSON.stringify({ keras_version: KERAS3_FORMAT_VERSION, date_saved: dateSaved(), convkit_version: CONVKIT_VERSION }),
  );
  // The weights file is staged beside the target under a temporary name of the target's, so a
  // kill leaves nothing in the system's temporary folder and the next save removes it.
  ensureParentDir(target);
  removeStaleTemps(target);
  const staged = tempPathFor(target);
  let weights: Uint8Array;
  try {
    await writeWeightsH5(model, staged, true);
    weights = new Uint8Array(readFileSync(staged));
  } catch (e) {
    throw saveError(target, e, staged);
  } finally {
    rmSync(staged, { force: true });
  }
  const zip = zipSync({
    'metadata.json': [metadata, { level: 0 }],
    'config.json': [config, { level: 0 }],
    'model.weights.h5': [weights, { level: 0 }],
  });
  await atomicWrite(target, (tmp) => writeFileSync(tmp, zip));
}

/** Saves weights only, Keras 3 layout (`model.save_weights('x.weights.h5')`), atomically. */
export async function saveKeras3Weights(model: Model, target: string): Promise<void> {
  await atomicWrite(target, (tmp) => writeWeightsH5(model, tmp, true));
}

interface Archive {
  config: unknown;
  weights: Uint8Array | null;
  weightsMember: string;
  file: string;
}

/** Members a .keras archive is read for; every other member is left compressed. */
const WANTED = ['config.json', 'model.weights.h5'];
/** config.json larger than this is refused: real configs are kilobytes, 100k-layer ones a few MB. */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;
/** Deflate cannot expand data by more than about 1032:1; a larger declared ratio is a lie. */
const MAX_DEFLATE_RATIO = 1100;

/** A member name that would resolve outside the archive if it were extracted. */
function unsafeMemberName(name: string): boolean {
  return (
    name.startsWith('/') ||
    name.includes('\\') ||
    /^[a-zA-Z]:/.test(name) ||
    name.includes('\0') ||
    name.split('/').some((p) => p === '..')
  );
}

/** Checks a member's declared sizes before it is inflated. */
function checkMember(file: string, info: UnzipFileInfo): void {
  const { name, size, originalSize, compression } = info;
  if (compression !== 0 && compression !== 8) {
    throw new FileFormatError(
      `${file}: member '${name}' uses compression method ${compression}; ` +
        'a .keras archive stores its members uncompressed (0) or deflated (8)',
    );
  }
  if (compression === 0 && originalSize !== size) {
    throw new FileFormatError(
      `${file}: member '${name}' is stored uncompressed but declares ${originalSize} bytes ` +
        `in ${size}: the archive is damaged`,
    );
  }
  if (compression === 8 && originalSize > (size + 1) * MAX_DEFLATE_RATIO) {
    throw new FileFormatError(
      `${file}: member '${name}' declares ${formatBytes(originalSize)} from ${size} compressed ` +
        'bytes, more than deflate can produce: the archive is damaged',
    );
  }
  const cap = name.endsWith('config.json') ? MAX_CONFIG_BYTES : getMemoryLimit();
  if (originalSize > cap) {
    throw new FileFormatError(
      `${file}: member '${name}' declares ${formatBytes(originalSize)}, more than the limit of ` +
        `${formatBytes(cap)} for it`,
    );
  }
}

function readArchive(file: string): Archive {
  const { kind, size } = sniffFile(file);
  if (kind !== 'zip')
    throw new FileFormatError(
      `${file}: not a .keras archive (a zip file): it is ${kind === 'hdf5' ? 'an HDF5 file (a legacy .h5 model?)' : describeKind(kind)} (${size} bytes)`,
    );
  if (!statSync(file).isFile()) throw new FileFormatError(`${file}: not a regular file, expected a .keras archive`);
  let members: Record<string, Uint8Array>;
  const names: string[] = [];
  const isWanted = (n: string) => WANTED.some((w) => n === w || n.endsWith(`/${w}`));
  try {
    // Only the members read below are inflated, each after its declared sizes are checked.
    members = unzipSync(new Uint8Array(readFileSync(file)), {
      filter: (info) => {
        names.push(info.name);
        if (unsafeMemberName(info.name)) {
          throw new FileFormatError(`${file}: member '${info.name}' points outside the archive; refused`);
        }
        if (!isWanted(info.name)) return false;
        checkMember(file, info);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(`${file}: the .keras archive is damaged or truncated (${(e as Error).message})`);
  }
  const find = (n: string) => names.find((k) => (k === n || k.endsWith(`/${n}`)) && k in members);
  const cfgName = find('config.json');
  if (!cfgName) {
    throw new FileFormatError(
      `${file}: a zip archive without config.json, so not a Keras model archive (members: ${names.slice(0, 10).join(', ') || 'none'})`,
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(members[cfgName]));
  } catch (e) {
    throw new FileFormatError(`${file}: config.json is not valid JSON (${(e as Error).message})`);
  }
  const wName = find('model.weights.h5');
  return { config, weights: wName ? members[wName] : null, weightsMember: wName ?? 'model.weights.h5', file };
}

async function withWeightsRoot<T>(a: Archive, fn: (root: H5Group) => T): Promise<T | null> {
  if (!a.weights) return null;
  const weights = a.weights;
  return withTempDir(async (dir) => {
    const f = path.join(dir, 'model.weights.h5');
    writeFileSync(f, weights);
    // Errors name the user's archive and its member, never the temporary copy.
    const member = `${a.file} (member ${a.weightsMember})`;
    let r: H5Reader;
    try {
      r = await H5Reader.open(f, { displayName: member });
    } catch (e) {
      const why = (e as Error).message.replace(`${member}: `, '');
      throw new FileFormatError(`${a.file}: ${a.weightsMember} inside the archive is damaged: ${why}`);
    }
    try {
      return fn(r.root);
    } finally {
      r.close();
    }
  });
}

/** Loads a model from a `.keras` archive (Keras 3, or Keras 2.13–2.15). */
export async function loadKerasArchive(file: string, opts: LoadModelOptions = {}): Promise<Model> {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const a = readArchive(file);
  const model = modelFromConfig(a.config, file);
  const cc = (a.config as Record<string, unknown>).compile_config;
  if (opts.compile !== false && cc) restoreCompile(model, cc, file, warn);
  if (!a.weights) {
    if (model.weights.length)
      throw new FileFormatError(
        `${file}: the archive has no model.weights.h5, but the model has ${model.weights.length} weights`,
      );
    return model;
  }
  await withWeightsRoot(a, (root) => {
    readModelVars(root, model, file, { warn });
    const opt = model.compiled?.optimizer;
    if (opt) readOptimizerVars(root, opt, model.trainableWeights, file, warn);
  });
  return model;
}

/** Loads weights into a model from a `.keras` archive. */
export async function loadWeightsFromArchive(model: Model, file: string, opts: LoadWeightsOptions = {}): Promise<void> {
  const a = readArchive(file);
  if (!a.weights) throw new FileFormatError(`${file}: the archive has no model.weights.h5`);
  await withWeightsRoot(a, (root) => readModelVars(root, model, file, opts));
}

/**
 * Loads weights from any HDF5 weights file: Keras 3 `*.weights.h5` layout (layers/...vars), or
 * the legacy layout (layer_names at the root or under model_weights), incl. keras.applications files.
 */
export async function loadWeightsFromH5(model: Model, file: string, opts: LoadWeightsOptions = {}): Promise<void> {
  const r = await H5Reader.open(file);
  try {
    const root = r.root;
    if (root.hasAttr('layer_names') || root.has('model_weights')) {
      loadLegacyH5WeightsFrom(model, root, file, opts);
    } else if (root.has('layers') || root.has('_layer_checkpoint_dependencies') || root.has('vars')) {
      if (opts.byName) {
        throw new FileFormatError(
          `${file}: byName loading needs a legacy .h5 weights file; Keras 3 .weights.h5 files are matched by layer order`,
        );
      }
      readModelVars(root, model, file, opts);
      const opt = model.compiled?.optimizer;
      if (opt) readOptimizerVars(root, opt, model.trainableWeights, file, opts.warn ?? ((m) => console.warn(m)));
    } else {
      throw new FileFormatError(
        `${file}: an HDF5 file, but not Keras weights: no 'layer_names' attribute, no 'model_weights' or 'layers' group (root holds: ${root.keys().slice(0, 8).join(', ') || 'nothing'})`,
      );
    }
  } finally {
    r.close();
  }
}
