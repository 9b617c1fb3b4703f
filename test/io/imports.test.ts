// The dependency direction of models/ and io/: io/ translates file formats and rebuilds models
// through the layer registry, models/ calls io/ to save and load, so no chain of runtime imports
// (static or dynamic; type-only imports are erased) may lead from one of them back to itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) return sourceFiles(p);
      return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
    });
}

/** Relative imports that survive compilation: not `import type`, not lists of `type` names only. */
export function runtimeImports(code: string): string[] {
  const out: string[] = [];
  const stmt = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"](\.[^'"]+)['"]/g;
  for (const m of code.matchAll(stmt)) {
    if (m[2]) continue;
    const names = /^\{([^}]*)\}$/.exec(m[3].trim());
    const list = names?.[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (list && list.length > 0 && list.every((s) => s.startsWith('type '))) continue;
    out.push(m[4]);
  }
  for (const m of code.matchAll(/(?:^|[\n;])\s*import\s*['"](\.[^'"]+)['"]/g)) out.push(m[1]);
  for (const m of code.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sourceFiles(SRC)) {
    const deps = runtimeImports(readFileSync(f, 'utf8')).map((s) =>
      path.resolve(path.dirname(f), s.replace(/\.js$/, '.ts')),
    );
    g.set(
      f,
      deps.filter((d) => d.startsWith(SRC)),
    );
  }
  return g;
}

/** Strongly connected components with more than one file (Tarjan): each is an import cycle. */
function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      const loop = comp.length > 1 || (g.get(v) ?? []).includes(v);
      if (loop) out.push(comp.map((f) => path.relative(SRC, f)).sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test('the import scanner tells runtime imports from type-only ones', () => {
  const code = [
    "import type { Model } from '../models/model.js';",
    "import { type A, type B } from './a.js';",
    "import { type C, D } from './c.js';",
    "import './side.js';",
    "export { loadModel } from '../io/index.js';",
    "export type { X } from './x.js';",
    "const m = await import('./lazy.js');",
  ].join('\n');
  assert.deepEqual(runtimeImports(code).sort(), ['../io/index.js', './c.js', './lazy.js', './side.js']);
});

test('no import cycle runs through src/models or src/io', () => {
  const g = graph();
  assert.ok(g.size > 50, `expected the whole source tree, found ${g.size} files`);
  const ours = (f: string) => f.startsWith(`models${path.sep}`) || f.startsWith(`io${path.sep}`);
  const bad = cycles(g).filter((c) => c.some(ours));
  assert.deepEqual(bad, []);
});

test('io/ reaches models/ through types only', () => {
  const g = graph();
  for (const [f, deps] of g) {
    if (!path.relative(SRC, f).startsWith(`io${path.sep}`)) continue;
    const intoModels = deps.filter((d) => path.relative(SRC, d).startsWith(`models${path.sep}`));
    assert.deepEqual(intoModels, [], `${path.relative(SRC, f)} imports models/ at run time`);
  }
});
