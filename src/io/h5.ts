// A small HDF5 layer over h5wasm: open a file for reading (with a clear FileFormatError for missing,
// foreign, truncated or damaged files), read groups, attributes (variable- and fixed-length
// strings, byte strings, numeric arrays, Keras's split `name0/name1/...` attributes) and datasets
// (as typed arrays + shape); create files, groups, datasets and attributes for writing.
// Nothing Keras-specific lives here except the split-attribute convention.
// Reading is bounded: every call into the library is translated into one FileFormatError line
// naming the user's file and the object path (never HDF5's stack dump); a dataset or attribute is
// refused before it is read when its declared size exceeds what the file can hold or the memory
// limit (the WebAssembly heap never shrinks, so a refused read must not allocate first); external
// links are not followed; a file's structure is first read in a worker under a deadline
// (h5_worker_probe.ts), so that a library loop or abort on damage becomes an error.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConvkitError, FileFormatError } from '../errors.js';
import { formatBytes, getMemoryLimit } from '../limits.js';
import { checkGlobalHeaps } from './h5_check.js';
import { probeH5 } from './h5_worker_probe.js';
import { describeKind, sniffFile } from './sniff.js';

type H5Lib = typeof import('h5wasm/node').default;
type H5File = InstanceType<H5Lib['File']>;
type H5GroupObj = InstanceType<H5Lib['Group']>;
type H5DatasetObj = InstanceType<H5Lib['Dataset']>;

let lib: H5Lib | null = null;
let wasmFs: unknown = null;

/** Loads the WebAssembly HDF5 library once; errors then throw instead of printing to stderr. */
export async function h5lib(): Promise<H5Lib> {
  if (lib) return lib;
  const imported = await import('h5wasm/node');
  const mod = imported.default;
  const M = await mod.ready;
  wasmFs = imported.FS;
  (M as unknown as { activate_throwing_error_handler(): number }).activate_throwing_error_handler();
  lib = mod;
  return lib;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const lines = msg
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  // HDF5's error stack: keep its most specific line (the deepest "#00n" entry), shortened.
  const deepest = lines.filter((l) => /^#\d+/.test(l)).pop();
  return (deepest ?? lines[0] ?? 'unknown error').replace(/^#\d+: \S+ line \d+ in /, '');
}

/**
 * An attribute's value as h5wasm returns it: usually a string, number, bigint, boolean, an array of
 * strings or numbers, or a typed array, but a damaged or foreign file can hold anything, so readers
 * narrow it where they use it.
 */
export type H5Value = unknown;

export interface DatasetData {
  data: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  /** h5wasm dtype string, e.g. '<f', '<d', '<q'. */
  dtype: string;
}

/** A group of an open file (the root is a group too). `path` is absolute, e.g. '/model_weights'. */
export class H5Group {
  constructor(
    readonly file: H5Reader | H5Writer,
    readonly obj: H5GroupObj,
    readonly path: string,
  ) {}

  /** Runs one library call; its failure becomes a line naming the file and the object path. */
  private guard<T>(what: string, where: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ConvkitError) throw e;
      const file = this.file.filename;
      throw new FileFormatError(`${file}: cannot read ${what} '${where}': the file is damaged (${firstLine(e)})`);
    }
  }

  keys(): string[] {
    return this.guard('the members of', this.path, () => this.obj.keys());
  }

  has(name: string): boolean {
    // h5wasm's get() on a missing path throws (with the throwing handler); walk keys instead, one
    // level at a time, so that no path is resolved through a link that leaves the file.
    const [first, ...rest] = name.split('/').filter(Boolean);
    if (first === undefined) return true;
    if (!this.keys().includes(first)) return false;
    if (!rest.length) return true;
    const c = this.entity(first);
    if (!c || c.type !== 'Group') return false;
    return new H5Group(this.file, c as H5GroupObj, join(this.path, first)).has(rest.join('/'));
  }

  /** One member (no path separators), external links refused. */
  private entity(name: string): { type?: string } | null {
    const where = join(this.path, name);
    // Asked before get(), which would open the other file and return its object.
    type Link = { filename?: unknown; obj_path?: unknown };
    const link = this.guard('the link', where, () => this.obj.get_external_link(where) as Link);
    if (link && typeof link.filename === 'string' && typeof link.obj_path === 'string') {
      const target = `${link.filename}:${link.obj_path}`;
      throw new FileFormatError(
        `${this.file.filename}: '${where}' is an external link to '${target}'; ` +
          'links to other files are not followed',
      );
    }
    return this.guard('the object', where, () => this.obj.get(name) as { type?: string } | null);
  }

  private getEntity(name: string): { type?: string } | null {
    if (!this.has(name)) return null;
    const parts = name.split('/').filter(Boolean);
    const leaf = parts.pop() ?? '';
    const parent = parts.length ? this.group(parts.join('/')) : this;
    return parent.entity(leaf);
  }

  isGroup(name: string): boolean {
    const e = this.getEntity(name);
    return !!e && e.type === 'Group';
  }

  isDataset(name: string): boolean {
    const e = this.getEntity(name);
    return !!e && e.type === 'Dataset';
  }

  /** A subgroup; throws a FileFormatError naming the file and path when it is missing. */
  group(name: string): H5Group {
    const e = this.getEntity(name);
    if (!e || e.type !== 'Group') {
      const found = e ? ` but found ${kindOf(e)}` : ', which is missing';
      throw new FileFormatError(`${this.file.filename}: expected a group '${join(this.path, name)}'${found}`);
    }
    return new H5Group(this.file, e as H5GroupObj, join(this.path, name));
  }

  maybeGroup(name: string): H5Group | null {
    return this.isGroup(name) ? this.group(name) : null;
  }

  /** Reads a dataset as a typed array: floats as Float32Array, integers as Int32Array (or Uint8Array). */
  dataset(name: string): DatasetData {
    const e = this.getEntity(name);
    const where = join(this.path, name);
    if (!e || e.type !== 'Dataset') {
      const found = e ? ` but found ${kindOf(e)}` : ', which is missing';
      throw new FileFormatError(`${this.file.filename}: expected a dataset '${where}'${found}`);
    }
    const ds = e as H5DatasetObj;
    const { shape, dtype, compressed } = this.guard('dataset', where, () => ({
      shape: (ds.shape ?? []).map(Number),
      dtype: dtypeName(ds.dtype),
      compressed: ds.filters.length > 0,
    }));
    const itemSize = this.guard('dataset', where, () => Number(ds.metadata.size));
    this.checkDeclared(`dataset '${where}'`, shape, itemSize, compressed);
    const raw = this.guard('dataset', where, () => ds.value);
    return { data: toTyped(raw, `${this.file.filename}: dataset '${where}'`), shape, dtype };
  }

  /**
   * Refuses an array whose declared size the file cannot hold (uncompressed data lies in the
   * file) or that exceeds the memory limit, before the library allocates it.
   */
  private checkDeclared(what: string, shape: readonly number[], itemSize: number, compressed: boolean): void {
    let bytes = Number.isFinite(itemSize) && itemSize > 0 ? itemSize : 1;
    for (const d of shape) bytes *= d;
    const fileSize = this.file instanceof H5Reader ? this.file.size : 0;
    const limit = getMemoryLimit();
    if (!Number.isFinite(bytes) || bytes < 0 || bytes > limit || (!compressed && fileSize > 0 && bytes > fileSize)) {
      const need = Number.isSafeInteger(bytes) ? formatBytes(bytes) : 'more than can be addressed';
      const why =
        bytes > limit || !Number.isFinite(bytes)
          ? `more than the memory limit of ${formatBytes(limit)}`
          : `more than the whole file (${fileSize} bytes) holds`;
      const declared = `shape [${shape.join(', ')}] (${need})`;
      throw new FileFormatError(
        `${this.file.filename}: ${what} declares ${declared}, ${why}: ` + 'the file is damaged',
      );
    }
  }

  attrNames(): string[] {
    return this.guard('the attributes of', this.path, () => Object.keys(this.obj.attrs));
  }

  hasAttr(name: string): boolean {
    const names = this.attrNames();
    return names.includes(name) || names.includes(`${name}0`);
  }

  /** An attribute's value (strings decoded), or undefined when absent. */
  attr(name: string): H5Value {
    const names = this.attrNames();
    if (!names.includes(name)) return undefined;
    const what = `attribute '${name}' of`;
    const meta = this.guard(what, this.path, () => {
      const m = this.obj.attrs[name].metadata;
      return { shape: (m.shape ?? []).map(Number), size: Number(m.size) };
    });
    this.checkDeclared(`attribute '${name}' of '${this.path}'`, meta.shape, meta.size, false);
    return this.guard(what, this.path, () => normaliseAttr(this.obj.get_attribute(name, false)));
  }

  /**
   * A list-of-strings attribute, following Keras's convention for oversized attributes
   * (`name0`, `name1`, ... concatenated). Empty numeric arrays (layers without weights) give [].
   */
  stringList(name: string): string[] | undefined {
    const names = this.attrNames();
    let values: unknown[] = [];
    if (names.includes(name)) {
      values = asArray(this.attr(name));
    } else if (names.includes(`${name}0`)) {
      for (let i = 0; names.includes(`${name}${i}`); i++) values.push(...asArray(this.attr(`${name}${i}`)));
    } else {
      return undefined;
    }
    return values.map((v) => decodeString(v));
  }

  /** A string attribute (JSON configs are stored as strings). */
  stringAttr(name: string): string | undefined {
    const v = this.attr(name);
    if (v === undefined) return undefined;
    if (Array.isArray(v) && v.length === 1) return decodeString(v[0]);
    return decodeString(v);
  }

  // --- writing (only on files opened by H5Writer) ---

  createGroup(name: string): H5Group {
    return name
      .split('/')
      .filter(Boolean)
      .reduce<H5Group>(
        (g, part) =>
          g.isGroup(part) ? g.group(part) : new H5Group(this.file, g.obj.create_group(part), join(g.path, part)),
        this,
      );
  }

  /** Writes a dataset; nested names ('a/b:0') create the intermediate groups. */
  writeDataset(
    name: string,
    data: Float32Array | Int32Array | BigInt64Array | Uint8Array,
    shape: readonly number[],
    dtype?: string,
  ): void {
    const parts = name.split('/');
    const leaf = parts.pop()!;
    const g = parts.length ? this.createGroup(parts.join('/')) : this;
    const dt =
      dtype ??
      (data instanceof Float32Array
        ? '<f'
        : data instanceof Int32Array
          ? '<i'
          : data instanceof BigInt64Array
            ? '<q'
            : '<B');
    g.obj.create_dataset({ name: leaf, data, shape: [...shape], dtype: dt });
  }

  /** A variable-length UTF-8 string attribute (JSON configs). */
  writeString(name: string, value: string): void {
    this.obj.create_attribute(name, value);
  }

  /** A list of fixed-length byte strings (Keras's layer_names / weight_names); empty lists become an empty float array like h5py writes. */
  writeStringList(name: string, values: readonly string[]): void {
    if (values.length === 0) {
      this.obj.create_attribute(name, new Float64Array(0), [0], '<d');
      return;
    }
    const len = Math.max(1, ...values.map((v) => Buffer.byteLength(v, 'utf8')));
    this.obj.create_attribute(name, [...values], [values.length], `S${len}`);
  }
}

function dtypeName(d: unknown): string {
  return typeof d === 'string' ? d : JSON.stringify(d);
}

function kindOf(e: { type?: string }): string {
  return e.type ? `a ${e.type}` : 'an object of another kind';
}

function join(base: string, name: string): string {
  return `${base.replace(/\/$/, '')}/${name}`;
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  return [v];
}

function decodeString(v: unknown): string {
  if (typeof v === 'string') return v.replace(/\0+$/, '');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8').replace(/\0+$/, '');
  return String(v);
}

function normaliseAttr(v: unknown): H5Value {
  if (typeof v === 'string') return v.replace(/\0+$/, '');
  if (Array.isArray(v)) return (v as unknown[]).map((x) => (typeof x === 'string' ? x.replace(/\0+$/, '') : x));
  return v;
}

function toTyped(raw: unknown, where: string): Float32Array | Int32Array | Uint8Array {
  if (raw instanceof Float32Array || raw instanceof Int32Array || raw instanceof Uint8Array) return raw;
  if (raw instanceof Float64Array) return Float32Array.from(raw);
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) return Int32Array.from(raw, (x) => Number(x));
  if (
    raw instanceof Int8Array ||
    raw instanceof Int16Array ||
    raw instanceof Uint16Array ||
    raw instanceof Uint32Array
  ) {
    return Int32Array.from(raw as ArrayLike<number>);
  }
  if (typeof raw === 'number') return Float32Array.of(raw);
  if (typeof raw === 'bigint') return Int32Array.of(Number(raw));
  if (typeof raw === 'boolean') return Uint8Array.of(raw ? 1 : 0);
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'number')) return Float32Array.from(raw);
  throw new FileFormatError(
    `${where}: unsupported data type (expected numbers, got ${raw === null ? 'null' : typeof raw})`,
  );
}

/** Options of H5Reader.open. */
export interface H5OpenOptions {
  /**
   * The name errors give the file: the user's own file when the HDF5 data is a temporary copy of
   * an archive member, e.g. "model.keras (member model.weights.h5)".
   */
  displayName?: string;
}

/** An HDF5 file opened read-only, after checking that it exists and is HDF5. */
export class H5Reader {
  private constructor(
    readonly filename: string,
    private readonly f: H5File,
    readonly size: number,
  ) {}
  get root(): H5Group {
    return new H5Group(this, this.f, '/');
  }

  static async open(path: string, opts: H5OpenOptions = {}): Promise<H5Reader> {
    const name = opts.displayName ?? path;
    if (!existsSync(path)) throw new FileFormatError(`${name}: no such file`);
    const st = statSync(path);
    if (st.isDirectory()) throw new FileFormatError(`${name}: is a directory, expected an HDF5 file`);
    // A FIFO or a device would block or never end; only plain files are read.
    if (!st.isFile()) {
      throw new FileFormatError(`${name}: not a regular file (a device, FIFO or socket), expected an HDF5 file`);
    }
    const { kind, size } = sniffFile(path);
    if (kind !== 'hdf5') {
      throw new FileFormatError(`${name}: not an HDF5 file: it is ${describeKind(kind)} (${size} bytes)`);
    }
    checkGlobalHeaps(path, name, size);
    // The library can loop or abort on damage nobody has described yet; a worker reads the
    // structure first, under a deadline, so that neither reaches this thread.
    await probeH5(resolve(path), name, size);
    const h5 = await h5lib();
    let f: H5File;
    try {
      f = new h5.File(resolve(path), 'r');
    } catch (e) {
      const why = firstLine(e);
      throw new FileFormatError(`${name}: cannot open the HDF5 file (truncated or damaged; ${size} bytes): ${why}`);
    }
    if (!f || (f as { file_id?: bigint }).file_id === undefined || Number((f as { file_id?: bigint }).file_id) < 0) {
      throw new FileFormatError(`${name}: cannot open the HDF5 file (truncated or damaged; ${size} bytes)`);
    }
    return new H5Reader(name, f, size);
  }

  close(): void {
    try {
      this.f.close();
    } catch {
      /* already closed */
    }
  }
}

/** An HDF5 file created for writing (truncates). Use through atomicWrite so a failed save leaves the old file. */
export class H5Writer {
  private constructor(
    readonly filename: string,
    private readonly f: H5File,
  ) {}
  get root(): H5Group {
    return new H5Group(this, this.f, '/');
  }

  static async create(path: string): Promise<H5Writer> {
    const h5 = await h5lib();
    try {
      return new H5Writer(path, new h5.File(resolve(path), 'w'));
    } catch (e) {
      releaseDescriptors(resolve(path));
      const err = new FileFormatError(`${path}: cannot create the HDF5 file: ${firstLine(e)}`);
      throw Object.assign(err, { cause: e });
    }
  }

  /**
   * Closes the file, and its descriptor even when HDF5 keeps the file open (an object left open by
   * a failed write): a deleted temporary would otherwise hold its disk space until the process ends.
   */
  close(): void {
    try {
      this.f.close();
    } finally {
      releaseDescriptors(resolve(this.filename));
    }
  }
}

/** Closes the WebAssembly file system's descriptors still open on `file`. */
function releaseDescriptors(file: string): void {
  const fs: unknown = wasmFs;
  if (typeof fs !== 'object' || fs === null) return;
  const { streams, close } = fs as { streams?: unknown; close?: unknown };
  if (!Array.isArray(streams) || typeof close !== 'function') return;
  for (const s of streams) {
    if (typeof s === 'object' && s !== null && (s as { path?: unknown }).path === file) {
      try {
        close.call(fs, s);
      } catch {
        /* already closed */
      }
    }
  }
}

/** Opens, runs fn, and always closes. */
export async function withH5<T>(path: string, fn: (root: H5Group, r: H5Reader) => T | Promise<T>): Promise<T> {
  const r = await H5Reader.open(path);
  try {
    return await fn(r.root, r);
  } finally {
    r.close();
  }
}
