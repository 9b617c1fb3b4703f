export { gradients, valueAndGrads, noGrad, watch, isRecording } from './tape.js';
