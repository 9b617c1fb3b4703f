// `convkit train mnist` and `convkit train DIR`: the chapter's MNIST convnet, and its small-data
// convnet (or a pretrained base with a new classifier, then fine-tuning) on an image folder with
// one subfolder per class. Saves the best model, its class names and its curves beside it.
import { existsSync, statSync } from 'node:fs';
import { ModelCheckpoint } from '../../callbacks/checkpoint.js';
import type { History } from '../../callbacks/callback.js';
import { imageDatasetFromDirectory } from '../../data/image_dataset.js';
import type { Dataset } from '../../data/dataset.js';
import { mnist } from '../../datasets/index.js';
import { saveModel } from '../../io/index.js';
import { writeReport } from '../../report/index.js';
import type { ReportData } from '../../report/index.js';
import { RMSprop } from '../../optimizers/index.js';
import { setRandomSeed } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { toCategorical } from '../../utils/index.js';
import { plotHistory } from '../../vis/plot.js';
import { CommandFailure, UsageError } from '../args.js';
import type { Context } from '../command.js';
import { besideModel, openModel, writeClassNames, writeHistory } from '../model_files.js';
import {
  BASES,
  isBaseName,
  loadBase,
  mnistConvnet,
  smallConvnet,
  transferModel,
  unfreezeTopBlock,
} from './train_models.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function checkFolder(dir: string, what: string): void {
  if (!existsSync(dir)) throw new CommandFailure(`${dir}: no such folder (${what})`);
  if (!statSync(dir).isDirectory()) {
    throw new CommandFailure(`${dir}: not a folder; ${what} is a folder with one subfolder of images per class`);
  }
}

/** Both phases' curves as one history, the second phase's epochs following the first's. */
function joinHistories(a: History, b: History | null): { history: Record<string, number[]>; epoch: number[] } {
  if (b === null) return { history: a.history, epoch: a.epoch };
  const history: Record<string, number[]> = {};
  for (const k of Object.keys(a.history)) history[k] = [...a.history[k], ...(b.history[k] ?? [])];
  return { history, epoch: [...a.epoch, ...b.epoch] };
}

/** With --report: the HTML report of the saved (best) model, its history and the evaluation data. */
async function maybeReport(
  ctx: Context,
  out: string,
  history: Record<string, number[]>,
  data: ReportData,
  classNames: string[],
): Promise<void> {
  if (!ctx.args.has('report')) return;
  const file = ctx.args.str('report') ?? besideModel(out, '.report.html');
  ctx.info('writing the report...');
  const best = await openModel(out, ctx.note);
  await writeReport(best, file, { history, data, classNames });
  ctx.out(`report: ${file}`);
}

async function trainMnist(ctx: Context): Promise<void> {
  const a = ctx.args;
  const out = a.str('out', 'mnist_convnet.keras');
  setRandomSeed(a.num('seed', 1));
  const epochs = a.num('epochs', 5);
  const batchSize = a.num('batch-size', 64);
  const limit = a.num('limit', 60000);
  const model = mnistConvnet();
  if (!ctx.quiet) model.summary({ printFn: ctx.info });
  const [[trainImages, trainLabels], [testImages, testLabels]] = await mnist.loadData();
  const x = trainImages.slice(0, limit).reshape([-1, 28, 28, 1]).astype('float32');
  const y = toCategorical(trainLabels.slice(0, limit), 10);
  const xTest = testImages.reshape([-1, 28, 28, 1]).astype('float32');
  model.compile({ optimizer: 'rmsprop', loss: 'categorical_crossentropy', metrics: ['accuracy'] });
  ctx.info(`training on ${x.shape[0]} MNIST images, ${plural(epochs, 'epoch')} of batches of ${batchSize}`);
  const history = await model.fit(x, y, { epochs, batchSize, verbose: ctx.quiet ? 0 : 'auto' });
  const yTest = toCategorical(testLabels, 10);
  const [testLoss, testAcc] = await model.evaluate(xTest, yTest, {
    verbose: ctx.quiet ? 0 : 'auto',
  });
  await saveModel(model, out);
  writeClassNames(
    out,
    Array.from({ length: 10 }, (_, i) => String(i)),
  );
  const curves = besideModel(out, '.curves.png');
  await plotHistory(history, curves);
  writeHistory(out, history.history, history.epoch);
  ctx.out(`test_loss: ${testLoss.toFixed(4)}  test_acc: ${testAcc.toFixed(4)}`);
  ctx.out(`model: ${out}`);
  ctx.out(`curves: ${curves}`);
  await maybeReport(
    ctx,
    out,
    history.history,
    // One-hot, as the model's categorical cross-entropy takes them.
    { x: xTest, y: yTest },
    Array.from({ length: 10 }, (_, i) => String(i)),
  );
}

type Images = Dataset<[Tensor, Tensor]>;

async function trainFolder(ctx: Context, dir: string): Promise<void> {
  const a = ctx.args;
  checkFolder(dir, 'the training images');
  const out = a.str('out', 'model.keras');
  const seed = a.num('seed', 1337);
  setRandomSeed(seed);
  const baseSpec = a.str('base');
  if (baseSpec !== undefined && !isBaseName(baseSpec) && !existsSync(baseSpec)) {
    throw new UsageError(
      `train: --base must be one of ${Object.keys(BASES).join(', ')} or a model file, got '${baseSpec}' (no such file)`,
    );
  }
  let colorMode = a.str('color-mode', 'rgb') as 'rgb' | 'grayscale';
  if (baseSpec !== undefined && isBaseName(baseSpec) && colorMode !== 'rgb') {
    throw new UsageError(`train: --base ${baseSpec} takes RGB images; leave out --color-mode grayscale`);
  }
  const base =
    baseSpec === undefined
      ? null
      : await loadBase(baseSpec, a.str('weights', 'imagenet'), a.num('image-size', 150), ctx.note);
  if (base?.mode === 'file') {
    // A base from a file decides the colour mode, as it decides the image size below.
    const wanted = base.base.inputs[0].shape[3] === 1 ? 'grayscale' : 'rgb';
    if (a.has('color-mode') && colorMode !== wanted) {
      throw new UsageError(
        `train: --color-mode ${colorMode} does not fit the base ${baseSpec}, which takes ${wanted} images`,
      );
    }
    colorMode = wanted;
  }
  let size = a.num('image-size', 150);
  if (base?.mode === 'file' && base.size !== null) {
    if (a.has('image-size') && size !== base.size) {
      throw new UsageError(
        `train: --image-size ${size} does not fit the base ${baseSpec}, whose input is ${base.size}x${base.size}`,
      );
    }
    size = base.size;
  }
  const batchSize = a.num('batch-size', 32);
  const common = {
    imageSize: [size, size] as [number, number],
    batchSize,
    colorMode,
    seed,
    verbose: !ctx.quiet,
  };
  const probe = await imageDatasetFromDirectory(dir, { ...common, labelMode: 'int', verbose: false });
  const classNames = probe.classNames ?? [];
  if (classNames.length < 2) {
    throw new CommandFailure(
      `${dir}: found ${classNames.length} class folder${classNames.length === 1 ? '' : 's'} (${classNames.join(', ')}); ` +
        'expected one subfolder of images per class, at least two',
    );
  }
  const labelMode = classNames.length === 2 ? 'binary' : 'int';
  let train: Images;
  let validation: Images;
  const validationDir = a.str('validation');
  if (validationDir !== undefined) {
    checkFolder(validationDir, 'the validation images');
    train = await imageDatasetFromDirectory(dir, { ...common, labelMode });
    validation = await imageDatasetFromDirectory(validationDir, { ...common, labelMode, classNames, shuffle: false });
  } else {
    [train, validation] = await imageDatasetFromDirectory(dir, {
      ...common,
      labelMode,
      validationSplit: a.num('validation-split', 0.2),
      subset: 'both',
    });
  }

  const channels = colorMode === 'rgb' ? 3 : 1;
  const augment = a.flag('augment');
  const dropout = a.num('dropout', 0.5);
  const model =
    base === null
      ? smallConvnet({ size, channels, classes: classNames.length, augment, dropout })
      : transferModel(base, { size, classes: classNames.length, augment, dropout });
  if (!ctx.quiet) model.summary({ printFn: ctx.info });
  const loss = labelMode === 'binary' ? 'binary_crossentropy' : 'sparse_categorical_crossentropy';
  model.compile({
    optimizer: new RMSprop({ learningRate: a.num('learning-rate', 1e-3) }),
    loss,
    metrics: ['accuracy'],
  });

  const epochs = a.num('epochs', 30);
  const verbose = ctx.quiet ? 0 : 'auto';
  const checkpoint = new ModelCheckpoint({
    filepath: out,
    monitor: 'val_loss',
    saveBestOnly: true,
  });
  ctx.info(
    `training ${model.name} on ${classNames.length} classes (${classNames.join(', ')}), ${size}x${size} ${colorMode}, ` +
      `${plural(epochs, 'epoch')}${augment ? ', with augmentation' : ''}`,
  );
  const firstPhase = await model.fit(train, { epochs, validationData: validation, callbacks: [checkpoint], verbose });
  let second: History | null = null;
  let bestVal = checkpoint.best;
  if (base !== null && a.flag('fine-tune')) {
    const opened = unfreezeTopBlock(base);
    const ftEpochs = a.num('fine-tune-epochs', epochs);
    model.compile({
      optimizer: new RMSprop({ learningRate: a.num('fine-tune-learning-rate', 1e-5) }),
      loss,
      metrics: ['accuracy'],
    });
    ctx.info(
      `fine-tuning ${opened.length} layers of ${base.base.name} (${opened.join(', ')}), ${plural(ftEpochs, 'epoch')}`,
    );
    const again = new ModelCheckpoint({
      filepath: out,
      monitor: 'val_loss',
      saveBestOnly: true,
      initialValueThreshold: checkpoint.best,
    });
    second = await model.fit(train, {
      epochs: epochs + ftEpochs,
      initialEpoch: epochs,
      validationData: validation,
      callbacks: [again],
      verbose,
    });
    if (again.best !== null && (bestVal === null || again.best < bestVal)) bestVal = again.best;
  }
  writeClassNames(out, classNames);
  const joined = joinHistories(firstPhase, second);
  const curves = besideModel(out, '.curves.png');
  await plotHistory(joined, curves);
  const valLoss = joined.history.val_loss ?? [];
  if (bestVal === null || !existsSync(out)) {
    throw new CommandFailure(`no model was saved: val_loss never had a finite value (${valLoss.join(', ')})`);
  }
  const bestEpoch = valLoss.indexOf(bestVal);
  const accuracy = joined.history.val_accuracy?.[bestEpoch];
  ctx.out(
    `model: ${out} (best val_loss ${bestVal.toFixed(4)} at epoch ${bestEpoch + 1}` +
      `${accuracy === undefined ? '' : `, val_accuracy ${accuracy.toFixed(4)}`})`,
  );
  ctx.out(`classes: ${besideModel(out, '.classes.json')} (${classNames.join(', ')})`);
  ctx.out(`curves: ${curves}`);
  writeHistory(out, joined.history, joined.epoch);
  await maybeReport(ctx, out, joined.history, validation, classNames);
}

export async function train(ctx: Context): Promise<void> {
  const target = ctx.args.positionals[0];
  const mnistRun = target === 'mnist';
  if (mnistRun) await trainMnist(ctx);
  else await trainFolder(ctx, target);
}
