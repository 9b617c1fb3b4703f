// `convkit summary MODEL`: Keras's model summary of any model file convkit reads.
// The work is in ../run/summary.ts, loaded only when the command runs, so that help and usage
// errors answer without loading the library.
import type { Command } from '../command.js';

export const summary: Command = {
  name: 'summary',
  summary: "print a model's layers, output shapes and parameter counts",
  usage: 'MODEL [options]',
  positionals: [{ name: 'MODEL' }],
  options: {
    'expand-nested': { kind: 'boolean', help: "also list the layers of nested models (a pretrained base's)" },
  },
  description: ['MODEL is a Keras 3 .keras archive, a Keras .h5 file, or a TensorFlow.js model.json (or its folder).'],
  examples: ['convkit summary model.keras', 'convkit summary web_model/model.json'],
  run: async (ctx) => (await import('../run/summary.js')).summary(ctx),
};
