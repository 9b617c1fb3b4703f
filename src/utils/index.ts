// utils namespace: to_categorical, seeding, session reset, and image utilities.
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { describeValue } from '../options.js';

export { setRandomSeed } from '../tensor/random.js';
export { clearSession } from './naming.js';
export { setPrintFunction } from './progbar.js';
export { Img, loadImg, imgToArray, arrayToImg, saveImg } from './image.js';
export { imageDatasetFromDirectory } from '../data/image_dataset.js';

/** One-hot encodes integer labels (Keras to_categorical): float32 [..., numClasses]. */
export function toCategorical(labels: Tensor | ArrayLike<number>, numClasses?: number): Tensor {
  const t = labels instanceof Tensor ? labels : new Tensor(Float32Array.from(labels), [labels.length]);
  let shape = [...t.shape];
  if (shape.length > 1 && shape[shape.length - 1] === 1) shape = shape.slice(0, -1);
  let max = -1;
  for (let i = 0; i < t.size; i++) {
    const v = t.data[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new ValueError(`toCategorical: labels must be non-negative integers, got ${v} at index ${i}`);
    }
    if (v > max) max = v;
  }
  const n = numClasses ?? max + 1;
  if (!Number.isInteger(n) || n <= 0) {
    throw new ValueError(`toCategorical: numClasses must be a positive integer, got ${describeValue(numClasses)}`);
  }
  if (max >= n) throw new ValueError(`toCategorical: label ${max} is out of range for numClasses=${n}`);
  const out = new Float32Array(t.size * n);
  for (let i = 0; i < t.size; i++) out[i * n + t.data[i]] = 1;
  return new Tensor(out, [...shape, n]);
}
export { saveNpy, loadNpy } from './npy.js';
export { setMemoryLimit, getMemoryLimit, setH5Deadline, getH5Deadline } from '../limits.js';
export { getFile, type GetFileOptions } from './get_file.js';
