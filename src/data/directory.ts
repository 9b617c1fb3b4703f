// Indexing an image folder as Keras's dataset_utils.index_directory does: class names from the
// sorted subfolders (names starting with '.' skipped), files walked recursively in sorted order,
// allowed extensions matched case-insensitively; then the Keras validation split.
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { FileFormatError, ValueError } from '../errors.js';

/** image_dataset_from_directory's allowed formats. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.bmp', '.gif', '.jpeg', '.jpg', '.png'];

/** Python's sorted() on str: by code point (not localeCompare). */
export function codePointCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Files under `dir` (relative to it) with an allowed extension, walked in sorted order. */
export function listImageFiles(dir: string, extensions: readonly string[], followLinks: boolean): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  // os.walk order sorted by directory path, files sorted within each directory.
  const dirs: string[] = [];
  let rootReal = '';
  try {
    rootReal = realpathSync(dir);
  } catch {
    /* listed below, with its error */
  }
  // A link to a folder above the root (`cats/up -> ..`) would list other classes' images under
  // this one: every real folder is walked once, and never one that contains the root.
  const above = (real: string) =>
    real !== rootReal && (real === path.parse(real).root || rootReal.startsWith(real + path.sep));
  const walk = (d: string) => {
    if (followLinks) {
      let real: string;
      try {
        real = realpathSync(d);
      } catch {
        return;
      }
      if (seen.has(real) || above(real)) return;
      seen.add(real);
    }
    dirs.push(d);
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      throw new FileFormatError(`cannot list directory '${d}': ${(e as Error).message}`);
    }
    // In name order, so the same link wins when two lead to one folder.
    entries.sort((a, b) => codePointCompare(a.name, b.name));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory() || (followLinks && e.isSymbolicLink() && isDir(p))) walk(p);
    }
  };
  walk(dir);
  dirs.sort(codePointCompare);
  for (const d of dirs) {
    const files: string[] = [];
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const isFile =
        e.isFile() ||
        (e.isSymbolicLink() &&
          (() => {
            try {
              return statSync(path.join(d, e.name)).isFile();
            } catch {
              return false;
            }
          })());
      if (!isFile) continue;
      const lower = e.name.toLowerCase();
      if (extensions.some((x) => lower.endsWith(x))) files.push(e.name);
    }
    files.sort(codePointCompare);
    for (const f of files) out.push(path.relative(dir, path.join(d, f)));
  }
  return out;
}

export interface IndexedDirectory {
  filePaths: string[];
  /** Integer label per file (empty when labels are null). */
  labels: number[];
  classNames: string[];
}

/**
 * Lists the files and labels of an image folder. `labels`: 'inferred' (from subfolders), an
 * explicit array (one per file, in sorted order of all files under dir), or null.
 */
export function indexDirectory(
  dir: string,
  labels: 'inferred' | readonly number[] | null,
  extensions: readonly string[],
  opts: { classNames?: readonly string[] | null; followLinks?: boolean; where: string },
): IndexedDirectory {
  const where = opts.where;
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new FileFormatError(`${where}: directory not found: '${dir}'`);
  }
  if (!st.isDirectory()) throw new FileFormatError(`${where}: '${dir}' is not a directory`);
  let subdirs: string[];
  if (labels === 'inferred') {
    subdirs = readdirSync(dir)
      .filter((n) => !n.startsWith('.') && isDir(path.join(dir, n)))
      .sort(codePointCompare);
    if (opts.classNames) {
      const missing = opts.classNames.filter((c) => !subdirs.includes(c));
      if (missing.length) {
        throw new ValueError(
          `${where}: classNames did not match the subfolders of '${dir}'. Expected: ` +
            `[${subdirs.map((s) => `'${s}'`).join(', ')}] (or a subset), got ` +
            `classNames=[${opts.classNames.map((s) => `'${s}'`).join(', ')}]`,
        );
      }
      subdirs = [...opts.classNames];
    }
    if (subdirs.length === 0) {
      const loose = listImageFiles(dir, extensions, false).length;
      throw new ValueError(
        `${where}: no class subfolders in '${dir}'. With labels='inferred' the images must be sorted into one ` +
          `subfolder per class (e.g. '${dir}/cats/1.jpg', ` +
          `'${dir}/dogs/2.jpg')` +
          (loose
            ? `; found ${loose} image files directly in the folder (use labels: null to load them without labels)`
            : ''),
      );
    }
  } else {
    if (opts.classNames) throw new ValueError(`${where}: classNames can only be passed with labels='inferred'`);
    subdirs = [''];
  }
  const filePaths: string[] = [];
  const intLabels: number[] = [];
  subdirs.forEach((sub, k) => {
    const d = path.join(dir, sub);
    for (const rel of listImageFiles(d, extensions, opts.followLinks ?? false)) {
      filePaths.push(path.join(d, rel));
      intLabels.push(k);
    }
  });
  let classNames = labels === 'inferred' ? subdirs : [];
  let outLabels: number[] = labels === 'inferred' ? intLabels : [];
  if (Array.isArray(labels)) {
    if (labels.length !== filePaths.length) {
      throw new ValueError(
        `${where}: expected the length of labels to match the number of files in '${dir}'; labels has ` +
          `${labels.length} values, found ${filePaths.length} files`,
      );
    }
    labels.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0)
        throw new ValueError(`${where}: labels must be non-negative integers, got ${v} at index ${i}`);
    });
    outLabels = [...labels];
    classNames = [...new Set(labels)].sort((a, b) => a - b).map(String);
  }
  return { filePaths, labels: outLabels, classNames };
}

/** Keras's check_validation_split_arg. */
export function checkValidationSplit(
  split: number | undefined,
  subset: string | undefined | null,
  shuffle: boolean,
  seed: number | undefined,
  where: string,
): void {
  if (split !== undefined && split !== 0 && !(split > 0 && split < 1)) {
    throw new ValueError(`${where}: validationSplit must be between 0 and 1, got ${split}`);
  }
  if ((split || subset) && !(split && subset)) {
    throw new ValueError(
      `${where}: if subset is set, validationSplit must be set, and inversely (got validationSplit=${split}, ` +
        `subset=${subset === undefined ? 'undefined' : `'${subset}'`})`,
    );
  }
  if (subset && !['training', 'validation', 'both'].includes(subset)) {
    throw new ValueError(`${where}: subset must be 'training', 'validation' or 'both', got '${subset}'`);
  }
  if (split && shuffle && seed === undefined) {
    throw new ValueError(
      `${where}: when using validationSplit and shuffling the data you must pass a seed, so that the training and ` +
        `validation subsets do not overlap`,
    );
  }
}

/** n_val = floor(split * N); training = the first N - n_val, validation = the last n_val. */
export function splitIndices(
  n: number,
  split: number | undefined,
  subset: 'training' | 'validation',
): { start: number; end: number } {
  if (!split) return { start: 0, end: n };
  const nVal = Math.floor(split * n);
  return subset === 'training' ? { start: 0, end: n - nVal } : { start: n - nVal, end: n };
}
