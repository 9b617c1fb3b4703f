// `convkit activations|filters|gradcam`: the chapter's three ways of seeing inside a convnet,
// written as PNG files through the vis functions (src/vis), for images read as `predict` reads
// them (the model's input size and colour mode, its own preprocessing).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Model } from '../../models/model.js';
import { gradCam, lastConvLayer, saveHeatmapOverlay } from '../../vis/cam.js';
import { allLayers, findLayer } from '../../vis/common.js';
import { plotActivations } from '../../vis/activations.js';
import { plotFilterPatterns } from '../../vis/filters.js';
import { CommandFailure, UsageError } from '../args.js';
import type { Context } from '../command.js';
import {
  checkImageFiles,
  classNamesFor,
  classScores,
  imageInput,
  loadImagesFor,
  openModel,
  rescaleNote,
} from '../model_files.js';

/** Convolution and pooling layers with a spatial output, nested bases included, in order. */
function featureLayers(model: Model): string[] {
  return allLayers(model)
    .filter((l) => !(l instanceof Model) && /Conv|Pool/.test(l.className) && !/Global/.test(l.className))
    .filter((l) => {
      const s = l.outputShape;
      return !Array.isArray(s[0]) && s.length === 4;
    })
    .map((l) => l.name);
}

/** The named layer must exist: a wrong name is a usage mistake (exit 2), the error lists the names. */
function checkLayer(model: Model, name: string, where: string): void {
  try {
    findLayer(model, name, where);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/layerName /, '') : String(e));
  }
}

/** `DIR/<image name>_<suffix>.png`, numbered when two images share a name. */
function outputNames(files: readonly string[], dir: string, suffix: string): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const stem = path.basename(f, path.extname(f));
    const n = seen.get(stem) ?? 0;
    seen.set(stem, n + 1);
    return path.join(dir, `${stem}${n > 0 ? `_${n + 1}` : ''}_${suffix}.png`);
  });
}

export async function activations(ctx: Context): Promise<void> {
  const [modelFile, image] = ctx.args.positionals;
  checkImageFiles([image]);
  const model = await openModel(modelFile, ctx.note, false);
  const input = imageInput(model, modelFile);
  const note = rescaleNote(model, ctx.args.has('rescale'));
  if (note) ctx.note(note);
  const names = featureLayers(model).slice(0, ctx.args.num('layers', 8));
  if (names.length === 0) {
    throw new CommandFailure(`${modelFile}: model '${model.name}' has no convolution or pooling layer to draw`);
  }
  const x = await loadImagesFor(input, [image], ctx.args.num('rescale', 1));
  const dir = ctx.args.str('out', 'activations');
  const drawn = await plotActivations(model, x, {
    layers: names,
    dir,
    imagesPerRow: ctx.args.num('images-per-row', 16),
  });
  for (const a of drawn) {
    if (a.file) ctx.out(`${a.file}  ${a.name} (${a.className}), ${a.value.shape.slice(1).join('x')}`);
  }
}

export async function filters(ctx: Context): Promise<void> {
  const [modelFile] = ctx.args.positionals;
  const layer = ctx.args.str('layer');
  if (layer === undefined) throw new UsageError('filters: missing --layer NAME (the convolution to draw)');
  const model = await openModel(modelFile, ctx.note, false);
  checkLayer(model, layer, 'filters --layer');
  const dir = ctx.args.str('out', '.');
  ctx.info(`gradient ascent on layer '${layer}'...`);
  const r = await plotFilterPatterns(model, layer, {
    filters: ctx.args.num('filters'),
    steps: ctx.args.num('steps'),
    stepSize: ctx.args.num('step-size'),
    file: path.join(dir, `filters_${layer}.png`),
  });
  ctx.out(`${r.file}  ${r.patterns.length} filters of ${layer}`);
}

export async function gradcam(ctx: Context): Promise<void> {
  const [modelFile, ...images] = ctx.args.positionals;
  checkImageFiles(images);
  const model = await openModel(modelFile, ctx.note, false);
  const input = imageInput(model, modelFile);
  const note = rescaleNote(model, ctx.args.has('rescale'));
  if (note) ctx.note(note);
  const layerName = ctx.args.str('layer') ?? lastConvLayer(model).name;
  if (ctx.args.has('layer')) checkLayer(model, layerName, 'gradcam --layer');
  const dir = ctx.args.str('out', 'gradcam');
  const files = outputNames(images, dir, 'gradcam');
  mkdirSync(dir, { recursive: true });
  const rescale = ctx.args.num('rescale', 1);
  const fixed = input.height !== null && input.width !== null;
  let classIndex: number | undefined;
  let names: string[] | null = null;
  const single = isSingleUnit(model);
  for (const [k, group] of (fixed ? [images] : images.map((f) => [f])).entries()) {
    const x = await loadImagesFor(input, group, rescale);
    if (names === null) {
      const outputs = classScores(model.predict(x.slice(0, 1), { verbose: 0 }))[0].length;
      names = classNamesFor(modelFile, outputs);
      classIndex = chosenClass(ctx.args.str('class'), names, single);
    }
    const cam = gradCam(model, x, { layerName, classIndex });
    const scores = classScores(cam.predictions);
    for (let i = 0; i < group.length; i++) {
      const at = fixed ? i : k;
      const explained = single ? 1 : cam.classIndex[i];
      const top = scores[i].indexOf(Math.max(...scores[i]));
      await saveHeatmapOverlay(group[i], cam.heatmaps.index(i), files[at], { alpha: ctx.args.num('alpha', 0.4) });
      ctx.out(
        `${files[at]}  ${group[i]}: predicted ${names[top]} (${scores[i][top].toFixed(4)}); ` +
          `map of '${names[explained]}' at layer ${cam.layerName}`,
      );
    }
  }
}

function isSingleUnit(model: Model): boolean {
  const s = model.outputs[0].shape;
  return s[s.length - 1] === 1;
}

/** The class index given by name or number, checked against the model's classes. */
function chosenClass(given: string | undefined, names: readonly string[], singleSigmoid: boolean): number | undefined {
  if (given === undefined) return undefined;
  let index = names.indexOf(given);
  if (index < 0 && /^\d+$/.test(given)) index = Number(given);
  if (index < 0 || index >= names.length) {
    throw new UsageError(
      `gradcam: --class '${given}' is not a class of the model; its classes are ${names.join(', ')}`,
    );
  }
  if (singleSigmoid) {
    if (index === 0) {
      throw new UsageError(
        `gradcam: the model has one sigmoid output, so Grad-CAM shows the evidence for '${names[1]}' only`,
      );
    }
    return 0;
  }
  return index;
}
