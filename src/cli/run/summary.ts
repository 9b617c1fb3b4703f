// `convkit summary MODEL`: Keras's model summary of any model file convkit reads.
import type { Context } from '../command.js';
import { openModel, readClassNames, classesFileFor } from '../model_files.js';

export async function summary(ctx: Context): Promise<void> {
  const file = ctx.args.positionals[0];
  const model = await openModel(file, ctx.note, false);
  model.summary({ printFn: ctx.out, expandNested: ctx.args.flag('expand-nested') });
  const classes = readClassNames(file);
  if (classes) ctx.out(` Classes: ${classes.join(', ')} (${classesFileFor(file)})`);
}
