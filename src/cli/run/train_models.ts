// The networks `convkit train` builds: the chapter's MNIST convnet, its small convnet for image
// folders, and a pretrained base with a new classifier on top (feature extraction, then fine-
// tuning of the base's top block). Each model holds its own input preprocessing (Rescaling, or
// the ImageNet mean as a frozen 1x1 convolution), so a saved model predicts on raw pixels.
import { existsSync } from 'node:fs';
import * as applications from '../../applications/index.js';
import { FileFormatError } from '../../errors.js';
import type { KerasTensor } from '../../layers/keras_tensor.js';
import type { Layer } from '../../layers/base.js';
import {
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  Input,
  MaxPooling2D,
  RandomFlip,
  RandomRotation,
  RandomZoom,
  Rescaling,
} from '../../layers/index.js';
import { Model } from '../../models/model.js';
import { Sequential } from '../../models/sequential.js';
import { Tensor } from '../../tensor/tensor.js';
import { CommandFailure, UsageError } from '../args.js';
import { CAFFE_PREPROCESS_LAYER, openModel } from '../model_files.js';
import type { BaseName } from '../commands/shared.js';

/** The chapter's MNIST convnet (examples/mnist_convnet.ts), taking pixel values 0..255. */
export function mnistConvnet(): Sequential {
  return new Sequential([
    new Rescaling(1 / 255, { inputShape: [28, 28, 1] }),
    new Conv2D(32, [3, 3], { activation: 'relu' }),
    new MaxPooling2D([2, 2]),
    new Conv2D(64, [3, 3], { activation: 'relu' }),
    new MaxPooling2D([2, 2]),
    new Conv2D(64, [3, 3], { activation: 'relu' }),
    new Flatten(),
    new Dense(64, { activation: 'relu' }),
    new Dense(10, { activation: 'softmax' }),
  ]);
}

/** The chapter's augmentation: random horizontal flips, rotations of up to 10% and zooms of 20%. */
function augmentation(): Sequential {
  return new Sequential([new RandomFlip('horizontal'), new RandomRotation(0.1), new RandomZoom(0.2)], {
    name: 'data_augmentation',
  });
}

/** The classifier's last layer: one sigmoid unit for two classes, else a softmax. */
function classifier(x: KerasTensor, classes: number): KerasTensor {
  return classes === 2
    ? new Dense(1, { activation: 'sigmoid' }).apply(x)
    : new Dense(classes, { activation: 'softmax' }).apply(x);
}

export interface SmallConvnetOptions {
  size: number;
  channels: number;
  classes: number;
  augment: boolean;
  dropout: number;
}

/**
 * The small-data convnet (Conv2D 32, 64, 128, 128, each 3x3 + 2x2 max pooling, Flatten,
 * Dropout, Dense 512, the classifier). Small images get fewer blocks: a block is added only while
 * its output keeps at least one pixel, so a 32x32 image gets three.
 */
export function smallConvnet(o: SmallConvnetOptions): Model {
  const inputs = Input({ shape: [o.size, o.size, o.channels] });
  let x = inputs;
  if (o.augment) x = augmentation().apply(x);
  x = new Rescaling(1 / 255).apply(x);
  let side = o.size;
  for (const filters of [32, 64, 128, 128]) {
    if (Math.floor((side - 2) / 2) < 1) break;
    x = new Conv2D(filters, 3, { activation: 'relu' }).apply(x);
    x = new MaxPooling2D(2).apply(x);
    side = Math.floor((side - 2) / 2);
  }
  if (side === o.size) {
    throw new UsageError(`train: --image-size ${o.size} is too small for a convnet (at least 4 pixels)`);
  }
  x = new Flatten().apply(x);
  if (o.dropout > 0) x = new Dropout(o.dropout).apply(x);
  x = new Dense(512, { activation: 'relu' }).apply(x);
  return new Model({ inputs, outputs: classifier(x, o.classes), name: 'small_convnet' });
}

type Builder = (args: applications.ApplicationArgs) => Promise<Model>;

interface BaseInfo {
  build: Builder;
  /** The ImageNet preprocessing the weights were trained with. */
  mode: 'caffe' | 'tf';
  /** The first layer of the base's top block, unfrozen by --fine-tune. */
  topBlock: string;
}

export const BASES: Record<BaseName, BaseInfo> = {
  vgg16: { build: applications.VGG16, mode: 'caffe', topBlock: 'block5_conv1' },
  vgg19: { build: applications.VGG19, mode: 'caffe', topBlock: 'block5_conv1' },
  resnet50: { build: applications.ResNet50, mode: 'caffe', topBlock: 'conv5_block3_1_conv' },
  mobilenetv2: { build: applications.MobileNetV2, mode: 'tf', topBlock: 'block_16_expand' },
  xception: { build: applications.Xception, mode: 'tf', topBlock: 'block14_sepconv1' },
};

/**
 * Keras's 'caffe' preprocessing (RGB to BGR, minus the ImageNet mean) as a layer, so that it is
 * saved with the model: a frozen 1x1 convolution whose kernel swaps the channels and whose bias
 * subtracts the mean. Keras reads it as an ordinary Conv2D.
 */
function caffePreprocess(x: KerasTensor): KerasTensor {
  const conv = new Conv2D(3, 1, { name: CAFFE_PREPROCESS_LAYER });
  const y = conv.apply(x);
  const kernel = new Float32Array(9);
  for (let c = 0; c < 3; c++) kernel[(2 - c) * 3 + c] = 1;
  conv.setWeights([new Tensor(kernel, [1, 1, 3, 3]), new Tensor(Float32Array.of(-103.939, -116.779, -123.68), [3])]);
  conv.trainable = false;
  return y;
}

/** What --weights names, as the application builders take it. */
function weightsArg(weights: string): string | null {
  if (weights === 'imagenet') return 'imagenet';
  if (weights === 'none') return null;
  if (!existsSync(weights)) throw new CommandFailure(`--weights ${weights}: no such file`);
  return weights;
}

export interface BaseModel {
  base: Model;
  /** The name of the first layer --fine-tune unfreezes. */
  topBlock: string | null;
  /** The base's own input size, when it has one. */
  size: number | null;
}

export function isBaseName(s: string): s is BaseName {
  return Object.hasOwn(BASES, s);
}

/** getFile's download failure, shortened to what a person needs to do next. */
export function offlineMessage(spec: string, message: string): string {
  const m =
    /could not download '[^']+' from (\S+): (.*?)\. To work offline, download .*? and put it at (.*?)(?: \(its .*\))?\.$/.exec(
      message,
    );
  const what = `the ImageNet weights of ${spec}`;
  const instead = 'or train with --weights FILE (a Keras weights file) or --weights none';
  if (!m) return `${what} could not be loaded: ${message.replace(/^getFile: /, '')} ${instead}`;
  const [, url, cause, target] = m;
  return `${what} could not be downloaded (${cause}); to work offline, put ${url} at ${target}, ${instead}`;
}

/** The pretrained base without its top: a named application, or a model file. */
export async function loadBase(
  spec: string,
  weights: string,
  size: number,
  note: (line: string) => void,
): Promise<BaseModel & { mode: 'caffe' | 'tf' | 'file' }> {
  const info = isBaseName(spec) ? BASES[spec] : undefined;
  if (info) {
    let base: Model;
    try {
      base = await info.build({ weights: weightsArg(weights), includeTop: false, inputShape: [size, size, 3] });
    } catch (e) {
      if (weights === 'imagenet' && e instanceof FileFormatError && /could not download/.test(e.message)) {
        throw new CommandFailure(offlineMessage(spec, e.message));
      }
      throw e;
    }
    return { base, topBlock: info.topBlock, size, mode: info.mode };
  }
  const base = await openModel(spec, note, false);
  const shape = base.inputs[0]?.shape ?? [];
  return { base, topBlock: null, size: shape[1] ?? null, mode: 'file' };
}

export interface TransferOptions {
  size: number;
  classes: number;
  augment: boolean;
  dropout: number;
}

/**
 * The chapter's feature extraction with augmentation: inputs, augmentation, the base's
 * preprocessing, the frozen base, Flatten, Dense 256, Dropout, the classifier. A base read from
 * a file gets pixels scaled to 0..1 unless it starts with a Rescaling layer of its own.
 */
export function transferModel(b: BaseModel & { mode: 'caffe' | 'tf' | 'file' }, o: TransferOptions): Model {
  const channels = b.base.inputs[0].shape[3] ?? 3;
  const inputs = Input({ shape: [o.size, o.size, channels] });
  let x = inputs;
  if (o.augment) x = augmentation().apply(x);
  if (b.mode === 'caffe') x = caffePreprocess(x);
  else if (b.mode === 'tf') x = new Rescaling(1 / 127.5, { offset: -1 }).apply(x);
  else if (!b.base.layers.slice(0, 3).some((l) => l.className === 'Rescaling')) x = new Rescaling(1 / 255).apply(x);
  b.base.trainable = false;
  x = b.base.apply(x);
  if (x.shape.length > 2) x = new Flatten().apply(x);
  x = new Dense(256, { activation: 'relu' }).apply(x);
  if (o.dropout > 0) x = new Dropout(o.dropout).apply(x);
  return new Model({ inputs, outputs: classifier(x, o.classes), name: `${b.base.name}_classifier` });
}

/**
 * Unfreezes the base's top block for fine-tuning (as the chapter unfreezes block5 of VGG16):
 * from the named layer on, or for a base from a file, the layers after its second-to-last
 * pooling layer. BatchNormalization layers stay frozen (Keras's advice: their statistics were
 * learnt on far more data). Returns the names of the layers made trainable.
 */
export function unfreezeTopBlock(b: BaseModel): string[] {
  const layers: Layer[] = b.base.layers;
  let start = b.topBlock === null ? -1 : layers.findIndex((l) => l.name === b.topBlock);
  if (start < 0) {
    const pools = layers.flatMap((l, i) => (/Pooling/.test(l.className) ? [i] : []));
    start = pools.length >= 2 ? pools[pools.length - 2] + 1 : Math.max(0, layers.length - 4);
  }
  b.base.trainable = true;
  const opened: string[] = [];
  layers.forEach((l, i) => {
    l.trainable = i >= start && l.className !== 'BatchNormalization';
    if (l.trainable && l.weights.length > 0) opened.push(l.name);
  });
  return opened;
}
