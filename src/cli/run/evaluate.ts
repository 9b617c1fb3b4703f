// `convkit evaluate MODEL DIR`: loss and accuracy of a model on an image folder with one
// subfolder per class, read at the model's input size with the labels the model was trained on.
import { imageDatasetFromDirectory } from '../../data/image_dataset.js';
import type { Model } from '../../models/model.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CommandFailure } from '../args.js';
import type { Context } from '../command.js';
import { imageInput, openModel, readClassNames, rescaleNote } from '../model_files.js';

/** The label form the model's loss wants, from its compile settings or else its output size. */
export function labelModeFor(model: Model, outputs: number): 'binary' | 'int' | 'categorical' {
  if (outputs === 1) return 'binary';
  const loss = model.compiled?.loss.name ?? '';
  return /^categorical|^CategoricalCrossentropy/.test(loss) ? 'categorical' : 'int';
}

export async function evaluate(ctx: Context): Promise<void> {
  const [modelFile, dir] = ctx.args.positionals;
  const model = await openModel(modelFile, ctx.note);
  const input = imageInput(model, modelFile);
  if (input.height === null || input.width === null) {
    throw new CommandFailure(`${modelFile}: the model's input size is not fixed, so images cannot be batched`);
  }
  const outShape = model.outputs[0].shape;
  const outputs = outShape[outShape.length - 1] ?? 1;
  const note = rescaleNote(model, ctx.args.has('rescale'));
  if (note) ctx.note(note);
  const classNames = readClassNames(modelFile);
  const labelMode = labelModeFor(model, outputs);
  if (!model.compiled) {
    model.compile({
      optimizer: 'rmsprop',
      loss: labelMode === 'binary' ? 'binary_crossentropy' : 'sparse_categorical_crossentropy',
      metrics: ['accuracy'],
    });
  }
  const ds = await imageDatasetFromDirectory(dir, {
    imageSize: [input.height, input.width],
    colorMode: input.colorMode,
    batchSize: ctx.args.num('batch-size', 32),
    labelMode,
    classNames: classNames ?? undefined,
    shuffle: false,
    verbose: !ctx.quiet,
  });
  const found = ds.classNames ?? [];
  const expected = outputs === 1 ? 2 : outputs;
  if (found.length !== expected) {
    throw new CommandFailure(
      `${dir}: has ${found.length} class folders (${found.join(', ')}) but the model '${model.name}' has ${expected} classes`,
    );
  }
  const rescale = ctx.args.num('rescale', 1);
  const data = rescale === 1 ? ds : ds.map(([x, y]: [Tensor, Tensor]): [Tensor, Tensor] => [x.mul(rescale), y]);
  const logs = await model.evaluate(data, { returnDict: true, verbose: ctx.quiet ? 0 : 'auto' });
  if (ctx.args.flag('json')) {
    ctx.out(JSON.stringify(logs));
    return;
  }
  ctx.out(
    Object.entries(logs)
      .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
      .join('  '),
  );
}
