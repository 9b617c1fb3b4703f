// numpy's .npy files (numpy/lib/format.py): saveNpy writes format 1.0 (2.0 when the header needs
// more than 64 KiB), little endian, C order, float32/int32/uint8; loadNpy reads formats 1.0, 2.0
// and 3.0 in either byte order and either memory order, converting float64 to float32, int64 (and
// the other integer types that fit) to int32, bool to uint8. Writes are atomic.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { FileFormatError, ValueError } from '../errors.js';
import { atomicWrite } from '../io/atomic.js';
import { Tensor, type DType, type TypedArray } from '../tensor/tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy aligns the data to 64 bytes (so memory-mapped arrays are aligned for any type). */
const ALIGN = 64;

const DESCR: Record<DType, string> = { float32: '<f4', int32: '<i4', uint8: '|u1' };

/** numpy's header dictionary: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. */
function headerText(dtype: DType, shape: readonly number[]): string {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${dims}, }`;
}

/** The bytes of a .npy file holding this tensor. */
export function encodeNpy(t: Tensor): Uint8Array {
  if (!(t instanceof Tensor)) throw new ValueError(`saveNpy: expected a Tensor, got ${typeof t}`);
  let dict = headerText(t.dtype, t.shape);
  // Format 1.0 stores the header length in 2 bytes; longer headers (huge ranks) need 2.0's 4 bytes.
  let major = 1;
  let prefix = MAGIC.length + 2 + 2;
  if (Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN - prefix > 0xffff) {
    major = 2;
    prefix += 2;
  }
  const total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  dict = dict + ' '.repeat(total - prefix - dict.length - 1) + '\n';
  const headerLen = total - prefix;
  const body = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i);
  // Typed arrays hold the machine's byte order; every platform Node runs on is little endian.
  out.set(body, total);
  return out;
}

/** Writes a tensor to a .npy file numpy can read (np.load), atomically. */
export async function saveNpy(filePath: string, t: Tensor): Promise<void> {
  if (typeof filePath !== 'string' || !filePath) {
    throw new ValueError(`saveNpy: expected a file path, got ${JSON.stringify(filePath)}`);
  }
  const bytes = encodeNpy(t);
  await atomicWrite(filePath, (tmp) => writeFileSync(tmp, bytes));
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function parseHeader(text: string, file: string): Header {
  const bad = (what: string): FileFormatError =>
    new FileFormatError(`${file}: damaged .npy header (${what}): ${text.trim()}`);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (!descr) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) {
      throw new FileFormatError(
        `${file}: structured arrays (a list of fields as 'descr') are not supported; ` +
          'expected a plain numeric array',
      );
    }
    throw bad("no 'descr'");
  }
  const fo = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fo) throw bad("no 'fortran_order'");
  const sh = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!sh) throw bad("no 'shape'");
  const parts = sh[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const shape = parts.map((p) => {
    const n = Number(p.replace(/L$/, ''));
    if (!Number.isInteger(n) || n < 0) throw bad(`shape entry '${p}'`);
    return n;
  });
  return { descr: descr[1], fortranOrder: fo[1] === 'True', shape };
}

type Reader = { size: number; out: DType; read: (dv: DataView, offset: number, little: boolean) => number };

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** How to read one element of each supported numpy type, and the tensor dtype it becomes. */
const READERS: Record<string, Reader> = {
  f4: { size: 4, out: 'float32', read: (dv, o, le) => dv.getFloat32(o, le) },
  f8: { size: 8, out: 'float32', read: (dv, o, le) => dv.getFloat64(o, le) },
  i4: { size: 4, out: 'int32', read: (dv, o, le) => dv.getInt32(o, le) },
  i8: { size: 8, out: 'int32', read: (dv, o, le) => Number(dv.getBigInt64(o, le)) },
  i2: { size: 2, out: 'int32', read: (dv, o, le) => dv.getInt16(o, le) },
  i1: { size: 1, out: 'int32', read: (dv, o) => dv.getInt8(o) },
  u2: { size: 2, out: 'int32', read: (dv, o, le) => dv.getUint16(o, le) },
  u4: { size: 4, out: 'int32', read: (dv, o, le) => dv.getUint32(o, le) },
  u1: { size: 1, out: 'uint8', read: (dv, o) => dv.getUint8(o) },
  b1: { size: 1, out: 'uint8', read: (dv, o) => dv.getUint8(o) },
};

const READ_TYPES =
  'float32 (<f4), float64 (<f8, read as float32), int32 (<i4), int64 (<i8, read as int32), ' +
  'int8/int16/uint16/uint32 (read as int32), uint8 (|u1) and bool (|b1, read as uint8)';

/** Column-major data → row-major (numpy's fortran_order arrays). */
function fromFortran(src: TypedArray, shape: readonly number[]): TypedArray {
  const n = shape.length;
  if (n < 2) return src;
  const out = new (src.constructor as new (len: number) => TypedArray)(src.length);
  const idx = new Array<number>(n).fill(0);
  const fStride = new Array<number>(n);
  fStride[0] = 1;
  for (let d = 1; d < n; d++) fStride[d] = fStride[d - 1] * shape[d - 1];
  for (let i = 0; i < out.length; i++) {
    let f = 0;
    for (let d = 0; d < n; d++) f += idx[d] * fStride[d];
    out[i] = src[f];
    for (let d = n - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Decodes the bytes of a .npy file; `file` names it in errors. */
export function decodeNpy(bytes: Uint8Array, file = '<bytes>'): Tensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new FileFormatError(`${file}: not a .npy file (it does not start with numpy's magic string '\\x93NUMPY')`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) {
    throw new FileFormatError(
      `${file}: .npy format version ${major}.${minor} is not supported ` + '(expected 1.0, 2.0 or 3.0)',
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenSize) throw new FileFormatError(`${file}: truncated .npy file (${bytes.length} bytes)`);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenSize + headerLen;
  if (bytes.length < start) {
    throw new FileFormatError(
      `${file}: truncated .npy header (${bytes.length} bytes, ` + `the header ends at byte ${start})`,
    );
  }
  const raw = bytes.subarray(8 + lenSize, start);
  const text = major === 3 ? new TextDecoder('utf-8').decode(raw) : new TextDecoder('latin1').decode(raw);
  const h = parseHeader(text, file);

  const m = /^([<>|=])?([a-zA-Z])(\d+)$/.exec(h.descr);
  const reader = m ? READERS[`${m[2]}${m[3]}`] : undefined;
  if (!m || !reader) {
    throw new FileFormatError(`${file}: numpy dtype '${h.descr}' is not supported; convkit reads ${READ_TYPES}`);
  }
  const little = m[1] !== '>';
  const count = h.shape.reduce((a, b) => a * b, 1);
  const need = count * reader.size;
  if (bytes.length - start < need) {
    throw new FileFormatError(
      `${file}: truncated .npy data: shape (${h.shape.join(', ')}) of '${h.descr}' needs ` +
        `${need} bytes, the file holds ${bytes.length - start}`,
    );
  }
  let data: TypedArray;
  const key = `${m[2]}${m[3]}`;
  if (reader.out === 'uint8' && key === 'u1') {
    data = bytes.slice(start, start + need);
  } else if (key === 'f4' && little && (bytes.byteOffset + start) % 4 === 0) {
    data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + need));
  } else {
    data =
      reader.out === 'float32'
        ? new Float32Array(count)
        : reader.out === 'int32'
          ? new Int32Array(count)
          : new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const v = reader.read(dv, start + i * reader.size, little);
      if (reader.out === 'int32' && (v < INT32_MIN || v > INT32_MAX)) {
        throw new FileFormatError(
          `${file}: value ${v} at flat index ${i} does not fit int32 ` + `('${h.descr}' is read as int32)`,
        );
      }
      data[i] = reader.out === 'uint8' && key === 'b1' ? (v ? 1 : 0) : v;
    }
  }
  if (h.fortranOrder) data = fromFortran(data, h.shape);
  return new Tensor(data, h.shape);
}

/** Reads a numpy .npy file (np.save) into a tensor. */
export async function loadNpy(filePath: string): Promise<Tensor> {
  if (typeof filePath !== 'string' || !filePath) {
    throw new ValueError(`loadNpy: expected a file path, got ${JSON.stringify(filePath)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(filePath);
  } catch (e) {
    throw new FileFormatError(`${filePath}: cannot read the file: ${(e as Error).message}`);
  }
  return decodeNpy(bytes, filePath);
}
