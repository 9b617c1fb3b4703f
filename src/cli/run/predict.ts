// `convkit predict MODEL IMAGE...`: the top classes of each image, as a table or JSON. The images
// are read at the model's own input size and colour mode; the model's preprocessing is inside it
// (a Rescaling layer, as `convkit train` builds), and class names come from its classes file.
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

export interface Prediction {
  image: string;
  predictions: { class: string; index: number; probability: number }[];
}

/** The `top` best classes of each image, best first. */
export function topClasses(
  files: readonly string[],
  scores: number[][],
  names: readonly string[],
  top: number,
): Prediction[] {
  return files.map((image, i) => {
    const ranked = scores[i].map((p, index) => ({ class: names[index], index, probability: Number(p.toFixed(6)) }));
    ranked.sort((a, b) => b.probability - a.probability);
    return { image, predictions: ranked.slice(0, top) };
  });
}

/** The predictions as an aligned text table, one row per class shown. */
export function predictionTable(rows: readonly Prediction[], scoreName: string): string[] {
  const cells: [string, string, string][] = [['image', 'class', scoreName]];
  for (const r of rows) {
    r.predictions.forEach((p, k) => cells.push([k === 0 ? r.image : '', p.class, p.probability.toFixed(4)]));
  }
  const w0 = Math.max(...cells.map((c) => c[0].length));
  const w1 = Math.max(...cells.map((c) => c[1].length));
  return cells.map(([a, b, c]) =>
    `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c.padStart(Math.max(scoreName.length, 6))}`.trimEnd(),
  );
}

export async function predict(ctx: Context): Promise<void> {
  const [modelFile, ...images] = ctx.args.positionals;
  checkImageFiles(images);
  const model = await openModel(modelFile, ctx.note, false);
  const input = imageInput(model, modelFile);
  const note = rescaleNote(model, ctx.args.has('rescale'));
  if (note) ctx.note(note);
  const rescale = ctx.args.num('rescale', 1);
  const scores: number[][] = [];
  const fixed = input.height !== null && input.width !== null;
  for (const group of fixed ? [images] : images.map((f) => [f])) {
    const x = await loadImagesFor(input, group, rescale);
    scores.push(...classScores(model.predict(x, { verbose: 0 })));
  }
  const names = classNamesFor(modelFile, scores[0].length);
  const top = Math.min(ctx.args.num('top', 1), names.length);
  const rows = topClasses(images, scores, names, top);
  if (ctx.args.flag('json')) {
    ctx.out(JSON.stringify(rows, null, 2));
    return;
  }
  const probabilities = scores.every((s) => s.every((p) => p >= 0 && p <= 1));
  for (const line of predictionTable(rows, probabilities ? 'probability' : 'score')) ctx.out(line);
}
