// Pretrains the small VGG-style base of the pretrained-convnet example on the eight Fashion-MNIST
// classes that the small-data examples leave out, and saves it as Keras weight files.
//
// Run:  node --conditions=development --import tsx examples/pretrain_base.ts
//         [--out pretrained_output] [--epochs 2] [--size 64] [--batch 64] [--limit N]
// (npm run pretrained does this first when the base's file is missing.)
import { pretrainBase } from './small_vgg.js';

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

await pretrainBase({
  outDir: flag('out') ?? 'pretrained_output',
  epochs: num('epochs'),
  side: num('size'),
  batchSize: num('batch'),
  limit: num('limit'),
});
