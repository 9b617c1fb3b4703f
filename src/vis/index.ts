// vis namespace: pictures of training (history curves). Grad-CAM and filter images belong elsewhere.
export { plotHistory, panelMetrics, type HistoryLike, type PlotHistoryOptions } from './plot.js';
