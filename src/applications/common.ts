// What every application builder shares: its options (Keras's constructor arguments in
// camelCase), the checks Keras makes on them before building, the input (a new Input or the
// caller's KerasTensor) and loading the weights: Keras's ImageNet file through getFile, or any
// Keras weight file the caller names, with an error that names the file when it does not fit.
import { existsSync } from 'node:fs';
import { FileFormatError, ValueError } from '../errors.js';
import { loadWeights } from '../io/index.js';
import { Input, InputLayer } from '../layers/core.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from '../layers/global_pooling.js';
import { type KerasTensor, isKerasTensor } from '../layers/keras_tensor.js';
import type { Model } from '../models/model.js';
import { getFile } from '../utils/get_file.js';
import { obtainInputShape, type WeightsArg } from './imagenet_utils.js';
import { type OptionNames, checkOptions, describeValue } from '../options.js';

export interface ApplicationArgs {
  /** Include the fully-connected classifier at the top (default true). */
  includeTop?: boolean;
  /** 'imagenet' (default): Keras's pretrained weights; null: random initialisation; or a weight file's path. */
  weights?: WeightsArg;
  /** A KerasTensor (from layers.Input or a layer's output) to build the model on. */
  inputTensor?: KerasTensor | null;
  /** One image's shape [height, width, channels]; only without the top (the top needs 224x224x3). */
  inputShape?: readonly (number | null)[] | null;
  /** Without the top: 'avg' or 'max' global pooling of the last feature map; null keeps it 4D. */
  pooling?: 'avg' | 'max' | null;
  /** Classes of the top classifier (1000 with ImageNet weights). */
  classes?: number;
  /** Activation of the top classifier: 'softmax' (default) or null for logits. */
  classifierActivation?: string | null;
  /** The model's name. */
  name?: string;
}

/** The options every builder takes; a builder with more passes its own list to resolveArgs. */
export const APPLICATION_OPTIONS: OptionNames<ApplicationArgs> = {
  includeTop: true,
  weights: true,
  inputTensor: true,
  inputShape: true,
  pooling: true,
  classes: true,
  classifierActivation: true,
  name: true,
};

/** The file Keras downloads for one model's ImageNet weights. */
export interface WeightsFile {
  fname: string;
  origin: string;
  /** Keras's md5 (or sha256); null where Keras gives none (MobileNetV2's files). */
  fileHash: string | null;
  cacheSubdir: 'models';
}

/** Keras's wording of the two weights/classes checks, which differs from model to model. */
export interface ArgMessages {
  weights?: (weights: string) => string;
  classes?: (classes: number) => string;
}

const defaultMessages: Required<ArgMessages> = {
  weights: (w) =>
    "The `weights` argument should be either `None` (random initialization), 'imagenet' " +
    '(pre-training on ImageNet), or the path to the weights file to be loaded.  Received: ' +
    `weights=${w}`,
  classes: (c) =>
    "If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  " + `Received classes=${c}`,
};

/** The resolved options, after Keras's checks. */
export interface Resolved {
  includeTop: boolean;
  weights: WeightsArg;
  classes: number;
  pooling: 'avg' | 'max' | null;
  classifierActivation: string | null;
  /** The image input of the network. */
  imgInput: KerasTensor;
  /** The model's inputs (the sources of inputTensor, or imgInput). */
  inputs: KerasTensor | KerasTensor[];
  /** The image shape obtain_input_shape settled on (Keras names and picks weights by it). */
  inputShape: (number | null)[];
}

/** Keras's argument checks, then obtain_input_shape and the input tensor. */
export function resolveArgs(
  args: ApplicationArgs,
  builder: string,
  defaultSize = 224,
  minSize = 32,
  messages: ArgMessages = {},
  names: OptionNames<ApplicationArgs> = APPLICATION_OPTIONS,
): Resolved {
  checkOptions(args, names, builder);
  const say = { ...defaultMessages, ...messages };
  const weights = args.weights === undefined ? 'imagenet' : args.weights;
  const includeTop = args.includeTop ?? true;
  const classes = args.classes ?? 1000;
  if (!(weights === 'imagenet' || weights === null || (typeof weights === 'string' && existsSync(weights)))) {
    throw new ValueError(say.weights(String(weights)));
  }
  if (weights === 'imagenet' && includeTop && classes !== 1000) {
    throw new ValueError(say.classes(classes));
  }
  if (!Number.isInteger(classes) || classes < 1) {
    throw new ValueError(`${builder}: classes must be a positive integer, got ${describeValue(classes)}`);
  }
  const pooling = args.pooling ?? null;
  if (pooling !== null && pooling !== 'avg' && pooling !== 'max') {
    throw new ValueError(`${builder}: pooling must be 'avg', 'max' or null, got ${JSON.stringify(pooling)}`);
  }
  const inputShape = obtainInputShape(args.inputShape, defaultSize, minSize, includeTop, weights);
  let imgInput: KerasTensor;
  let inputs: KerasTensor | KerasTensor[];
  if (args.inputTensor === undefined || args.inputTensor === null) {
    imgInput = Input({ shape: inputShape });
    inputs = imgInput;
  } else {
    if (!isKerasTensor(args.inputTensor)) {
      throw new ValueError(
        `${builder}: inputTensor must be a KerasTensor (from layers.Input() or a layer's output), ` +
          `got ${String(args.inputTensor)}`,
      );
    }
    imgInput = args.inputTensor;
    const sources = sourceInputs(imgInput);
    inputs = sources.length === 1 ? sources[0] : sources;
  }
  const classifierActivation = args.classifierActivation === undefined ? 'softmax' : args.classifierActivation;
  return { includeTop, weights, classes, pooling, classifierActivation, imgInput, inputs, inputShape };
}

/** The Input tensors a KerasTensor is computed from (Keras's get_source_inputs). */
export function sourceInputs(t: KerasTensor): KerasTensor[] {
  const out: KerasTensor[] = [];
  const seen = new Set<KerasTensor>();
  const visit = (x: KerasTensor): void => {
    if (seen.has(x)) return;
    seen.add(x);
    const node = x.node;
    if (!node || node.layer instanceof InputLayer || node.inputs.length === 0) {
      out.push(x);
      return;
    }
    for (const i of node.inputs) visit(i);
  };
  visit(t);
  return out;
}

/** The optional global pooling of a model without its top (Keras names it as given, or auto-names it). */
export function poolingHead(
  x: KerasTensor,
  pooling: 'avg' | 'max' | null,
  names?: { avg: string; max: string },
): KerasTensor {
  if (pooling === 'avg') return new GlobalAveragePooling2D({ name: names?.avg }).apply(x);
  if (pooling === 'max') return new GlobalMaxPooling2D({ name: names?.max }).apply(x);
  return x;
}

/**
 * Loads Keras's ImageNet weights (getFile: ~/.keras/models, verified by hash, downloaded when
 * missing) or the caller's weight file into the model.
 */
export async function loadApplicationWeights(
  model: Model,
  r: Resolved,
  builder: string,
  files: { top: WeightsFile; notop: WeightsFile },
): Promise<void> {
  if (r.weights === null) return;
  let file: string;
  if (r.weights === 'imagenet') {
    const f = r.includeTop ? files.top : files.notop;
    file = await getFile(f.fname, f.origin, { cacheSubdir: f.cacheSubdir, fileHash: f.fileHash ?? undefined });
  } else {
    file = r.weights;
  }
  try {
    await loadWeights(model, file);
  } catch (e) {
    const what = `${builder}(includeTop=${r.includeTop})`;
    const other = r.includeTop ? 'the model without its top (includeTop: false)' : 'the full model (includeTop: true)';
    throw new FileFormatError(
      `${builder}: the weights file '${file}' does not fit the model '${model.name}' built by ` +
        `${what}; is it a weights file for another architecture, or for ${other}? ${(e as Error).message}`,
    );
  }
}
