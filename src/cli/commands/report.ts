// `convkit report MODEL [--data DIR]`: the HTML report of a trained model (its summary, the
// curves of its training history, and with --data its metrics, confusion matrix, confidently
// wrong images, activations and Grad-CAM). The work is in ../run/report.ts, loaded only when the
// command runs, so that help and usage errors answer without loading the library.
import { UsageError } from '../args.js';
import type { Command } from '../command.js';

export const report: Command = {
  name: 'report',
  summary: 'one self-contained HTML page about a model and its run, to open in a browser',
  usage: 'MODEL [options]',
  positionals: [{ name: 'MODEL' }],
  options: {
    data: {
      kind: 'string',
      metavar: 'DIR',
      help: 'images to evaluate on, one subfolder per class (metrics, confusion matrix, Grad-CAM...)',
    },
    out: { kind: 'string', metavar: 'FILE', help: 'the HTML file', defaultText: 'NAME.report.html beside MODEL' },
    history: {
      kind: 'string',
      metavar: 'FILE',
      help: 'the training history (JSON) for the curves',
      defaultText: 'NAME.history.json beside MODEL, when there',
    },
    title: { kind: 'string', metavar: 'TEXT', help: "the page's title", defaultText: 'Report: <model name>' },
    'batch-size': { kind: 'int', min: 1, help: 'images per batch when evaluating', defaultText: '32' },
  },
  description: [
    'The report holds the model summary, the training and validation curves (from the history that ' +
      "'convkit train' saves beside the model, or --history), the final metrics, and with --data the " +
      'confusion matrix, the most confidently wrong images, the activations of one image and Grad-CAM ' +
      'overlays. DIR is read at the model input size, in the class order of the classes file beside ' +
      'the model. The page loads nothing from the network: pictures are inline, so it opens from disk.',
  ],
  examples: ['convkit report model.keras --data photos_test/', 'convkit report model.keras --out run1.html'],
  run: async (ctx) => {
    const out = ctx.args.str('out');
    if (out !== undefined && !/\.html?$/i.test(out)) {
      throw new UsageError(`report: --out must name an .html file, got '${out}'`);
    }
    await (await import('../run/report.js')).report(ctx);
  },
};
