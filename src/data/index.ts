// data namespace: Dataset and the image-folder pipeline (decoding workers, resizing, affine warps).
export {
  Dataset,
  AUTOTUNE,
  INFINITE_CARDINALITY,
  UNKNOWN_CARDINALITY,
  stackElements,
  unstackElement,
  type Element,
  type ShuffleOptions,
  type DatasetMeta,
} from './dataset.js';
export {
  imageDatasetFromDirectory,
  type ImageDatasetOptions,
  type ImageBatch,
  type LabelMode,
  type ImageElementFor,
  type ImageDatasetResult,
} from './image_dataset.js';
export {
  DecodePool,
  getDecodePool,
  closeDecodePool,
  defaultWorkerCount,
  type DecodeTask,
  type DecodedArray,
} from './decode_pool.js';
export {
  decodeImage,
  decodeImageFile,
  decodeBmp,
  encodeBmp24,
  convertChannels,
  channelsFor,
  type ColorMode,
  type RawImage,
} from './decode.js';
export { resizeImage, aspectCropBox, padToAspect, type Interpolation, type CropBox } from './resize.js';
export { applyAugment, type AugmentParams } from './augment.js';
export { MT19937 } from './mt19937.js';
export { indexDirectory, listImageFiles, IMAGE_EXTENSIONS } from './directory.js';
export {
  affineTransform,
  affineTransformBatch,
  composeTransforms,
  fixIndex,
  rotationMatrix,
  zoomMatrix,
  translationMatrix,
  shearMatrix,
  flipHorizontalMatrix,
  flipVerticalMatrix,
  kerasAffineMatrix,
  IDENTITY,
  type FillMode,
  type WarpInterpolation,
  type TransformMatrix,
  type AffineOptions,
  type KerasTransformParams,
} from './affine.js';
