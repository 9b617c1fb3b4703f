// A small HDF5 layer over h5wasm: open a file for reading (with a clear FileFormatError for missing,
// foreign, truncated or damaged files), read groups, attributes (variable- and fixed-length
// strings, byte strings, numeric arrays, Keras's split `name0/name1/...` attributes) and datasets
// (as typed arrays + shape); create files, groups, datasets and attributes for writing.
// Nothing Keras-specific lives here except the split-attribute convention.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { FileFormatError } from '../errors.js';
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
  const lines = msg.split('\n').map((s) => s.trim()).filter(Boolean);
  // HDF5's error stack: keep its most specific line (the deepest "#00n" entry), shortened.
  const deepest = lines.filter((l) => /^#\d+/.test(l)).pop();
  return (deepest ?? lines[0] ?? 'unknown error').replace(/^#\d+: \S+ line \d+ in /, '');
}

export type H5Value = string | number | bigint | boolean | string[] | number[] | Float32Array | Float64Array
  | Int32Array | Uint8Array | BigInt64Array | unknown;

export interface DatasetData {
  data: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  /** h5wasm dtype string, e.g. '<f', '<d', '<q'. */
  dtype: string;
}

/** A group of an open file (the root is a group too). `path` is absolute, e.g. '/model_weights'. */
export class H5Group {
  constructor(readonly file: H5Reader | H5Writer, readonly obj: H5GroupObj, readonly path: string) {}

  keys(): string[] { return this.obj.keys(); }
  has(name: string): boolean {
    // h5wasm's get() on a missing path throws (with the throwing handler); walk keys instead.
    let g: H5GroupObj = this.obj;
    const parts = name.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      if (!g.keys().includes(parts[i])) return false;
      if (i < parts.length - 1) {
        const c = g.get(parts[i]);
        if (!c || (c as { type?: string }).type !== 'Group') return false;
        g = c as H5GroupObj;
      }
    }
    return true;
  }

  private getEntity(name: string): unknown {
    if (!this.has(name)) return null;
    try { return this.obj.get(name); } catch (e) {
      throw new FileFormatError(`${this.file.filename}: cannot read '${join(this.path, name)}': ${firstLine(e)}`);
    }
  }

  isGroup(name: string): boolean {
    const e = this.getEntity(name) as { type?: string } | null;
    return !!e && e.type === 'Group';
  }

  isDataset(name: string): boolean {
    const e = this.getEntity(name) as { type?: string } | null;
    return !!e && e.type === 'Dataset';
  }

  /** A subgroup; throws a FileFormatError naming the file and path when it is missing. */
  group(name: string): H5Group {
    const e = this.getEntity(name) as { type?: string } | null;
    if (!e || e.type !== 'Group') {
      throw new FileFormatError(`${this.file.filename}: expected a group '${join(this.path, name)}'${e ? ` but found a ${e.type}` : ', which is missing'}`);
    }
    return new H5Group(this.file, e as H5GroupObj, join(this.path, name));
  }

  maybeGroup(name: string): H5Group | null {
    return this.isGroup(name) ? this.group(name) : null;
  }

  /** Reads a dataset as a typed array: floats as Float32Array, integers as Int32Array (or Uint8Array). */
  dataset(name: string): DatasetData {
    const e = this.getEntity(name) as { type?: string } | null;
    const where = join(this.path, name);
    if (!e || e.type !== 'Dataset') {
      throw new FileFormatError(`${this.file.filename}: expected a dataset '${where}'${e ? ` but found a ${e.type}` : ', which is missing'}`);
    }
    const ds = e as H5DatasetObj;
    let raw: unknown;
    let shape: number[];
    let dtype: string;
    try {
      shape = (ds.shape ?? []).map(Number);
      dtype = String(ds.dtype);
      raw = ds.value;
    } catch (err) {
      throw new FileFormatError(`${this.file.filename}: cannot read dataset '${where}' (truncated or damaged file?): ${firstLine(err)}`);
    }
    return { data: toTyped(raw, `${this.file.filename}: dataset '${where}'`), shape, dtype };
  }

  attrNames(): string[] {
    try { return Object.keys(this.obj.attrs); } catch (e) {
      throw new FileFormatError(`${this.file.filename}: cannot read the attributes of '${this.path}': ${firstLine(e)}`);
    }
  }

  hasAttr(name: string): boolean {
    return this.attrNames().includes(name) || this.attrNames().includes(`${name}0`);
  }

  /** An attribute's value (strings decoded), or undefined when absent. */
  attr(name: string): H5Value | undefined {
    const names = this.attrNames();
    if (!names.includes(name)) return undefined;
    try {
      return normaliseAttr(this.obj.get_attribute(name, false));
    } catch (e) {
      throw new FileFormatError(`${this.file.filename}: cannot read attribute '${name}' of '${this.path}': ${firstLine(e)}`);
    }
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
    let g: H5Group = this;
    for (const part of name.split('/').filter(Boolean)) {
      g = g.isGroup(part) ? g.group(part) : new H5Group(this.file, g.obj.create_group(part), join(g.path, part));
    }
    return g;
  }

  /** Writes a dataset; nested names ('a/b:0') create the intermediate groups. */
  writeDataset(name: string, data: Float32Array | Int32Array | BigInt64Array | Uint8Array, shape: readonly number[],
    dtype?: string): void {
    const parts = name.split('/');
    const leaf = parts.pop()!;
    const g = parts.length ? this.createGroup(parts.join('/')) : this;
    const dt = dtype ?? (data instanceof Float32Array ? '<f' : data instanceof Int32Array ? '<i'
      : data instanceof BigInt64Array ? '<q' : '<B');
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
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x.replace(/\0+$/, '') : x));
  return v;
}

function toTyped(raw: unknown, where: string): Float32Array | Int32Array | Uint8Array {
  if (raw instanceof Float32Array || raw instanceof Int32Array || raw instanceof Uint8Array) return raw;
  if (raw instanceof Float64Array) return Float32Array.from(raw);
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) return Int32Array.from(raw, (x) => Number(x));
  if (raw instanceof Int8Array || raw instanceof Int16Array || raw instanceof Uint16Array || raw instanceof Uint32Array) {
    return Int32Array.from(raw as ArrayLike<number>);
  }
  if (typeof raw === 'number') return Float32Array.of(raw);
  if (typeof raw === 'bigint') return Int32Array.of(Number(raw));
  if (typeof raw === 'boolean') return Uint8Array.of(raw ? 1 : 0);
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'number')) return Float32Array.from(raw as number[]);
  throw new FileFormatError(`${where}: unsupported data type (expected numbers, got ${raw === null ? 'null' : typeof raw})`);
}

/** An HDF5 file opened read-only, after checking that it exists and is HDF5. */
export class H5Reader {
  private constructor(readonly filename: string, private readonly f: H5File) {}
  get root(): H5Group { return new H5Group(this, this.f as unknown as H5GroupObj, '/'); }

  static async open(path: string): Promise<H5Reader> {
    if (!existsSync(path)) throw new FileFormatError(`${path}: no such file`);
    if (statSync(path).isDirectory()) throw new FileFormatError(`${path}: is a directory, expected an HDF5 file`);
    const { kind, size } = sniffFile(path);
    if (kind !== 'hdf5') {
      throw new FileFormatError(`${path}: not an HDF5 file: it is ${describeKind(kind)} (${size} bytes)`);
    }
    const h5 = await h5lib();
    let f: H5File;
    try {
      f = new h5.File(resolve(path), 'r');
    } catch (e) {
      throw new FileFormatError(`${path}: cannot open the HDF5 file (truncated or damaged; ${size} bytes): ${firstLine(e)}`);
    }
    if (!f || (f as { file_id?: bigint }).file_id === undefined || Number((f as { file_id?: bigint }).file_id) < 0) {
      throw new FileFormatError(`${path}: cannot open the HDF5 file (truncated or damaged; ${size} bytes)`);
    }
    return new H5Reader(path, f);
  }

  close(): void {
    try { this.f.close(); } catch { /* already closed */ }
  }
}

/** An HDF5 file created for writing (truncates). Use through atomicWrite so a failed save leaves the old file. */
export class H5Writer {
  private constructor(readonly filename: string, private readonly f: H5File) {}
  get root(): H5Group { return new H5Group(this, this.f as unknown as H5GroupObj, '/'); }

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
      try { close.call(fs, s); } catch { /* already closed */ }
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
