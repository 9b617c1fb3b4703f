// The report's sections, each a function from what it shows to a SectionHtml: a body, or null and
// a one-line note saying what was missing (the page never fails for want of data). Pictures come
// from src/vis (activation grids, Grad-CAM overlays) and go in as PNG data: URIs.
import type { Layer } from '../layers/base.js';
import { Model } from '../models/model.js';
import { Tensor } from '../tensor/tensor.js';
import { panelMetrics } from '../vis/plot.js';
import { activationGrid, activations } from '../vis/activations.js';
import { gradCam, heatmapOverlay, lastConvLayer } from '../vis/cam.js';
import { applyColormap } from '../vis/colormaps.js';
import { bestIndex, curvePanel, higherIsBetter, prettyMetric } from './chart.js';
import type { Evaluation, LabelledImage, OutputKind } from './evaluate.js';
import {
  type SectionHtml,
  displayRgb,
  escapeHtml,
  fmtNumber,
  fmtPercent,
  imgTag,
  pngDataUri,
  rgbDataUri,
} from './html.js';

const fmtShape = (s: readonly (number | null)[]) => `(${s.map((d) => d ?? 'None').join(', ')})`;

export function summarySection(model: Model): SectionHtml {
  const lines: string[] = [];
  model.summary({ printFn: (l) => lines.push(l), lineLength: 100 });
  return {
    id: 'summary',
    title: 'Model summary',
    intro: 'The layers in order, the shape of what each one outputs, and how many weights it learns.',
    body: `<pre class="summary">${escapeHtml(lines.join('\n'))}</pre>`,
  };
}

export function curvesSection(rec: Record<string, number[]> | null): SectionHtml {
  const base = { id: 'curves', title: 'Training curves' };
  if (!rec) return { ...base, body: null, note: 'No training history was given (pass history: the result of fit).' };
  const keys = Object.keys(rec).filter((k) => rec[k].some(Number.isFinite));
  const metrics = panelMetrics(keys);
  if (!metrics.length) return { ...base, body: null, note: 'The training history holds no values.' };
  const panels = metrics.map((m) => curvePanel(m, rec[m] ?? [], rec[`val_${m}`] ?? []));
  const hasVal = metrics.some((m) => rec[`val_${m}`]?.length);
  return {
    ...base,
    intro:
      'Dots: the training data; line: the validation data' +
      (hasVal ? ', with the best validation epoch ringed' : '') +
      '. When the validation curve turns away while the training curve keeps improving, the model ' +
      'is overfitting. Hover over a chart for the values.',
    body: `<div class="charts">${panels.join('')}</div>`,
  };
}

function lastFinite(v: readonly number[] | undefined): number | null {
  if (!v) return null;
  for (let i = v.length - 1; i >= 0; i--) if (Number.isFinite(v[i])) return v[i];
  return null;
}

export function metricsSection(rec: Record<string, number[]> | null, ev: Evaluation | null): SectionHtml {
  const base = { id: 'metrics', title: 'Final metrics' };
  const evalMetrics: Record<string, number> = { ...(ev?.metrics ?? {}) };
  if (ev?.accuracy !== null && ev?.accuracy !== undefined && !Object.keys(evalMetrics).some((k) => /acc/.test(k)))
    evalMetrics.accuracy = ev.accuracy;
  const histKeys = rec ? Object.keys(rec).filter((k) => rec[k].length) : [];
  const names = panelMetrics([...histKeys, ...Object.keys(evalMetrics)]);
  if (!names.length) return { ...base, body: null, note: 'No training history and no evaluation data were given.' };
  const cols: { head: string; cell: (m: string) => string }[] = [];
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '–' : escapeHtml(fmtNumber(v)));
  if (rec && histKeys.length) {
    const epochs = Math.max(...histKeys.map((k) => rec[k].length));
    cols.push({ head: `Training (epoch ${epochs})`, cell: (m) => cell(lastFinite(rec[m])) });
    if (histKeys.some((k) => k.startsWith('val_'))) {
      cols.push({ head: `Validation (epoch ${epochs})`, cell: (m) => cell(lastFinite(rec[`val_${m}`])) });
      cols.push({
        head: 'Best validation (epoch)',
        cell: (m) => {
          const v = rec[`val_${m}`];
          const b = v ? bestIndex(v, higherIsBetter(m)) : -1;
          return b < 0 ? '–' : `${escapeHtml(fmtNumber(v[b]))} <span class="note">(${b + 1})</span>`;
        },
      });
    }
  }
  if (ev && Object.keys(evalMetrics).length) {
    cols.push({ head: `Evaluation data (${ev.count} images)`, cell: (m) => cell(evalMetrics[m]) });
  }
  const head = `<tr><th>Metric</th>${cols.map((c) => `<th>${escapeHtml(c.head)}</th>`).join('')}</tr>`;
  const rows = names
    .map((m) => `<tr><td>${escapeHtml(prettyMetric(m))}</td>${cols.map((c) => `<td>${c.cell(m)}</td>`).join('')}</tr>`)
    .join('');
  const notes: string[] = [];
  if (ev?.metricsNote) notes.push(ev.metricsNote);
  if (ev && !ev.metrics && ev.accuracy !== null)
    notes.push('The model is not compiled: the evaluation column shows the accuracy of its predictions only.');
  return {
    ...base,
    intro: 'The last epoch of training, the best validation epoch, and the evaluation data.',
    body:
      `<table class="metrics"><thead>${head}</thead><tbody>${rows}</tbody></table>` +
      notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join(''),
  };
}

/** Class names for the page: the given ones, the data's, or the class numbers. */
export function namesFor(n: number, given: readonly string[] | null): string[] {
  return Array.from({ length: n }, (_, i) => given?.[i] ?? String(i));
}

/** White to the accent blue, by fraction; dark cells get white text. */
function cellColor(f: number): { bg: string; fg: string } {
  const mix = (a: number, b: number) => Math.round(a + (b - a) * f);
  return { bg: `rgb(${mix(255, 31)}, ${mix(255, 95)}, ${mix(255, 168)})`, fg: f > 0.5 ? '#fff' : '#1d2330' };
}

export function confusionSection(ev: Evaluation | null, names: string[], why: string | null): SectionHtml {
  const base = { id: 'confusion', title: 'Confusion matrix' };
  if (!ev || !ev.confusion)
    return { ...base, body: null, note: why ?? 'No labelled evaluation data was given (pass data).' };
  const cm = ev.confusion;
  const header =
    `<tr><th></th><th class="axis" colspan="${cm.length}">predicted class</th></tr>` +
    `<tr><th class="axis row">true class</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>`;
  const rows = cm
    .map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0);
      const cells = row
        .map((c, p) => {
          const f = total ? c / total : 0;
          const { bg, fg } = cellColor(f);
          const tip = `true ${names[t]}, predicted ${names[p]}: ${c} of ${total}`;
          return (
            `<td class="cell" style="background:${bg};color:${fg}" title="${escapeHtml(tip)}">${c}` +
            `<small>${total ? fmtPercent(f) : ''}</small></td>`
          );
        })
        .join('');
      return `<tr><th class="row">${escapeHtml(names[t])}</th>${cells}</tr>`;
    })
    .join('');
  return {
    ...base,
    intro:
      `How the ${ev.count} evaluation images were classified: each row is the true class, each column the ` +
      'predicted one, with the share of the row. The diagonal holds the correct answers' +
      (ev.accuracy !== null ? ` (accuracy ${fmtPercent(ev.accuracy)}).` : '.'),
    body: `<table class="cm">${header}${rows}</table>`,
  };
}

export async function wrongSection(ev: Evaluation | null, names: string[], why: string | null): Promise<SectionHtml> {
  const base = { id: 'wrong', title: 'Most confidently wrong' };
  if (!ev || !ev.confusion)
    return { ...base, body: null, note: why ?? 'No labelled evaluation data was given (pass data).' };
  if (!ev.wrong.length)
    return { ...base, body: null, note: `All ${ev.count} evaluation images were classified right.` };
  const figs: string[] = [];
  for (const w of ev.wrong) {
    const rgb = displayRgb(w.image);
    const uri = await rgbDataUri(rgb);
    figs.push(
      `<figure>${imgTag(uri, rgb.shape[1], `true ${names[w.label]}, predicted ${names[w.predicted]}`)}` +
        `<figcaption>true: <span class="good">${escapeHtml(names[w.label])}</span><br>` +
        `predicted: <span class="bad">${escapeHtml(names[w.predicted])}</span> ` +
        `(${fmtPercent(w.confidence)})</figcaption></figure>`,
    );
  }
  return {
    ...base,
    intro:
      'The evaluation images the model got wrong with the highest confidence: often mislabelled images, ' +
      'or a pattern the model learnt that does not mean what it thinks.',
    body: `<div class="grid-pics">${figs.join('')}</div>`,
  };
}

function isSpatialLayer(l: Layer): boolean {
  try {
    const s = l.outputShape;
    return !Array.isArray(s[0]) && s.length === 4;
  } catch {
    return false;
  }
}

// Input preprocessing (scaling, augmentation) only repeats the input image.
const PREPROCESSING = /^(InputLayer|Rescaling|Normalization|Resizing|CenterCrop|Random[A-Za-z]*)$/;

function isPreprocessing(l: Layer): boolean {
  if (PREPROCESSING.test(l.className)) return true;
  return l instanceof Model && l.layers.length > 0 && l.layers.every(isPreprocessing);
}

/**
 * The default activation layers: the first 8 with a spatial output (batch, h, w, channels), after
 * the input's preprocessing layers.
 */
export function defaultActivationLayers(model: Model): string[] {
  return model.layers
    .filter((l) => !isPreprocessing(l) && isSpatialLayer(l))
    .slice(0, 8)
    .map((l) => l.name);
}

export async function activationsSection(
  model: Model,
  image: LabelledImage | null,
  layerNames: string[],
  names: string[] | null,
): Promise<SectionHtml> {
  const base = { id: 'activations', title: 'Activations' };
  if (!image) return { ...base, body: null, note: 'No image was given (pass images or data).' };
  if (!layerNames.length) return { ...base, body: null, note: 'The model has no layer with a spatial output.' };
  const acts = activations(model, image.image.expandDims(0), { layers: layerNames });
  const input = displayRgb(image.image);
  const label = image.label !== null && names ? ` (class ${names[image.label]})` : '';
  const parts = [
    `<figure style="margin-bottom:14px">${imgTag(await rgbDataUri(input), input.shape[1], 'input image')}` +
      `<figcaption>the input image${escapeHtml(label)}</figcaption></figure>`,
  ];
  const skipped: string[] = [];
  for (const a of acts) {
    if (a.value.rank !== 4) {
      skipped.push(a.name);
      continue;
    }
    const grid = activationGrid(a.value.index(0), 16);
    const rgb = applyColormap(grid.data, 'viridis');
    const uri = await pngDataUri(rgb, grid.width, grid.height, 3);
    // Tiles about 48 to 96 pixels: large enough to see, and a whole layer fits the page's width.
    const [th] = a.value.shape.slice(1);
    const zoom = Math.max(1, Math.min(Math.floor(720 / grid.width), Math.floor(96 / th)));
    const shown = Math.min(1100, grid.width * zoom);
    parts.push(
      `<div class="act-layer"><h3>${escapeHtml(a.name)} <span>${escapeHtml(a.className)} · output ` +
        `${escapeHtml(fmtShape(a.value.shape.slice(1)))}, one tile per channel</span></h3>` +
        `<img class="act" src="${uri}" width="${shown}" alt="${escapeHtml(`activations of ${a.name}`)}"></div>`,
    );
  }
  if (skipped.length)
    parts.push(`<p class="note">Left out (no spatial output): ${escapeHtml(skipped.join(', '))}.</p>`);
  return {
    ...base,
    intro:
      'What each layer outputs for one image, every channel as a small picture (bright: strong activation; ' +
      'blank: a channel that did not respond). Early layers keep edges and textures; deeper ones are more abstract.',
    body: parts.join(''),
  };
}

export async function gradCamSection(
  model: Model,
  images: LabelledImage[],
  kind: OutputKind | string,
  names: string[],
): Promise<SectionHtml> {
  const base = { id: 'gradcam', title: 'Grad-CAM' };
  if (typeof kind === 'string') return { ...base, body: null, note: kind };
  if (!images.length) return { ...base, body: null, note: 'No image was given (pass images or data).' };
  let layerName: string;
  try {
    layerName = lastConvLayer(model).name;
  } catch {
    return { ...base, body: null, note: 'The model has no layer with a spatial output to explain.' };
  }
  const [h, w, c] = images[0].image.shape;
  const batch = new Float32Array(images.length * h * w * c);
  images.forEach((im, i) => batch.set(im.image.data, i * h * w * c));
  const cam = gradCam(model, new Tensor(batch, [images.length, h, w, c]), { layerName });
  const figs: string[] = [];
  for (const [i, im] of images.entries()) {
    const pic = displayRgb(im.image);
    const overlay = await heatmapOverlay(pic, cam.heatmaps.index(i));
    const p = cam.predictions.data;
    const pred =
      kind.units === 1
        ? p[i] >= 0.5
          ? { cls: 1, conf: p[i] }
          : { cls: 0, conf: 1 - p[i] }
        : { cls: cam.classIndex[i], conf: p[i * kind.units + cam.classIndex[i]] };
    const explained = kind.units === 1 ? names[1] : names[cam.classIndex[i]];
    const truth =
      im.label !== null
        ? `true: <span class="${im.label === pred.cls ? 'good' : 'bad'}">${escapeHtml(names[im.label])}</span><br>`
        : '';
    const zero = cam.zeroMaps.includes(i) ? '<br><span class="note">no positive evidence</span>' : '';
    figs.push(
      `<figure><div class="pair">${imgTag(await rgbDataUri(pic), pic.shape[1], 'image')}` +
        `${imgTag(await rgbDataUri(overlay), overlay.shape[1], 'Grad-CAM overlay')}</div>` +
        `<figcaption>${truth}predicted: ${escapeHtml(names[pred.cls])} (${fmtPercent(pred.conf)})` +
        `<br><span class="note">heatmap of the evidence for ${escapeHtml(explained)}</span>${zero}</figcaption></figure>`,
    );
  }
  return {
    ...base,
    intro:
      `Where the model looks: the red regions of each heatmap (from layer '${layerName}') are the parts of the ` +
      'image that most raise the score of the class named under it.',
    body: `<div class="grid-pics">${figs.join('')}</div>`,
  };
}
