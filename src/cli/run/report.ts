// `convkit report MODEL [--data DIR]`: writes the HTML report (src/report) of a model file, with
// the history and class names kept beside it, evaluated on an image folder read as `evaluate`
// reads it (the model's input size and colour mode, its class order).
import { existsSync, statSync } from 'node:fs';
import { imageDatasetFromDirectory } from '../../data/image_dataset.js';
import { writeReport } from '../../report/index.js';
import { CommandFailure } from '../args.js';
import type { Context } from '../command.js';
import {
  besideModel,
  historyFileFor,
  imageInput,
  openModel,
  readClassNames,
  readHistory,
  rescaleNote,
} from '../model_files.js';
import { labelModeFor } from './evaluate.js';

export async function report(ctx: Context): Promise<void> {
  const [modelFile] = ctx.args.positionals;
  const model = await openModel(modelFile, ctx.note);
  const given = ctx.args.str('history');
  const historyFile = given ?? historyFileFor(modelFile);
  const history = given !== undefined || existsSync(historyFile) ? readHistory(historyFile) : undefined;
  if (history !== undefined) ctx.info(`history: ${historyFile}`);
  else ctx.note(`no history beside the model (${historyFile}), so no curves; --history FILE gives one`);
  const classNames = readClassNames(modelFile) ?? undefined;
  const dir = ctx.args.str('data');
  let data;
  if (dir !== undefined) {
    if (!existsSync(dir)) throw new CommandFailure(`${dir}: no such folder (--data)`);
    if (!statSync(dir).isDirectory()) {
      throw new CommandFailure(`${dir}: not a folder; --data is a folder with one subfolder of images per class`);
    }
    const input = imageInput(model, modelFile);
    if (input.height === null || input.width === null) {
      throw new CommandFailure(`${modelFile}: the model's input size is not fixed, so images cannot be batched`);
    }
    const note = rescaleNote(model, false);
    if (note) ctx.note(note.replace(/; if it .*$/, ''));
    const outShape = model.outputs[0].shape;
    const outputs = outShape[outShape.length - 1] ?? 1;
    data = await imageDatasetFromDirectory(dir, {
      imageSize: [input.height, input.width],
      colorMode: input.colorMode,
      batchSize: ctx.args.num('batch-size', 32),
      labelMode: labelModeFor(model, outputs),
      classNames,
      shuffle: false,
      verbose: !ctx.quiet,
    });
    const found = data.classNames ?? [];
    const expected = outputs === 1 ? 2 : outputs;
    if (found.length !== expected) {
      throw new CommandFailure(
        `${dir}: has ${found.length} class folders (${found.join(', ')}) but the model '${model.name}' has ${expected} classes`,
      );
    }
  }
  const out = ctx.args.str('out') ?? besideModel(modelFile, '.report.html');
  ctx.info('writing the report...');
  const written = await writeReport(model, out, { title: ctx.args.str('title'), history, data, classNames });
  if (written.omitted.length > 0) ctx.info(`sections without data: ${written.omitted.join(', ')}`);
  ctx.out(`report: ${out}`);
}
