// vis namespace: pictures of training (history curves) and of what a convnet sees (activations,
// filter patterns, class-activation heatmaps and saliency maps), and animations of convolution and
// pooling (with the GIF encoder they use).
export { plotHistory, panelMetrics, type HistoryLike, type PlotHistoryOptions } from './plot.js';
export {
  activationModel,
  activations,
  activationGrid,
  plotActivations,
  type ActivationsOptions,
  type LayerActivation,
  type PlotActivationsOptions,
} from './activations.js';
export {
  filterPattern,
  plotFilterPatterns,
  deprocessImage,
  type FilterPattern,
  type FilterPatternOptions,
  type PlotFilterPatternsOptions,
} from './filters.js';
export {
  gradCam,
  gradCamPlusPlus,
  saliency,
  saveHeatmapOverlay,
  heatmapOverlay,
  lastConvLayer,
  type GradCamOptions,
  type Heatmaps,
  type OverlayOptions,
  type SaliencyOptions,
} from './cam.js';
export { colormap, applyColormap, type ColormapName } from './colormaps.js';
export {
  explainConvolution,
  explainPooling,
  KERNEL_PRESETS,
  type ExplainConvolutionOptions,
  type ExplainPoolingOptions,
  type ExplainImage,
  type Explanation,
  type KernelPreset,
  type PoolMode,
} from './explain.js';
export { encodeGif, type GifFrame, type GifOptions } from './gif.js';
