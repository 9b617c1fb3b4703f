// `convkit explain conv|pool [IMAGE]`: an animated GIF of a convolution or a pooling window
// sliding over an image (an MNIST digit by default), as the chapter draws them. The work is in
// ../run/explain.ts, loaded only when the command runs, so that help and usage errors answer
// without loading the library.
import { type ParsedArgs, UsageError } from '../args.js';
import type { Command } from '../command.js';

const KINDS = ['conv', 'pool'] as const;
/** Flags that only one kind takes. */
const CONV_ONLY = ['kernel-size', 'filters'];
const POOL_ONLY = ['pool-size', 'mode'];

/** The kind and the flags' fit to it, checked before the library is loaded. */
export function checkExplainArgs(args: ParsedArgs): 'conv' | 'pool' {
  const kind = args.positionals[0];
  if (kind !== 'conv' && kind !== 'pool') {
    throw new UsageError(`explain: expected conv or pool first, got '${kind}'`);
  }
  const wrong = kind === 'conv' ? POOL_ONLY : CONV_ONLY;
  for (const name of args.given) {
    if (wrong.includes(name)) {
      throw new UsageError(
        `explain ${kind}: --${name} applies to 'convkit explain ${KINDS[1 - KINDS.indexOf(kind)]}' only`,
      );
    }
  }
  if (args.has('fps') && args.has('delay')) throw new UsageError(`explain ${kind}: give --fps or --delay, not both`);
  const out = args.str('out');
  if (out !== undefined && !/\.gif$/i.test(out)) {
    throw new UsageError(`explain ${kind}: --out must name a .gif file, got '${out}'`);
  }
  return kind;
}

export const explain: Command = {
  name: 'explain',
  summary: 'an animated GIF of a convolution or a pooling window sliding over an image',
  usage: 'conv|pool [IMAGE] [options]',
  positionals: [{ name: 'conv or pool' }, { name: 'IMAGE', optional: true }],
  options: {
    'kernel-size': { kind: 'int', min: 1, metavar: 'K', help: 'conv: window height and width', defaultText: '3' },
    filters: {
      kind: 'string',
      metavar: 'NAME|ROWS',
      help: "conv: edge, blur, sharpen, vertical, horizontal, or rows '1,0,-1; 2,0,-2; 1,0,-1'",
      defaultText: 'edge',
    },
    'pool-size': { kind: 'int', min: 1, metavar: 'P', help: 'pool: window height and width', defaultText: '2' },
    mode: { kind: 'choice', choices: ['max', 'average'], help: 'pool: max or average pooling', defaultText: 'max' },
    strides: { kind: 'int', min: 1, metavar: 'S', help: 'the step of the window', defaultText: '1 (conv), P (pool)' },
    padding: { kind: 'choice', choices: ['valid', 'same'], help: 'no padding, or zero padding', defaultText: 'valid' },
    out: {
      kind: 'string',
      metavar: 'FILE',
      help: 'the GIF to write',
      defaultText: 'explain_conv.gif / explain_pool.gif',
    },
    'frames-dir': { kind: 'string', metavar: 'DIR', help: 'also write each frame as a PNG into DIR' },
    fps: { kind: 'number', min: 0.1, max: 50, metavar: 'N', help: 'frames per second', defaultText: '10' },
    delay: { kind: 'int', min: 20, max: 60000, metavar: 'MS', help: 'milliseconds per frame (instead of --fps)' },
    'max-frames': {
      kind: 'int',
      min: 3,
      max: 5000,
      metavar: 'N',
      help: 'the most frames in the GIF',
      defaultText: '100',
    },
    scale: { kind: 'int', min: 1, max: 32, metavar: 'N', help: 'pixels per image pixel', defaultText: 'fits ~340 px' },
  },
  description: [
    'Each frame shows the window on the input (the zero padding as a light blue border with --padding same), ' +
      "the window's values, the kernel and the output value they make (or the max / mean), and the output " +
      'map filling in, with the shapes: (28, 28) -> (26, 26) for the default 3x3 convolution. The values are ' +
      'those Conv2D (one kernel, no bias) and MaxPooling2D / AveragePooling2D compute on the image.',
    'IMAGE is read in grey levels and scaled to 0..1 (shrunk to 64 pixels if larger); without it, an MNIST digit.',
  ],
  examples: [
    'convkit explain conv',
    'convkit explain conv --padding same --strides 2 digit.png --out conv_same.gif',
    "convkit explain conv --filters '1,0,-1; 2,0,-2; 1,0,-1' --frames-dir frames/",
    'convkit explain pool --mode average --pool-size 3',
  ],
  run: async (ctx) => {
    const kind = checkExplainArgs(ctx.args);
    await (await import('../run/explain.js')).explain(ctx, kind);
  },
};
