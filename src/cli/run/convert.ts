// `convkit convert IN OUT`: a model from one file format to another (.keras, .h5, TF.js), with
// its class-name file carried along.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { atomicWriteFileSync } from '../../io/atomic.js';
import { saveModel } from '../../io/index.js';
import { UsageError } from '../args.js';
import type { Context } from '../command.js';
import { FORMAT_NAMES, classesFileFor, formatOfTarget, historyFileFor, openModel, saveTarget } from '../model_files.js';

export async function convert(ctx: Context): Promise<void> {
  const [input, output] = ctx.args.positionals;
  const format = formatOfTarget(output);
  if (format === null) {
    throw new UsageError(
      `convert: cannot tell the format of '${output}'; use NAME.keras, NAME.h5, or a folder or DIR/model.json for TensorFlow.js` +
        (output.endsWith('.weights.h5') ? ' (a .weights.h5 file holds weights only, not a model)' : ''),
    );
  }
  const model = await openModel(input, ctx.note);
  await saveModel(model, saveTarget(output, format));
  ctx.out(`wrote ${output} (${FORMAT_NAMES[format]})`);
  // What convkit train keeps beside a model travels with it: its class names and its history.
  const companions: [string, string, string][] = [
    [classesFileFor(input), classesFileFor(output), 'class names'],
    [historyFileFor(input), historyFileFor(output), 'training history'],
  ];
  for (const [from, to, what] of companions) {
    if (existsSync(from) && path.resolve(to) !== path.resolve(from)) {
      atomicWriteFileSync(to, readFileSync(from));
      ctx.info(`wrote ${to} (${what})`);
    }
  }
}
