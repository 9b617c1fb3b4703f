// Builds VGG16, ResNet50, MobileNetV2 and Xception with convkit (random weights, batch-norm
// statistics made non-trivial, small inputs), saves each as .keras with an input batch and
// convkit's predictions (.npy) for check_in_keras.py. Usage: make_convkit_models.ts DIR
import path from 'node:path';
import { Tensor, applications, type models, utils } from 'convkit';

export const MODELS: Record<string, { builder: string; args: applications.MobileNetV2Args; input: number[] }> = {
  vgg16: {
    builder: 'VGG16',
    args: { includeTop: false, inputShape: [32, 32, 3], pooling: 'avg' },
    input: [2, 32, 32, 3],
  },
  resnet50: { builder: 'ResNet50', args: { inputShape: [64, 64, 3], classes: 10 }, input: [2, 64, 64, 3] },
  mobilenet_v2: { builder: 'MobileNetV2', args: { alpha: 0.35, inputShape: [96, 96, 3] }, input: [2, 96, 96, 3] },
  xception: {
    builder: 'Xception',
    args: { includeTop: false, inputShape: [71, 71, 3], pooling: 'max' },
    input: [2, 71, 71, 3],
  },
};

export function build(builder: string, args: applications.MobileNetV2Args): Promise<models.Model> {
  const b = {
    VGG16: applications.VGG16,
    ResNet50: applications.ResNet50,
    MobileNetV2: applications.MobileNetV2,
    Xception: applications.Xception,
  }[builder];
  if (!b) throw new Error(`unknown builder ${builder}`);
  return b(args);
}

/** Deterministic pixels in [0, 255], preprocessed the way the model expects ('caffe' or 'tf'). */
export function input(key: string, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Tensor(
    new Float32Array(n).map((_, i) => (i * 7919 + 13) % 256),
    shape,
  );
  return key === 'vgg16' || key === 'resnet50'
    ? applications.vgg16.preprocessInput(x)
    : applications.mobilenetV2.preprocessInput(x);
}

async function main(dir: string): Promise<void> {
  for (const [key, spec] of Object.entries(MODELS)) {
    utils.clearSession();
    const m = await build(spec.builder, { ...spec.args, weights: null });
    let seed = 1;
    for (const w of m.weights) {
      if (w.name.endsWith('moving_variance') || w.name.endsWith('moving_mean')) {
        const d = w.data as Float32Array;
        const mean = w.name.endsWith('moving_mean');
        for (let i = 0; i < d.length; i++) {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          d[i] = mean ? (seed / 2147483648 - 0.5) * 0.2 : 0.5 + seed / 2147483648;
        }
      }
    }
    const x = input(key, spec.input);
    await m.save(path.join(dir, `${key}.keras`));
    await utils.saveNpy(path.join(dir, `${key}_x.npy`), x);
    await utils.saveNpy(path.join(dir, `${key}_y.npy`), m.predict(x));
    console.log('wrote', key);
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main(process.argv[2]);
