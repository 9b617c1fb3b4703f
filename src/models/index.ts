export { Model, type ModelArgs } from './model.js';
export { Sequential, type SequentialArgs } from './sequential.js';
export type {
  CompileArgs,
  FitArgs,
  EvaluateArgs,
  PredictArgs,
  BatchSource,
  BatchGenerator,
  Batch,
  TrainingData,
} from './training.js';
export { loadModel } from '../io/index.js';
