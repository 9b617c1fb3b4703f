// report namespace: writeReport, one self-contained HTML page about a model and its run (summary,
// curves, metrics, confusion matrix, confidently wrong images, activations, Grad-CAM), written
// atomically. Pictures are inline data: URIs and the page loads nothing from anywhere, so it opens
// from disk, by mail or from a CI artifact as it is.
import { writeFileSync } from 'node:fs';
import { ValueError } from '../errors.js';
import { atomicWrite } from '../io/atomic.js';
import type { Model } from '../models/model.js';
import { type OptionNames, checkOptions, checkPositiveInt, describeValue } from '../options.js';
import { Tensor } from '../tensor/tensor.js';
import { imgToArray, loadImg } from '../utils/image.js';
import { CONVKIT_VERSION } from '../version.js';
import { findLayer, inputShapeOf } from '../vis/common.js';
import {
  type Evaluation,
  type LabelledImage,
  type ReportData,
  checkReportData,
  evaluateData,
  outputKind,
} from './evaluate.js';
import { type SectionHtml, pageHtml } from './html.js';
import {
  activationsSection,
  confusionSection,
  curvesSection,
  defaultActivationLayers,
  gradCamSection,
  metricsSection,
  namesFor,
  summarySection,
  wrongSection,
} from './sections.js';

export type { ReportData, TensorData } from './evaluate.js';
export { escapeHtml } from './html.js';

/** A fit History (its `history` record is read) or the record itself: metric name to one value per epoch. */
export type ReportHistory = { history: Record<string, number[]> } | Record<string, number[]>;

export interface ReportOptions {
  /** The page's title (default: "Report: <model name>"). */
  title?: string;
  /** Training curves and last-epoch metrics. */
  history?: ReportHistory;
  /** Evaluation data for the metrics, the confusion matrix and the wrong images. */
  data?: ReportData;
  /** Class names in label order (default: the data's folder names, else the class numbers). */
  classNames?: string[];
  /** Pictures for the activations (the first) and Grad-CAM: files or tensors (default: a few from data). */
  images?: string[] | Tensor | Tensor[];
  /** How many confidently wrong images to show (default 8). */
  maxWrong?: number;
  /** Layers whose activations to draw (default: the first 8 with a spatial output). */
  activationLayers?: string[];
}

const REPORT_OPTIONS: OptionNames<ReportOptions> = {
  title: true,
  history: true,
  data: true,
  classNames: true,
  images: true,
  maxWrong: true,
  activationLayers: true,
};

/** Images shown with Grad-CAM when none are given. */
const DEFAULT_IMAGES = 4;

function historyRecord(h: unknown, where: string): Record<string, number[]> | null {
  if (h === undefined || h === null) return null;
  const rec: unknown =
    typeof h === 'object' && 'history' in h && typeof h.history === 'object' && !Array.isArray(h.history)
      ? h.history
      : h;
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec))
    throw new ValueError(`${where}: history must be a History or its history record, got ${describeValue(h)}`);
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number'))
      throw new ValueError(`${where}: history['${k}'] must be an array of numbers per epoch, got ${describeValue(v)}`);
    out[k] = v;
  }
  return out;
}

function checkStrings(v: unknown, name: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw new ValueError(`${name}: expected an array of strings, got ${describeValue(v)}`);
  return v;
}

/** The images option as model-input pictures [h, w, c]. */
async function resolveImages(model: Model, images: unknown, where: string): Promise<LabelledImage[] | null> {
  if (images === undefined) return null;
  const shape = inputShapeOf(model, where);
  const fmt = `(${shape.map((d) => d ?? 'None').join(', ')})`;
  const pictures: Tensor[] = [];
  const list: unknown[] = images instanceof Tensor ? [images] : Array.isArray(images) ? images : [images];
  for (const item of list) {
    if (typeof item === 'string') {
      const [h, w, c] = [shape[1], shape[2], shape[3]];
      if (shape.length !== 4 || h === null || w === null || (c !== 1 && c !== 3))
        throw new ValueError(`${where}: cannot read image files for model '${model.name}' with input ${fmt}`);
      const img = await loadImg(item, { targetSize: [h, w], colorMode: c === 1 ? 'grayscale' : 'rgb' });
      pictures.push(imgToArray(img));
    } else if (item instanceof Tensor && item.rank === shape.length) {
      for (let i = 0; i < item.shape[0]; i++) pictures.push(item.index(i));
    } else if (item instanceof Tensor && item.rank === shape.length - 1) {
      pictures.push(item);
    } else {
      throw new ValueError(
        `${where}: images must be image files or tensors shaped like the model's input ${fmt} (with or ` +
          `without the batch axis), got ${item instanceof Tensor ? `a tensor [${item.shape.join(', ')}]` : describeValue(item)}`,
      );
    }
  }
  for (const p of pictures) {
    if (!p.shape.every((d, i) => shape[i + 1] === null || shape[i + 1] === d))
      throw new ValueError(
        `${where}: an image of shape [${p.shape.join(', ')}] does not fit model '${model.name}' input ${fmt}`,
      );
  }
  return pictures.map((image) => ({ image, label: null }));
}

/**
 * Writes one self-contained HTML report about `model` to `file`: the summary, and what the
 * options make possible (curves and final metrics from `history`; metrics, confusion matrix and
 * the most confidently wrong images from `data`; activations and Grad-CAM for `images` or a few
 * images of `data`). A section without its data says so in one line. Returns the sections written.
 */
export async function writeReport(
  model: Model,
  file: string,
  options?: ReportOptions,
): Promise<{ file: string; sections: string[]; omitted: string[] }> {
  const where = 'writeReport';
  if (typeof file !== 'string' || file === '')
    throw new ValueError(`${where}: expected the path of the HTML file to write, got ${describeValue(file)}`);
  if (typeof model !== 'object' || model === null || typeof model.summary !== 'function')
    throw new ValueError(`${where}: expected a model, got ${describeValue(model)}`);
  const opts = checkOptions<ReportOptions>(options, REPORT_OPTIONS, where);
  if (opts.title !== undefined && typeof opts.title !== 'string')
    throw new ValueError(`${where} title: expected a string, got ${describeValue(opts.title)}`);
  checkPositiveInt(opts.maxWrong, `${where} maxWrong`);
  const given = checkStrings(opts.classNames, `${where} classNames`) ?? null;
  const layerNames = checkStrings(opts.activationLayers, `${where} activationLayers`);
  for (const name of layerNames ?? []) findLayer(model, name, `${where} activationLayers`);
  checkReportData(opts.data, where);
  const rec = historyRecord(opts.history, where);
  const pictures = await resolveImages(model, opts.images, where);

  const kind = outputKind(model);
  let ev: Evaluation | null = null;
  if (opts.data !== undefined) {
    ev = await evaluateData(model, opts.data, kind, {
      maxWrong: opts.maxWrong ?? 8,
      samples: DEFAULT_IMAGES,
      where,
    });
  }
  const numClasses = typeof kind === 'string' ? 0 : kind.numClasses;
  if (given && numClasses && given.length !== numClasses)
    throw new ValueError(
      `${where} classNames: model '${model.name}' has ${numClasses} classes, got ${given.length} names`,
    );
  const names = namesFor(numClasses, given ?? ev?.classNames ?? null);
  const classWhy = typeof kind === 'string' ? kind : ev && !ev.labelled ? 'The evaluation data has no labels.' : null;
  const shown = pictures ?? ev?.samples ?? [];

  const sections: SectionHtml[] = [
    summarySection(model),
    curvesSection(rec),
    metricsSection(rec, ev),
    confusionSection(ev, names, classWhy),
    await wrongSection(ev, names, classWhy),
    await activationsSection(model, shown[0] ?? null, layerNames ?? defaultActivationLayers(model), names),
    await gradCamSection(model, shown.slice(0, pictures ? shown.length : DEFAULT_IMAGES), kind, names),
  ];
  if (ev?.convertedLogits) {
    const cm = sections.find((s) => s.id === 'confusion');
    if (cm?.body)
      cm.body += '<p class="note">The outputs are not probabilities: confidences use their softmax/sigmoid.</p>';
  }
  const params = model.countParams();
  const subtitle =
    `Model '${model.name}' · ${params.toLocaleString('en-US')} parameters` +
    (ev ? ` · evaluated on ${ev.count} images` : '') +
    (numClasses ? ` · ${numClasses} classes: ${names.join(', ')}` : '');
  const html = pageHtml({
    title: opts.title ?? `Report: ${model.name}`,
    subtitle,
    sections,
    footer: `Written by convkit ${CONVKIT_VERSION} on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  });
  await atomicWrite(file, (tmp) => writeFileSync(tmp, html));
  return {
    file,
    sections: sections.filter((s) => s.body !== null).map((s) => s.id),
    omitted: sections.filter((s) => s.body === null).map((s) => s.id),
  };
}
