// vis namespace: pictures of training (history curves) and of what a convnet sees (activations,
// filter patterns, class-activation heatmaps and saliency maps).
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
