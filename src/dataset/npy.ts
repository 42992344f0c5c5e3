import { writeFileAtomically } from '../util/atomic-file.js';

/**
 * NumPy's .npy format (version 1.0), the cache's on-disk array format: PyTorch training code
 * reads it with numpy alone (`np.load`), no extra packages. Little-endian, C order.
 */
export type NpyDtype = 'float32' | 'float16' | 'int16' | 'uint8';

const DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  float16: '<f2',
  int16: '<i2',
  uint8: '|u1',
};
const BYTES: Record<NpyDtype, number> = { float32: 4, float16: 2, int16: 2, uint8: 1 };

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Raw little-endian element bytes. */
  data: Uint8Array;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** IEEE half precision from a float (round to nearest even; overflow → ±Inf). */
export function toFloat16Bits(value: number): number {
  F32[0] = value;
  const x = U32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflow to ±0
    mant |= 0x800000; // subnormal: shift in the implicit bit
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  const rest = mant & 0x1fff;
  let m = mant >>> 13;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Pack numbers into an array of `dtype` (float16 rounds, int16 and uint8 round and clip). */
export function npyArray(dtype: NpyDtype, shape: number[], values: ArrayLike<number>): NpyArray {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) {
    throw new RangeError(`npy: shape [${shape}] holds ${count} values, got ${values.length}`);
  }
  const data = new Uint8Array(count * BYTES[dtype]);
  const view = new DataView(data.buffer);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (dtype === 'float32') view.setFloat32(i * 4, v, true);
    else if (dtype === 'float16') view.setUint16(i * 2, toFloat16Bits(v), true);
    else if (dtype === 'int16')
      view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(v))), true);
    else data[i] = Math.max(0, Math.min(255, Math.round(v)));
  }
  return { dtype, shape, data };
}

/** Serialise to .npy bytes: magic, version 1.0, a padded header dict, then the data. */
export function encodeNpy(a: NpyArray): Uint8Array {
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + a.data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY v1.0
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(a.data, total);
  return out;
}

/** Parse .npy bytes written by encodeNpy or numpy (version 1.x/2.x, C order, our dtypes). */
export function decodeNpy(bytes: Uint8Array): {
  dtype: NpyDtype;
  shape: number[];
  values: Float64Array;
} {
  if (bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') {
    throw new Error('not a .npy file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((k) => DESCR[k] === descr);
  if (!dtype) throw new Error(`unsupported npy dtype ${descr}`);
  if (/'fortran_order':\s*True/.test(header))
    throw new Error('Fortran-ordered npy is not supported');
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    if (dtype === 'float32') values[i] = view.getFloat32(off + i * 4, true);
    else if (dtype === 'float16') values[i] = fromFloat16Bits(view.getUint16(off + i * 2, true));
    else if (dtype === 'int16') values[i] = view.getInt16(off + i * 2, true);
    else values[i] = bytes[off + i];
  }
  return { dtype, shape, values };
}

export async function writeNpy(path: string, a: NpyArray): Promise<Uint8Array> {
  const bytes = encodeNpy(a);
  await writeFileAtomically(path, bytes);
  return bytes;
}
