// `convkit evaluate MODEL DIR`: loss and accuracy of a model on an image folder with one
// subfolder per class, read at the model's input size with the labels the model was trained on.
// The work is in ../run/evaluate.ts, loaded only when the command runs, so that help and usage
// errors answer without loading the library.
import type { Command } from '../command.js';
import { RESCALE_OPTION } from './shared.js';

export const evaluate: Command = {
  name: 'evaluate',
  summary: "a model's loss and accuracy on an image folder (one subfolder per class)",
  usage: 'MODEL DIR [options]',
  positionals: [{ name: 'MODEL' }, { name: 'DIR' }],
  options: {
    'batch-size': { kind: 'int', min: 1, help: 'images per batch', defaultText: '32' },
    json: { kind: 'boolean', help: 'print the metrics as JSON' },
    ...RESCALE_OPTION,
  },
  description: [
    "DIR holds one subfolder per class, as for 'convkit train'; the class order is the model's " +
      '(its classes file), else alphabetical. A model saved without compile settings is evaluated ' +
      'with the cross-entropy that fits its output (binary for one unit, sparse categorical otherwise).',
  ],
  examples: ['convkit evaluate model.keras data/test'],
  run: async (ctx) => (await import('../run/evaluate.js')).evaluate(ctx),
};
