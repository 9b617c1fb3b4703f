// `convkit convert IN OUT`: a model from one file format to another (.keras, .h5, TF.js), with
// its class-name file carried along.
// The work is in ../run/convert.ts, loaded only when the command runs, so that help and usage
// errors answer without loading the library.
import type { Command } from '../command.js';

export const convert: Command = {
  name: 'convert',
  summary: 'convert a model between .keras, .h5 and TensorFlow.js',
  usage: 'IN OUT [options]',
  positionals: [{ name: 'IN' }, { name: 'OUT' }],
  options: {},
  description: [
    'IN is a .keras, .h5 or TF.js model.json (or its folder). OUT chooses the format by its name: ' +
      'NAME.keras (Keras 3), NAME.h5 (legacy Keras HDF5), or a folder or DIR/model.json (TensorFlow.js ' +
      "layers format). The model's class-name file (NAME.classes.json) is copied beside OUT.",
  ],
  examples: ['convkit convert model.keras model.h5', 'convkit convert model.keras web_model/'],
  run: async (ctx) => (await import('../run/convert.js')).convert(ctx),
};
