// `convkit convert IN OUT`: a model from one file format to another (.keras, .h5, TF.js), with
// its class-name file carried along.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { atomicWriteFileSync } from '../../io/atomic.js';
import { saveModel } from '../../io/index.js';
import { UsageError } from '../args.js';
import type { Context } from '../command.js';
import { FORMAT_NAMES, classesFileFor, formatOfTarget, openModel, saveTarget } from '../model_files.js';

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
  const classes = classesFileFor(input);
  if (existsSync(classes)) {
    const target = classesFileFor(output);
    if (path.resolve(target) !== path.resolve(classes)) {
      atomicWriteFileSync(target, readFileSync(classes));
      ctx.info(`wrote ${target} (class names)`);
    }
  }
}
