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
import type { Command } from '../command.js';
import {
  checkImageFiles,
  classNamesFor,
  classScores,
  imageInput,
  loadImagesFor,
  openModel,
  rescaleNote,
} from '../model_files.js';
import { RESCALE_OPTION } from './shared.js';

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
  async run(ctx) {
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
  },
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
  async run(ctx) {
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
  },
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
  async run(ctx) {
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
  },
};

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
