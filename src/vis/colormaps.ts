// Colormaps for pictures of convnets: matplotlib's viridis (its default, which the book's activation
// grids use) and jet (the book's Grad-CAM overlays), 256 entries each, as RGB in [0, 1].

/** matplotlib's viridis, 256 entries (8-bit, as PNG stores them). */
const VIRIDIS_HEX =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769' +
  '48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a' +
  '472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85' +
  '4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b' +
  '3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d' +
  '33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
  '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e' +
  '26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d' +
  '21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88' +
  '1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81' +
  '28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74' +
  '3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
  '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d' +
  '84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
  'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a' +
  'd8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725';

function fromHex(hex: string): Float32Array {
  const out = new Float32Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16) / 255;
  return out;
}

type Segments = readonly (readonly [number, number])[];

/** matplotlib's jet segment data (x, y): piecewise linear per channel. */
const JET: readonly Segments[] = [
  [
    [0, 0],
    [0.35, 0],
    [0.66, 1],
    [0.89, 1],
    [1, 0.5],
  ],
  [
    [0, 0],
    [0.125, 0],
    [0.375, 1],
    [0.64, 1],
    [0.91, 0],
    [1, 0],
  ],
  [
    [0, 0.5],
    [0.11, 1],
    [0.34, 1],
    [0.65, 0],
    [1, 0],
  ],
];

/** Samples segment data at i/(n-1), as matplotlib's LinearSegmentedColormap builds its table. */
function fromSegments(channels: readonly Segments[], n = 256): Float32Array {
  const out = new Float32Array(n * 3);
  channels.forEach((seg, c) => {
    for (let i = 0; i < n; i++) {
      const x = i / (n - 1);
      let k = 1;
      while (k < seg.length - 1 && seg[k][0] < x) k++;
      const [x0, y0] = seg[k - 1];
      const [x1, y1] = seg[k];
      out[i * 3 + c] = x1 === x0 ? y1 : y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
    }
  });
  return out;
}

export type ColormapName = 'viridis' | 'jet' | 'gray';

const tables = new Map<ColormapName, Float32Array>();

/** The 256-entry table of a colormap: RGB triples in [0, 1] (entry i at [3i, 3i + 3)). */
export function colormap(name: ColormapName): Float32Array {
  let t = tables.get(name);
  if (!t) {
    if (name === 'viridis') t = fromHex(VIRIDIS_HEX);
    else if (name === 'jet') t = fromSegments(JET);
    else if (name === 'gray') t = Float32Array.from({ length: 768 }, (_, i) => Math.floor(i / 3) / 255);
    else throw new Error(`colormap: expected 'viridis', 'jet' or 'gray', got '${String(name)}'`);
    tables.set(name, t);
  }
  return t;
}

/**
 * Colours values with a colormap as matplotlib's imshow does: vmin..vmax (default: the data's
 * min..max) onto the 256 entries; returns 8-bit RGB.
 */
export function applyColormap(values: ArrayLike<number>, name: ColormapName, vmin?: number, vmax?: number): Uint8Array {
  let lo = vmin ?? Infinity;
  let hi = vmax ?? -Infinity;
  if (vmin === undefined || vmax === undefined) {
    for (let i = 0; i < values.length; i++) {
      if (vmin === undefined && values[i] < lo) lo = values[i];
      if (vmax === undefined && values[i] > hi) hi = values[i];
    }
  }
  const table = colormap(name);
  const out = new Uint8Array(values.length * 3);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] - lo) / span;
    const k = Math.max(0, Math.min(255, Math.floor((Number.isFinite(v) ? v : 0) * 256)));
    out[i * 3] = Math.round(table[k * 3] * 255);
    out[i * 3 + 1] = Math.round(table[k * 3 + 1] * 255);
    out[i * 3 + 2] = Math.round(table[k * 3 + 2] * 255);
  }
  return out;
}
