// Reading legacy Keras HDF5 files (Keras 1/2 `model.save('x.h5')`, `save_weights('x.h5')`,
// keras.applications weight files, Keras 3's legacy h5 writer): the weight groups, following
// `layer_names` and each layer's `weight_names` for order and path, and the JSON attributes.
// Weight paths differ by version (`<layer>/<layer>/<var>:0` in Keras 2, `<layer>/<var>` in
// Keras 3.1, no `:0` in Keras 3.11); weight_names always says where each array is.
import { FileFormatError } from '../errors.js';
import type { H5Group } from './h5.js';
import type { SavedArray, SavedLayer } from './weights.js';

function readArray(lg: H5Group, wn: string, file: string, layer: string): SavedArray {
  const candidates = [wn];
  if (wn.endsWith(':0')) candidates.push(wn.slice(0, -2));
  else candidates.push(`${wn}:0`);
  // Some writers store the dataset directly under the layer group with only the last segment.
  const last = wn.split('/').pop()!;
  candidates.push(last, last.endsWith(':0') ? last.slice(0, -2) : `${last}:0`);
  for (const c of candidates) {
    if (lg.has(c) && lg.isDataset(c)) {
      const d = lg.dataset(c);
      return { name: wn, shape: d.shape, data: d.data };
    }
  }
  throw new FileFormatError(
    `${file}: layer '${layer}' lists the weight '${wn}' in weight_names, but there is no dataset '${lg.path}/${wn}'`,
  );
}

/** Reads a Keras weights group (the root of a weights file, or `model_weights`) in layer_names order. */
export function readLegacyWeights(g: H5Group, file: string): SavedLayer[] {
  const layerNames = g.stringList('layer_names');
  if (!layerNames) {
    throw new FileFormatError(
      `${file}: '${g.path}' has no 'layer_names' attribute, so it is not a Keras weights group`,
    );
  }
  const out: SavedLayer[] = [];
  for (const name of layerNames) {
    if (!g.isGroup(name)) {
      throw new FileFormatError(
        `${file}: layer_names lists '${name}', but there is no group '${g.path === '/' ? '' : g.path}/${name}'`,
      );
    }
    try {
      const lg = g.group(name);
      const weightNames = lg.stringList('weight_names') ?? [];
      out.push({ name, weights: weightNames.map((wn) => readArray(lg, wn, file, name)) });
    } catch (e) {
      // Say which layer's weights were lost, beside the object HDF5 could not read.
      if (!(e instanceof FileFormatError) || !e.message.startsWith(`${file}: cannot read `)) throw e;
      const where = `${g.path === '/' ? '' : g.path}/${name}`;
      const why = e.message.slice(file.length + 2);
      throw new FileFormatError(`${file}: cannot read the weights of layer '${name}' (${where}): ${why}`);
    }
  }
  return out;
}

/** A JSON attribute (model_config, training_config), parsed, with a clear error when damaged. */
export function readJsonAttr(g: H5Group, name: string, file: string): unknown {
  const s = g.stringAttr(name);
  if (s === undefined) return undefined;
  try {
    return JSON.parse(s);
  } catch (e) {
    throw new FileFormatError(`${file}: the '${name}' attribute is not valid JSON (${(e as Error).message})`);
  }
}

/** Reads the optimizer_weights group (names and arrays in weight_names order), if present. */
export function readLegacyOptimizerWeights(root: H5Group, file: string): SavedArray[] | null {
  const g = root.maybeGroup('optimizer_weights');
  if (!g) return null;
  const names = g.stringList('weight_names') ?? [];
  return names.map((wn) => readArray(g, wn, file, 'optimizer_weights'));
}
