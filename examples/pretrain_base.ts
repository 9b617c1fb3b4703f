// Pretrains the small VGG-style base of the pretrained-convnet example on Fashion-MNIST images that
// the small-data folders do not contain, and saves it as Keras weight files.
//
// Run:  node --conditions=development --import tsx examples/pretrain_base.ts
//         [--out pretrained_output] [--split other-images|other-classes] [--epochs 10] [--size 32]
//         [--batch 64] [--limit N] [--no-augment]
// --split other-images (default): all ten classes, the 56,000 training images not in the small set;
//   other-classes: the 48,000 training images of the eight classes the small set does not use.
// --no-augment: no random flips and 1-pixel shifts of the training images.
// (npm run pretrained does this first when the base's file is missing.)
import { PRETRAIN_SPLITS, type PretrainSplit, pretrainBase } from './small_vgg.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const num = (name: string): number | undefined => {
  const v = flag(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer, got '${v}'`);
  return n;
};

const split = flag('split') ?? 'other-images';
const isSplit = (v: string): v is PretrainSplit => (PRETRAIN_SPLITS as readonly string[]).includes(v);
if (!isSplit(split)) throw new Error(`--split: expected one of ${PRETRAIN_SPLITS.join(', ')}, got '${split}'`);

await pretrainBase({
  outDir: flag('out') ?? 'pretrained_output',
  split,
  epochs: num('epochs') ?? 10,
  side: num('size'),
  batchSize: num('batch'),
  limit: num('limit'),
  augment: !process.argv.includes('--no-augment'),
});
