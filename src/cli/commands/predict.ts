// `convkit predict MODEL IMAGE...`: the top classes of each image, as a table or JSON.
// The work is in ../run/predict.ts, loaded only when the command runs, so that help and usage
// errors answer without loading the library.
import type { Command } from '../command.js';
import { RESCALE_OPTION } from './shared.js';

export const predict: Command = {
  name: 'predict',
  summary: 'classify images with a trained model (a table, or JSON)',
  usage: 'MODEL IMAGE... [options]',
  positionals: [{ name: 'MODEL' }, { name: 'IMAGE', variadic: true }],
  options: {
    top: { kind: 'int', min: 1, metavar: 'K', help: 'show the K most likely classes of each image', defaultText: '1' },
    json: { kind: 'boolean', help: 'print JSON instead of a table' },
    ...RESCALE_OPTION,
  },
  description: [
    "Each image is resized to the model's input size (bilinear) and read in the model's colour mode " +
      "(grayscale or RGB). The model's own layers do the rest (a model trained by 'convkit train' holds its " +
      "Rescaling layer). Class names come from MODEL's classes file (model.keras -> model.classes.json); " +
      'without one, classes are numbered from 0. A model with one sigmoid output reports both classes.',
  ],
  examples: ['convkit predict model.keras cat.jpg dog.jpg', 'convkit predict model.keras photos/*.jpg --top 2 --json'],
  run: async (ctx) => (await import('../run/predict.js')).predict(ctx),
};
