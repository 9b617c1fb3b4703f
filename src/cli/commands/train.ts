// `convkit train mnist` and `convkit train DIR`: the chapter's MNIST convnet, and its small-data
// convnet or a pretrained base with a new classifier (then fine-tuning) on an image folder.
// The work is in ../run/train.ts, loaded only when the command runs, so that help and usage
// errors answer without loading the library.
import { type ParsedArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { BASE_NAMES } from './shared.js';

/** What `--report FILE` must name; `--report` followed by anything else takes the default file. */
const HTML_FILE = /\.html?$/i;

/** Flags that only `train DIR` takes, and the one only `train mnist` takes. */
const DIR_ONLY = [
  'image-size',
  'color-mode',
  'augment',
  'dropout',
  'validation-split',
  'validation',
  'base',
  'weights',
  'fine-tune',
  'fine-tune-epochs',
  'fine-tune-learning-rate',
];
const MNIST_ONLY = ['limit'];

/** The checks of the flags' combinations, made before the library is loaded. */
export function checkTrainArgs(args: ParsedArgs): void {
  const mnistRun = args.positionals[0] === 'mnist';
  for (const name of args.given) {
    if (mnistRun && DIR_ONLY.includes(name)) {
      throw new UsageError(`train mnist: --${name} applies to 'convkit train DIR' (an image folder) only`);
    }
    if (!mnistRun && MNIST_ONLY.includes(name)) {
      throw new UsageError(`train: --${name} applies to 'convkit train mnist' only`);
    }
  }
  const base = args.str('base');
  const named = base !== undefined && (BASE_NAMES as readonly string[]).includes(base);
  if (args.has('weights') && !named) {
    throw new UsageError(`train: --weights goes with --base ${BASE_NAMES.join('|')}`);
  }
  if (args.flag('fine-tune') && base === undefined) throw new UsageError('train: --fine-tune needs --base');
  for (const f of ['fine-tune-epochs', 'fine-tune-learning-rate']) {
    if (args.has(f) && !args.flag('fine-tune')) throw new UsageError(`train: --${f} goes with --fine-tune`);
  }
  if (args.has('validation') && args.has('validation-split')) {
    throw new UsageError('train: give --validation DIR or --validation-split, not both');
  }
  checkOut(args.str('out', mnistRun ? 'mnist_convnet.keras' : 'model.keras'));
  const report = args.str('report');
  if (report !== undefined && !HTML_FILE.test(report)) {
    throw new UsageError(`train: --report must name an .html file, got '${report}'`);
  }
}

function checkOut(out: string): void {
  if (out.endsWith('.weights.h5') || !/\.(keras|h5|hdf5)$/.test(out)) {
    throw new UsageError(`train: --out must name a .keras or .h5 file, got '${out}'`);
  }
}

export const train: Command = {
  name: 'train',
  summary: "train the chapter's MNIST convnet, or a convnet on an image folder",
  usage: 'mnist|DIR [options]',
  positionals: [{ name: 'mnist or DIR' }],
  options: {
    epochs: { kind: 'int', min: 1, help: 'training epochs', defaultText: '5 for mnist, 30 for DIR' },
    'batch-size': { kind: 'int', min: 1, help: 'images per batch', defaultText: '64 for mnist, 32 for DIR' },
    out: {
      kind: 'string',
      metavar: 'FILE',
      help: 'the model file (.keras or .h5)',
      defaultText: 'mnist_convnet.keras / model.keras',
    },
    seed: { kind: 'int', help: 'random seed (weights, shuffling, split)', defaultText: '1 for mnist, 1337 for DIR' },
    limit: { kind: 'int', min: 1, metavar: 'N', help: 'mnist: train on the first N images only', defaultText: '60000' },
    'image-size': { kind: 'int', min: 4, metavar: 'N', help: 'DIR: images are resized to NxN', defaultText: '150' },
    'color-mode': {
      kind: 'choice',
      choices: ['rgb', 'grayscale'],
      help: 'DIR: colour mode of the images',
      defaultText: 'rgb',
    },
    augment: { kind: 'boolean', help: 'DIR: random flips, rotations and zooms while training' },
    dropout: {
      kind: 'number',
      min: 0,
      max: 1,
      maxExclusive: true,
      metavar: 'RATE',
      help: 'DIR: dropout before the dense layer',
      defaultText: '0.5',
    },
    'validation-split': {
      kind: 'number',
      min: 0,
      max: 1,
      minExclusive: true,
      maxExclusive: true,
      metavar: 'X',
      help: 'DIR: fraction of the images kept for validation',
      defaultText: '0.2',
    },
    validation: {
      kind: 'string',
      metavar: 'DIR',
      help: 'DIR: validation images in their own folder (instead of a split)',
    },
    base: {
      kind: 'string',
      metavar: 'NAME|FILE',
      help: `DIR: a pretrained base to extract features with: ${BASE_NAMES.join(', ')}, or a model file`,
    },
    weights: {
      kind: 'string',
      metavar: 'W',
      help: "DIR: the base's weights: imagenet, none, or a Keras weights file",
      defaultText: 'imagenet',
    },
    'learning-rate': {
      kind: 'number',
      min: 0,
      minExclusive: true,
      metavar: 'X',
      help: 'RMSprop learning rate',
      defaultText: '0.001',
    },
    'fine-tune': {
      kind: 'boolean',
      help: "DIR: then unfreeze the base's top block and train on at a low learning rate",
    },
    'fine-tune-epochs': {
      kind: 'int',
      min: 1,
      metavar: 'N',
      help: 'epochs of fine-tuning',
      defaultText: 'as --epochs',
    },
    'fine-tune-learning-rate': {
      kind: 'number',
      min: 0,
      minExclusive: true,
      metavar: 'X',
      help: 'learning rate of fine-tuning',
      defaultText: '1e-5',
    },
    report: {
      kind: 'string',
      metavar: '[FILE]',
      optionalValue: HTML_FILE,
      help: "then write the run's HTML report (curves, metrics, Grad-CAM...)",
      defaultText: 'NAME.report.html beside --out',
    },
  },
  description: [
    "'convkit train mnist' trains the chapter's first convnet on MNIST (60,000 digits, included) and reports " +
      'its test accuracy.',
    "'convkit train DIR' trains on DIR, a folder with one subfolder of images per class (DIR/cats/*.jpg, " +
      "DIR/dogs/*.jpg): the chapter's small convnet (Conv2D 32-64-128-128 with max pooling, dropout, Dense 512; " +
      'fewer blocks for small images), or with --base a frozen pretrained convnet with a new classifier on top ' +
      '(feature extraction), and with --fine-tune a second phase that unfreezes the top block of the base. Two ' +
      'classes get one sigmoid output, more get a softmax.',
    'The best model by validation loss is saved to --out (the model holds its own rescaling, so predict needs ' +
      'no flags), with its class names in NAME.classes.json, its training curves in NAME.curves.png and its ' +
      "history in NAME.history.json (which 'convkit report' reads). With --report, an HTML report of the run is " +
      'written too, evaluated on the validation images (the test images for mnist).',
  ],
  examples: [
    'convkit train mnist --epochs 2 --report',
    'convkit train cats_vs_dogs/train --validation cats_vs_dogs/validation --augment --epochs 50',
    'convkit train flowers/ --base vgg16 --weights vgg16_notop.h5 --fine-tune --out flowers.keras',
  ],
  run: async (ctx) => {
    checkTrainArgs(ctx.args);
    await (await import('../run/train.js')).train(ctx);
  },
};
