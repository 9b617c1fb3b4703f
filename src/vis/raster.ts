// A palette-indexed pixel canvas with a 5x7 bitmap font (descenders below), for pictures that
// must come out pixel-exact (the animated GIFs of vis/explain.ts): rectangles, outlines and text,
// nothing anti-aliased, so every colour drawn is one of the palette's.

/** Glyphs 5 pixels wide, 7 rows above the baseline and 2 below; '#' is ink. */
const GLYPHS: Record<string, readonly string[]> = {
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
  '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
  '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
  '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
  A: [' ### ', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  B: ['#### ', '#   #', '#   #', '#### ', '#   #', '#   #', '#### '],
  C: [' ### ', '#   #', '#    ', '#    ', '#    ', '#   #', ' ### '],
  D: ['###  ', '#  # ', '#   #', '#   #', '#   #', '#  # ', '###  '],
  E: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#####'],
  F: ['#####', '#    ', '#    ', '#### ', '#    ', '#    ', '#    '],
  G: [' ### ', '#   #', '#    ', '# ###', '#   #', '#   #', ' ####'],
  H: ['#   #', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  I: [' ### ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  J: ['  ###', '   # ', '   # ', '   # ', '   # ', '#  # ', ' ##  '],
  K: ['#   #', '#  # ', '# #  ', '##   ', '# #  ', '#  # ', '#   #'],
  L: ['#    ', '#    ', '#    ', '#    ', '#    ', '#    ', '#####'],
  M: ['#   #', '## ##', '# # #', '# # #', '#   #', '#   #', '#   #'],
  N: ['#   #', '#   #', '##  #', '# # #', '#  ##', '#   #', '#   #'],
  O: [' ### ', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  P: ['#### ', '#   #', '#   #', '#### ', '#    ', '#    ', '#    '],
  Q: [' ### ', '#   #', '#   #', '#   #', '# # #', '#  # ', ' ## #'],
  R: ['#### ', '#   #', '#   #', '#### ', '# #  ', '#  # ', '#   #'],
  S: [' ####', '#    ', '#    ', ' ### ', '    #', '    #', '#### '],
  T: ['#####', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  '],
  U: ['#   #', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  V: ['#   #', '#   #', '#   #', '#   #', '#   #', ' # # ', '  #  '],
  W: ['#   #', '#   #', '#   #', '# # #', '# # #', '# # #', ' # # '],
  X: ['#   #', '#   #', ' # # ', '  #  ', ' # # ', '#   #', '#   #'],
  Y: ['#   #', '#   #', ' # # ', '  #  ', '  #  ', '  #  ', '  #  '],
  Z: ['#####', '    #', '   # ', '  #  ', ' #   ', '#    ', '#####'],
  a: ['     ', '     ', ' ### ', '    #', ' ####', '#   #', ' ####'],
  b: ['#    ', '#    ', '# ## ', '##  #', '#   #', '#   #', '#### '],
  c: ['     ', '     ', ' ### ', '#    ', '#    ', '#   #', ' ### '],
  d: ['    #', '    #', ' ## #', '#  ##', '#   #', '#   #', ' ####'],
  e: ['     ', '     ', ' ### ', '#   #', '#####', '#    ', ' ### '],
  f: ['  ## ', ' #  #', ' #   ', '###  ', ' #   ', ' #   ', ' #   '],
  g: ['     ', '     ', ' ####', '#   #', '#   #', ' ####', '    #', '#   #', ' ### '],
  h: ['#    ', '#    ', '# ## ', '##  #', '#   #', '#   #', '#   #'],
  i: ['  #  ', '     ', ' ##  ', '  #  ', '  #  ', '  #  ', ' ### '],
  j: ['   # ', '     ', '  ## ', '   # ', '   # ', '   # ', '   # ', '#  # ', ' ##  '],
  k: ['#    ', '#    ', '#  # ', '# #  ', '##   ', '# #  ', '#  # '],
  l: [' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  m: ['     ', '     ', '## # ', '# # #', '# # #', '# # #', '# # #'],
  n: ['     ', '     ', '# ## ', '##  #', '#   #', '#   #', '#   #'],
  o: ['     ', '     ', ' ### ', '#   #', '#   #', '#   #', ' ### '],
  p: ['     ', '     ', '#### ', '#   #', '#   #', '#### ', '#    ', '#    ', '#    '],
  q: ['     ', '     ', ' ####', '#   #', '#   #', ' ####', '    #', '    #', '    #'],
  r: ['     ', '     ', '# ## ', '##  #', '#    ', '#    ', '#    '],
  s: ['     ', '     ', ' ####', '#    ', ' ### ', '    #', '#### '],
  t: [' #   ', ' #   ', '###  ', ' #   ', ' #   ', ' #  #', '  ## '],
  u: ['     ', '     ', '#   #', '#   #', '#   #', '#  ##', ' ## #'],
  v: ['     ', '     ', '#   #', '#   #', '#   #', ' # # ', '  #  '],
  w: ['     ', '     ', '#   #', '#   #', '# # #', '# # #', ' # # '],
  x: ['     ', '     ', '#   #', ' # # ', '  #  ', ' # # ', '#   #'],
  y: ['     ', '     ', '#   #', '#   #', '#   #', ' ####', '    #', '#   #', ' ### '],
  z: ['     ', '     ', '#####', '   # ', '  #  ', ' #   ', '#####'],
  ' ': [],
  '(': ['   # ', '  #  ', ' #   ', ' #   ', ' #   ', '  #  ', '   # '],
  ')': [' #   ', '  #  ', '   # ', '   # ', '   # ', '  #  ', ' #   '],
  '[': [' ### ', ' #   ', ' #   ', ' #   ', ' #   ', ' #   ', ' ### '],
  ']': [' ### ', '   # ', '   # ', '   # ', '   # ', '   # ', ' ### '],
  ',': ['     ', '     ', '     ', '     ', '     ', ' ##  ', '  #  ', ' #   '],
  '.': ['     ', '     ', '     ', '     ', '     ', ' ##  ', ' ##  '],
  ':': ['     ', ' ##  ', ' ##  ', '     ', ' ##  ', ' ##  ', '     '],
  ';': ['     ', ' ##  ', ' ##  ', '     ', ' ##  ', '  #  ', ' #   '],
  '-': ['     ', '     ', '     ', '#####', '     ', '     ', '     '],
  '+': ['     ', '  #  ', '  #  ', '#####', '  #  ', '  #  ', '     '],
  '=': ['     ', '     ', '#####', '     ', '#####', '     ', '     '],
  '>': [' #   ', '  #  ', '   # ', '    #', '   # ', '  #  ', ' #   '],
  '<': ['   # ', '  #  ', ' #   ', '#    ', ' #   ', '  #  ', '   # '],
  '/': ['     ', '    #', '   # ', '  #  ', ' #   ', '#    ', '     '],
  '*': ['     ', '  #  ', '# # #', ' ### ', '# # #', '  #  ', '     '],
  '×': ['     ', '     ', '#   #', ' # # ', '  #  ', ' # # ', '#   #'],
  '·': ['     ', '     ', '     ', ' ##  ', ' ##  ', '     ', '     '],
  "'": ['  #  ', '  #  ', ' #   ', '     ', '     ', '     ', '     '],
  '"': [' # # ', ' # # ', '     ', '     ', '     ', '     ', '     '],
  _: ['     ', '     ', '     ', '     ', '     ', '     ', '     ', '#####'],
  '!': ['  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '     ', '  #  '],
  '?': [' ### ', '#   #', '    #', '   # ', '  #  ', '     ', '  #  '],
  '%': ['##   ', '##  #', '   # ', '  #  ', ' #   ', '#  ##', '   ##'],
  '|': ['  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  ', '  #  '],
  '#': [' # # ', ' # # ', '#####', ' # # ', '#####', ' # # ', ' # # '],
};

/** Pixels a glyph advances (5 of ink, 1 of space), and rows a line takes (7 + 2 below + 2 between). */
export const GLYPH_ADVANCE = 6;
export const LINE_HEIGHT = 11;
/** Rows from a line's top to its baseline. */
const ASCENT = 7;

/** Whether the font can draw every character of `s` (others are drawn as '?'). */
export function canDraw(s: string): boolean {
  return [...s].every((c) => Object.hasOwn(GLYPHS, c));
}

/** Width in pixels of `s` at `scale` (no trailing space). */
export function textWidth(s: string, scale = 1): number {
  const n = [...s].length;
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}

/** An image whose pixels are palette indices. */
export class IndexedCanvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background = 0,
  ) {
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  /** A filled rectangle, clipped to the canvas. */
  fill(x: number, y: number, w: number, h: number, colour: number): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    for (let yy = y0; yy < y1; yy++) this.pixels.fill(colour, yy * this.width + x0, yy * this.width + Math.max(x0, x1));
  }

  /** The outline of a rectangle, `thickness` pixels drawn inward from its edge. */
  frame(x: number, y: number, w: number, h: number, colour: number, thickness = 1): void {
    const t = Math.min(thickness, Math.ceil(w / 2), Math.ceil(h / 2));
    this.fill(x, y, w, t, colour);
    this.fill(x, y + h - t, w, t, colour);
    this.fill(x, y, t, h, colour);
    this.fill(x + w - t, y, t, h, colour);
  }

  /**
   * Text whose top-left corner (of the line, descenders excluded) is at (x, y), each font pixel a
   * `scale` x `scale` block; `align` puts x at the text's left, centre or right.
   */
  text(x: number, y: number, s: string, colour: number, scale = 1, align: 'left' | 'center' | 'right' = 'left'): void {
    const w = textWidth(s, scale);
    let cx = Math.round(align === 'left' ? x : align === 'center' ? x - w / 2 : x - w);
    for (const ch of s) {
      const rows = GLYPHS[ch] ?? GLYPHS['?'];
      rows.forEach((row, r) => {
        for (let c = 0; c < row.length; c++) {
          if (row[c] === '#') this.fill(cx + c * scale, y + r * scale, scale, scale, colour);
        }
      });
      cx += GLYPH_ADVANCE * scale;
    }
  }

  /** Text centred in a box, vertically by its capital height. */
  textIn(x: number, y: number, w: number, h: number, s: string, colour: number, scale = 1): void {
    this.text(x + w / 2, Math.round(y + (h - ASCENT * scale) / 2), s, colour, scale, 'center');
  }

  /** RGB bytes of the canvas through `palette` (RGB triples). */
  toRgb(palette: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.width * this.height * 3);
    for (let i = 0; i < this.pixels.length; i++) {
      const k = this.pixels[i] * 3;
      out[i * 3] = palette[k];
      out[i * 3 + 1] = palette[k + 1];
      out[i * 3 + 2] = palette[k + 2];
    }
    return out;
  }
}
