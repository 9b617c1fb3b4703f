// TensorFlow.js layers format: model.json (format 'layers-model', modelTopology, weightsManifest)
// plus little-endian binary shards of at most 4 MiB.
// Reading accepts converter output (modelTopology.model_config, weights listed alphabetically) and
// files saved by tfjs-layers (modelTopology is the model config; names like conv2d_Conv2D1/kernel);
// dtypes float32/int32/uint8/bool/float16 and quantized weights (value = q·scale + min).
// Weights are matched to layers by name, falling back to layer order.
// Writing produces what tfjs-layers' save() writes (loadable with tf.loadLayersModel).
import { copyFileSync, existsSync, linkSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileFormatError } from '../errors.js';
import { formatBytes, getMemoryLimit } from '../limits.js';
import type { Layer } from '../layers/base.js';
import type { Model } from '../models/model.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import { CONVKIT_VERSION } from '../version.js';
import { atomicWrite, ensureParentDir, processAlive, saveError, tempOwner, tempPathFor } from './atomic.js';
import { modelFromConfig } from './config.js';
import { type LoadModelOptions, modelEntry, restoreCompile, trainingConfig } from './serialize.js';
import { flattenLayers } from './weights.js';
import { MAX_JSON_BYTES, pathInside, readRegularFile } from './safe_read.js';
import type { KerasConfig } from '../keras_config.js';

export const SHARD_BYTES = 4 * 1024 * 1024;

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}
interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, float16: 2, uint16: 2, uint8: 1, bool: 1 };

function decode(buf: Buffer, offset: number, e: ManifestEntry, file: string): { values: Float32Array; bytes: number } {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const q = e.quantization;
  const dtype = q ? q.dtype : e.dtype;
  const width = BYTES[dtype];
  if (!width) throw new FileFormatError(`${file}: weight '${e.name}' has unsupported dtype '${dtype}'`);
  const bytes = n * width;
  if (offset + bytes > buf.length) {
    throw new FileFormatError(
      `${file}: the weight shards are too short: weight '${e.name}' needs bytes ${offset}..${offset + bytes}, but the shards hold ${buf.length} bytes (truncated or missing shard?)`,
    );
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = offset + i * width;
    let v: number;
    switch (dtype) {
      case 'float32':
        v = buf.readFloatLE(o);
        break;
      case 'int32':
        v = buf.readInt32LE(o);
        break;
      case 'float16':
        v = halfToFloat(buf.readUInt16LE(o));
        break;
      case 'uint16':
        v = buf.readUInt16LE(o);
        break;
      default:
        v = buf[o];
    }
    if (q && q.dtype !== 'float16') v = v * (q.scale ?? 1) + (q.min ?? 0);
    out[i] = v;
  }
  return { values: out, bytes };
}

interface ReadWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

function isShape(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * Checks a manifest's structure and declared sizes before any shard is opened; returns the bytes
 * each group declares.
 */
function checkManifest(manifest: unknown, file: string): { groups: ManifestGroup[]; bytes: number[] } {
  if (!Array.isArray(manifest)) throw new FileFormatError(`${file}: weightsManifest must be a list of groups`);
  const limit = getMemoryLimit();
  const bytes = manifest.map((g: unknown, gi: number) => {
    const grp = g as Partial<ManifestGroup> | null;
    if (!grp || !Array.isArray(grp.paths) || !Array.isArray(grp.weights)) {
      throw new FileFormatError(`${file}: weightsManifest[${gi}] needs 'paths' and 'weights' lists`);
    }
    let total = 0;
    for (const e of grp.weights as unknown[]) {
      const w = e as Partial<ManifestEntry> | null;
      if (!w || typeof w.name !== 'string' || !isShape(w.shape)) {
        throw new FileFormatError(
          `${file}: weightsManifest[${gi}] has an entry without a name or a valid shape ` +
            `(${JSON.stringify(e)?.slice(0, 120)})`,
        );
      }
      const dtype = w.quantization?.dtype ?? w.dtype ?? '';
      const width = BYTES[dtype];
      if (!width) throw new FileFormatError(`${file}: weight '${w.name}' has unsupported dtype '${dtype}'`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      // Values are decoded into float32, whatever their width on disk.
      if (n * 4 > limit) {
        throw new FileFormatError(
          `${file}: weight '${w.name}' declares shape [${w.shape.join(', ')}] ` +
            `(${formatBytes(n * 4)} as float32), more than the memory limit of ${formatBytes(limit)}`,
        );
      }
      total += n * width;
    }
    return total;
  });
  return { groups: manifest as ManifestGroup[], bytes };
}

/** Reads all weights of a manifest: name → values + shape, in manifest order. */
function readWeights(manifestJson: unknown, dir: string, file: string): ReadWeight[] {
  const { groups, bytes } = checkManifest(manifestJson, file);
  const out: ReadWeight[] = [];
  groups.forEach((g, gi) => {
    // Shards hold the group's bytes in order; each is read only up to what is still declared.
    let remaining = bytes[gi];
    const parts = g.paths.map((p) => {
      const f = pathInside(dir, p, file, 'the weight shard', 'weightsManifest');
      const part = readRegularFile(f, `${file}: weight shard '${p}'`, remaining, { prefix: true });
      remaining -= part.length;
      return part;
    });
    const buf = Buffer.concat(parts);
    let offset = 0;
    for (const e of g.weights) {
      const { values, bytes: used } = decode(buf, offset, e, file);
      out.push({ name: e.name.replace(/:0$/, ''), shape: e.shape, values });
      offset += used;
    }
  });
  return out;
}

function shortName(v: Variable): string {
  return v.name.split('/').pop()!;
}

/** Matches TF.js weights to model layers: by '<layer>/<var>' names, else by layer order. */
function assignTfjsWeights(
  model: Model,
  weights: { name: string; shape: number[]; values: Float32Array }[],
  file: string,
): void {
  const leaves = flattenLayers(model.layers).filter((l) => l.weights.length > 0);
  const byName = new Map(weights.map((w) => [w.name, w]));
  const lookup = (l: Layer, v: Variable) =>
    byName.get(v.name) ??
    byName.get(`${l.name}/${shortName(v)}`) ??
    [...byName.entries()].find(([k]) => k.endsWith(`/${l.name}/${shortName(v)}`))?.[1];
  const allByName = leaves.every((l) => l.weights.every((v) => lookup(l, v)));
  let pairs: [Variable, { name: string; shape: number[]; values: Float32Array }][];
  if (allByName) {
    pairs = leaves.flatMap((l) => l.weights.map((v) => [v, lookup(l, v)!] as [Variable, (typeof weights)[0]]));
  } else {
    // tfjs-layers save() lists all trainable weights, then the non-trainable ones, under its own
    // names; other writers list them layer by layer. Pair by position, in whichever order fits.
    const orders = [model.weights, leaves.flatMap((l) => l.weights)];
    const fit = orders.find(
      (vs) => vs.length === weights.length && vs.every((v, i) => v.size === weights[i].values.length),
    );
    if (!fit) {
      throw new FileFormatError(
        `${file}: the manifest's weights (${weights.length}, e.g. '${weights[0]?.name}') match neither the model's layer names nor, by position, its ${orders[1].length} weights`,
      );
    }
    pairs = fit.map((v, i) => [v, weights[i]]);
  }
  for (const [v, w] of pairs) {
    if (w.values.length !== v.size) {
      throw new FileFormatError(
        `${file}: weight '${w.name}' has shape [${w.shape.join(', ')}], but '${v.name}' needs [${v.shape.join(', ')}]`,
      );
    }
    v.assign(new Tensor(w.values, v.shape));
  }
}

/** Loads a TF.js layers model from model.json (+ shards next to it). */
export async function loadTfjsModel(file: string, opts: LoadModelOptions = {}): Promise<Model> {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  if (!existsSync(file)) throw new FileFormatError(`${file}: no such file`);
  const text = readRegularFile(file, file, MAX_JSON_BYTES).toString('utf8');
  let json: KerasConfig;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (json.format === 'graph-model') {
    throw new FileFormatError(
      `${file}: a TensorFlow.js graph model (a converted SavedModel); only layers models ('layers-model') can be loaded`,
    );
  }
  const topo = json.modelTopology;
  if (!topo || typeof topo !== 'object')
    throw new FileFormatError(`${file}: no 'modelTopology', so not a TensorFlow.js layers model`);
  const config = topo.model_config ?? (topo.class_name ? topo : null);
  if (!config)
    throw new FileFormatError(`${file}: modelTopology holds no model config (no 'model_config' or 'class_name')`);
  const model = modelFromConfig(config, file);
  assignTfjsWeights(model, readWeights(json.weightsManifest ?? [], path.dirname(file), file), file);
  const tc = topo.training_config ?? json.trainingConfig;
  if (opts.compile !== false && tc) restoreCompile(model, tc, file, warn);
  return model;
}

/** Shard file names tfjs writes: group<g>-shard<i>of<n>.bin. */
const SHARD_NAME = /^group\d+-shard\d+of\d+\.bin$/;

/** Writes `src`'s content under `dst` too (a hard link when the file system allows it), atomically. */
function linkOrCopy(src: string, dst: string): void {
  const tmp = tempPathFor(dst);
  try {
    try {
      linkSync(src, tmp);
    } catch {
      copyFileSync(src, tmp);
    }
    renameSync(tmp, dst);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Removes what earlier saves into `dir` left: shards that `keep` does not list (an earlier save
 * with more shards) and the temporary shards of this process or of processes no longer running.
 */
function removeStaleShards(dir: string, keep: readonly string[]): void {
  for (const name of readdirSync(dir)) {
    if (SHARD_NAME.test(name)) {
      if (!keep.includes(name)) rmSync(path.join(dir, name), { force: true });
      continue;
    }
    const m = /^\.(group\d+-shard\d+of\d+\.bin)\.tmp-/.exec(name);
    const pid = m ? tempOwner(name, m[1]) : null;
    if (pid === null) continue;
    if (pid === process.pid || !processAlive(pid)) rmSync(path.join(dir, name), { force: true, recursive: true });
  }
}

/**
 * Writes a model in the TF.js layers format into `dir` (model.json + group1-shard{i}of{n}.bin),
 * creating the folder if needed. The files change as one unit: the shards are first written under
 * fresh temporary names, model.json switches to them, the shards then take their usual names and
 * model.json switches again; so a reader (or a save killed at any moment) sees the old model or the
 * new one, never weights of two saves mixed. Shards of earlier saves are removed at the end.
 */
export async function saveTfjsModel(model: Model, dir: string): Promise<void> {
  const jsonPath = path.join(dir, 'model.json');
  ensureParentDir(jsonPath);
  const leaves = flattenLayers(model.layers);
  const vars = leaves.flatMap((l) => l.weights);
  const entries: ManifestEntry[] = vars.map((v) => ({
    name: v.name,
    shape: [...v.shape],
    dtype: v.dtype === 'int32' ? 'int32' : 'float32',
  }));
  const total = vars.reduce((s, v) => s + v.size * 4, 0);
  const all = Buffer.alloc(total);
  let off = 0;
  for (const v of vars) {
    const src = v.data;
    for (let i = 0; i < src.length; i++, off += 4) {
      if (v.dtype === 'int32') all.writeInt32LE(src[i], off);
      else all.writeFloatLE(src[i], off);
    }
  }
  const n = Math.max(1, Math.ceil(total / SHARD_BYTES));
  const paths = Array.from({ length: n }, (_, i) => `group1-shard${i + 1}of${n}.bin`);
  const topology = {
    ...modelEntry(model, 'k2'),
    keras_version: `convkit ${CONVKIT_VERSION}`,
    backend: 'tensor_flow.js',
  };
  const tc = trainingConfig(model);
  const modelJson = (shards: string[]) =>
    JSON.stringify({
      format: 'layers-model',
      generatedBy: `convkit ${CONVKIT_VERSION}`,
      convertedBy: null,
      modelTopology: topology,
      ...(tc ? { trainingConfig: tc } : {}),
      weightsManifest: [{ paths: shards, weights: entries }],
    });
  const fresh = paths.map((p) => tempPathFor(path.join(dir, p)));
  // Whether model.json names the fresh shards: they must then stay until it names others.
  let freshInUse = false;
  try {
    for (let i = 0; i < n; i++) {
      writeFileSync(fresh[i], all.subarray(i * SHARD_BYTES, Math.min(total, (i + 1) * SHARD_BYTES)));
    }
    await atomicWrite(jsonPath, (tmp) => writeFileSync(tmp, modelJson(fresh.map((f) => path.basename(f)))));
    freshInUse = true;
    for (let i = 0; i < n; i++) linkOrCopy(fresh[i], path.join(dir, paths[i]));
    await atomicWrite(jsonPath, (tmp) => writeFileSync(tmp, modelJson(paths)));
    freshInUse = false;
  } catch (e) {
    if (!freshInUse) for (const f of fresh) rmSync(f, { force: true });
    throw saveError(jsonPath, e);
  }
  removeStaleShards(dir, paths);
}
