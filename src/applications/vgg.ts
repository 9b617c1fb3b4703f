// The VGG family (keras/src/applications/vgg16.py, vgg19.py): blocks of 3x3 'same' convolutions
// with ReLU, each closed by a 2x2 max pooling; then either the classifier top (Flatten, fc1, fc2,
// predictions) or optional global pooling. Keras's layer names, so Keras's weight files load.
import { Conv2D } from '../layers/convolutional.js';
import { Dense, Flatten } from '../layers/core.js';
import { MaxPooling2D } from '../layers/pooling.js';
import { Model } from '../models/model.js';
import { type ApplicationArgs, type WeightsFile, loadApplicationWeights, poolingHead, resolveArgs } from './common.js';
import { validateActivation } from './imagenet_utils.js';

const FILTERS = [64, 128, 256, 512, 512];

/** Builds a VGG network with `convsPerBlock[i]` convolutions in block i+1. */
export async function buildVGG(
  args: ApplicationArgs,
  builder: string,
  defaultName: string,
  convsPerBlock: readonly number[],
  files: { top: WeightsFile; notop: WeightsFile },
): Promise<Model> {
  const r = resolveArgs(args, builder);
  let x = r.imgInput;
  convsPerBlock.forEach((convs, b) => {
    for (let i = 1; i <= convs; i++) {
      const name = `block${b + 1}_conv${i}`;
      x = new Conv2D(FILTERS[b], [3, 3], { activation: 'relu', padding: 'same', name }).apply(x);
    }
    x = new MaxPooling2D([2, 2], { strides: [2, 2], name: `block${b + 1}_pool` }).apply(x);
  });
  if (r.includeTop) {
    x = new Flatten({ name: 'flatten' }).apply(x);
    x = new Dense(4096, { activation: 'relu', name: 'fc1' }).apply(x);
    x = new Dense(4096, { activation: 'relu', name: 'fc2' }).apply(x);
    validateActivation(r.classifierActivation, r.weights);
    x = new Dense(r.classes, { activation: r.classifierActivation, name: 'predictions' }).apply(x);
  } else {
    x = poolingHead(x, r.pooling);
  }
  const model = new Model({ inputs: r.inputs, outputs: x, name: args.name ?? defaultName });
  await loadApplicationWeights(model, r, builder, files);
  return model;
}
