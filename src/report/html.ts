// The report page's shell and the helpers every section uses: HTML escaping (every string that
// reaches the page goes through escapeHtml), number formatting, pictures as PNG data: URIs, and
// the one stylesheet and script. A Content-Security-Policy refuses every network load, so the page
// stays self-contained even if a future section forgot to inline something.
import { loadSharp } from '../data/codec.js';
import { Tensor } from '../tensor/tensor.js';
import { arrayToImg } from '../utils/image.js';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A metric value as people read it: four significant digits, no exponent for ordinary values. */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

export function fmtPercent(p: number): string {
  return `${(100 * p).toFixed(p >= 0.9995 || p < 0.0005 ? 0 : 1)}%`;
}

/** 8-bit pixels (1 or 3 channels) as a PNG data: URI. */
export async function pngDataUri(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<string> {
  const sharp = await loadSharp();
  let s = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
    raw: { width, height, channels },
  });
  if (channels === 1) s = s.toColourspace('b-w');
  const png = await s.png({ compressionLevel: 9 }).toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * A picture [h, w, c] as RGB 0..255: 0..255 values as they are, other ranges (a model's rescaled
 * inputs) stretched min..max as Keras's array_to_img does; one channel is repeated.
 */
export function displayRgb(image: Tensor): Tensor {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of image.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const img = arrayToImg(image, { scale: !(lo >= 0 && hi <= 255 && hi > 1) });
  const [h, w, c] = [img.height, img.width, img.channels];
  const out = new Float32Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) out[p * 3 + k] = img.data[p * c + (c === 1 ? 0 : k)];
  }
  return new Tensor(out, [h, w, 3]);
}

/** A picture [h, w, 3] of 0..255 values as a PNG data: URI. */
export function rgbDataUri(rgb: Tensor): Promise<string> {
  const [h, w] = rgb.shape;
  const u = new Uint8Array(rgb.size);
  for (let i = 0; i < u.length; i++) u[i] = Math.max(0, Math.min(255, Math.round(rgb.data[i])));
  return pngDataUri(u, w, h, 3);
}

/** An <img> of a model-sized picture, enlarged without blur when it is small (MNIST's 28 pixels). */
export function imgTag(uri: string, width: number, alt: string, shown = 128): string {
  const pixelated = width < shown / 2 ? ' pixelated' : '';
  return `<img class="pic${pixelated}" src="${uri}" width="${shown}" alt="${escapeHtml(alt)}">`;
}

export interface SectionHtml {
  id: string;
  title: string;
  /** The section's body, or null with `note` saying why it is left out. */
  body: string | null;
  note?: string;
  intro?: string;
}

export function sectionHtml(s: SectionHtml): string {
  const intro = s.intro ? `<p class="intro">${escapeHtml(s.intro)}</p>` : '';
  const body = s.body ?? `<p class="note">${escapeHtml(s.note ?? 'No data for this section.')}</p>`;
  const cls = s.body === null ? ' class="missing"' : '';
  return `<section id="${s.id}"${cls}><h2>${escapeHtml(s.title)}</h2>${s.body === null ? '' : intro}${body}</section>`;
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6576;--line:#e2e6ee;--bg:#f5f7fa;--card:#fff;--accent:#1f5fa8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2b45;color:#fff;padding:22px 32px 14px}
header h1{margin:0 0 4px;font-size:24px;font-weight:600}
header .sub{margin:0;color:#c5d0e3;font-size:14px}
nav{margin-top:12px;display:flex;flex-wrap:wrap;gap:6px}
nav a{color:#fff;text-decoration:none;font-size:13px;padding:3px 10px;border-radius:12px;background:#2f4269}
nav a.off{opacity:.5}
main{max-width:1180px;margin:0 auto;padding:18px 24px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 22px 20px;margin:16px 0}
section.missing{padding:10px 22px}
h2{font-size:18px;margin:0 0 8px;font-weight:600}
section.missing h2{font-size:15px;display:inline;margin-right:10px}
.intro{color:var(--muted);margin:0 0 12px;font-size:14px}
.note{color:var(--muted);font-style:italic;margin:0;display:inline}
pre.summary{font:12.5px/1.2 "DejaVu Sans Mono",ui-monospace,Menlo,Consolas,monospace;background:#fbfcfd;border:1px solid var(--line);border-radius:6px;padding:12px;overflow-x:auto;margin:0}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart{background:#fff;border:1px solid var(--line);border-radius:6px;max-width:100%;height:auto;font-family:inherit}
svg .ctitle{font-size:14px;font-weight:600;fill:var(--fg)}
svg .legend{font-size:12px;fill:var(--fg)}
svg .tick{font-size:11px;fill:var(--muted)}
svg .axis{font-size:12px;fill:var(--fg)}
svg .grid{stroke:#eef0f4}
svg .frame{fill:none;stroke:#b9c0cc}
svg .guide{stroke:#7a8394;stroke-dasharray:3 3;visibility:hidden}
svg .col:hover .guide{visibility:visible}
#tip{position:absolute;display:none;pointer-events:none;background:rgba(29,35,48,.94);color:#fff;font-size:13px;padding:6px 10px;border-radius:5px;white-space:nowrap;z-index:10}
#tip .h{font-weight:600;margin-bottom:2px}
table{border-collapse:collapse;font-size:14px}
table.metrics th,table.metrics td{padding:6px 14px;border-bottom:1px solid var(--line);text-align:right}
table.metrics th:first-child,table.metrics td:first-child{text-align:left}
table.metrics thead th{color:var(--muted);font-weight:600;font-size:13px}
table.cm td,table.cm th{padding:0;text-align:center}
table.cm td.cell{width:74px;height:52px;border:2px solid #fff;font-weight:600;font-size:15px}
table.cm td.cell small{display:block;font-weight:400;font-size:11px;opacity:.85}
table.cm th{font-weight:600;font-size:13px;padding:4px 8px;max-width:120px;overflow-wrap:anywhere}
table.cm th.row{text-align:right}
table.cm .axis{color:var(--muted);font-weight:400;font-size:12px}
.grid-pics{display:flex;flex-wrap:wrap;gap:14px}
figure{margin:0;text-align:center;font-size:13px}
figure figcaption{margin-top:4px;line-height:1.35}
.bad{color:#b3261e;font-weight:600}
.good{color:#1e7b34;font-weight:600}
img.pic{border-radius:4px;border:1px solid var(--line);height:auto;display:block;margin:0 auto}
img.pixelated,img.act{image-rendering:pixelated}
.act-layer{margin:0 0 16px}
.act-layer h3{font-size:14px;margin:0 0 4px;font-weight:600}
.act-layer h3 span{color:var(--muted);font-weight:400}
img.act{max-width:100%;height:auto;border:1px solid var(--line)}
.pair{display:flex;gap:6px}
footer{color:var(--muted);font-size:12px;text-align:center;margin:10px 0 30px}
`;

// Shows a chart column's data-tip beside the pointer; everything else on the page is static.
const SCRIPT = `(function(){var t=document.getElementById('tip');
document.querySelectorAll('[data-tip]').forEach(function(el){
el.addEventListener('mousemove',function(e){t.textContent='';
el.getAttribute('data-tip').split('\\n').forEach(function(s,i){var d=document.createElement('div');d.textContent=s;if(i===0)d.className='h';t.appendChild(d);});
t.style.display='block';t.style.left=(e.pageX+14)+'px';t.style.top=(e.pageY+14)+'px';});
el.addEventListener('mouseleave',function(){t.style.display='none';});});})();`;

const CSP =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; " +
  "form-action 'none'";

export interface PageParts {
  title: string;
  subtitle: string;
  sections: SectionHtml[];
  footer: string;
}

export function pageHtml(p: PageParts): string {
  const nav = p.sections
    .map((s) => `<a href="#${s.id}"${s.body === null ? ' class="off"' : ''}>${escapeHtml(s.title)}</a>`)
    .join('');
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(p.title)}</title><style>${CSS}</style></head><body>` +
    `<header><h1>${escapeHtml(p.title)}</h1><p class="sub">${escapeHtml(p.subtitle)}</p><nav>${nav}</nav></header>` +
    `<main>${p.sections.map(sectionHtml).join('\n')}</main>` +
    `<footer>${escapeHtml(p.footer)}</footer><div id="tip"></div><script>${SCRIPT}</script></body></html>\n`
  );
}
