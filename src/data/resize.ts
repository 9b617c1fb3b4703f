// Resizing for the data pipeline: the image-geometry module (backend/image_geometry.ts) under the
// path data/, layers/, utils/ and preprocessing/ import it by. One Interpolation type for all.
export {
  INTERPOLATIONS,
  aspectCropBox,
  axisWeights,
  checkInterpolation,
  padToAspect,
  resizeImage,
  resizeImageBackward,
  type CropBox,
  type Interpolation,
} from '../backend/image_geometry.js';
