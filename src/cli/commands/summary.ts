// `convkit summary MODEL`: Keras's model summary of any model file convkit reads.
import type { Command } from '../command.js';
import { openModel, readClassNames, classesFileFor } from '../model_files.js';

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
  async run(ctx) {
    const file = ctx.args.positionals[0];
    const model = await openModel(file, ctx.note, false);
    model.summary({ printFn: ctx.out, expandNested: ctx.args.flag('expand-nested') });
    const classes = readClassNames(file);
    if (classes) ctx.out(` Classes: ${classes.join(', ')} (${classesFileFor(file)})`);
  },
};
