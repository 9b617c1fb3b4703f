// `convkit activations|filters|gradcam`: the chapter's three ways of seeing inside a convnet.
// The work is in ../run/vis.ts, loaded only when the command runs, so that help and usage
// errors answer without loading the library.
import type { Command } from '../command.js';
import { RESCALE_OPTION } from './shared.js';

export const activations: Command = {
  name: 'activations',
  summary: "one image's intermediate activations, one grid picture per layer",
  usage: 'MODEL IMAGE [options]',
  positionals: [{ name: 'MODEL' }, { name: 'IMAGE' }],
  options: {
    out: { kind: 'string', metavar: 'DIR', help: 'folder for the pictures', defaultText: 'activations' },
    layers: { kind: 'int', min: 1, metavar: 'N', help: 'the first N convolution and pooling layers', defaultText: '8' },
    'images-per-row': { kind: 'int', min: 1, metavar: 'N', help: 'channels per row of a grid', defaultText: '16' },
    ...RESCALE_OPTION,
  },
  description: [
    "Draws every channel of the first convolution and pooling layers' outputs for IMAGE (viridis), as " +
      'the chapter does, one PNG per layer named NN_<layer>.png.',
  ],
  examples: ['convkit activations model.keras cat.jpg --out activations/'],
  run: async (ctx) => (await import('../run/vis.js')).activations(ctx),
};

export const filters: Command = {
  name: 'filters',
  summary: 'the patterns that filters of a convolution respond to most (gradient ascent)',
  usage: 'MODEL --layer NAME [options]',
  positionals: [{ name: 'MODEL' }],
  options: {
    layer: { kind: 'string', metavar: 'NAME', help: 'the convolution layer (required; nested bases included)' },
    out: { kind: 'string', metavar: 'DIR', help: 'folder for filters_<layer>.png', defaultText: '.' },
    filters: { kind: 'int', min: 1, metavar: 'N', help: 'how many filters, from the first', defaultText: '64 or all' },
    steps: { kind: 'int', min: 1, metavar: 'N', help: 'gradient-ascent steps per filter', defaultText: '30' },
    'step-size': {
      kind: 'number',
      min: 0,
      minExclusive: true,
      metavar: 'X',
      help: 'ascent step size',
      defaultText: '10',
    },
  },
  description: [
    "The second edition's recipe: from a grey, slightly noisy image, gradient ascent on the mean " +
      "activation of each filter; the patterns are drawn 8 a row in one PNG. Uses the model's input size (150 " +
      'when free).',
  ],
  examples: ['convkit filters model.keras --layer conv2d_2 --out filters/'],
  run: async (ctx) => (await import('../run/vis.js')).filters(ctx),
};

export const gradcam: Command = {
  name: 'gradcam',
  summary: 'Grad-CAM heatmaps: where in each image the model saw its class',
  usage: 'MODEL IMAGE... [options]',
  positionals: [{ name: 'MODEL' }, { name: 'IMAGE', variadic: true }],
  options: {
    out: { kind: 'string', metavar: 'DIR', help: 'folder for <image>_gradcam.png', defaultText: 'gradcam' },
    layer: { kind: 'string', metavar: 'NAME', help: 'the convolution to explain', defaultText: 'the last one' },
    class: {
      kind: 'string',
      metavar: 'C',
      help: 'explain this class (name or index)',
      defaultText: "each image's top class",
    },
    alpha: {
      kind: 'number',
      min: 0,
      max: 1,
      metavar: 'X',
      help: "the heatmap's weight in the overlay",
      defaultText: '0.4',
    },
    ...RESCALE_OPTION,
  },
  description: [
    'Grad-CAM as the chapter computes it, drawn over the original picture (jet colours). With one sigmoid ' +
      'output, the map shows the evidence for the second class.',
  ],
  examples: ['convkit gradcam model.keras cat.jpg dog.jpg --out gradcam/'],
  run: async (ctx) => (await import('../run/vis.js')).gradcam(ctx),
};
