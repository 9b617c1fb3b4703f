// The HDF5 probe's worker thread (plain JavaScript, so it runs the same from the sources under tsx
// and from the installed package, and loads h5wasm without any loader hook in between).
//
// For each file it is sent, it opens the file with its own copy of h5wasm and walks what a loader
// can touch: every group, attribute value and dataset header, and the values of chunked datasets
// (their B-tree index is structure too). Before each object it posts the object's path, so that a
// walk that never returns (HDF5 looping on damaged structure, inside WebAssembly where no timer
// reaches) can be named by the main thread, which then terminates this thread. Errors HDF5 throws
// are not the probe's business (the loader meets them and words them itself) and are skipped; a
// WebAssembly trap or abort leaves the library unusable, so it is reported and ends the thread.
//
// Contiguous dataset values are not read: reading them is one plain read of a range of the file,
// which cannot loop, and they are most of a weight file's bytes (the probe stays cheap).
import { parentPort } from 'node:worker_threads';
import h5wasm from 'h5wasm/node';

if (!parentPort) throw new Error('h5_worker.mjs must run as a worker thread');
const port = parentPort;
const Module = await h5wasm.ready;
Module.activate_throwing_error_handler();

/** Deeper than any Keras file, shallow enough that a link cycle ends quickly. */
const MAX_DEPTH = 64;
/** Values larger than this are the loader's size checks' business, not the probe's. */
const MAX_VALUE_BYTES = 64 * 1024 * 1024;

class Trap extends Error {}

function rethrowTrap(e) {
  if (e instanceof WebAssembly.RuntimeError || e instanceof Trap) throw e instanceof Trap ? e : new Trap(String(e));
}

function declaredBytes(meta, fileSize) {
  let n = Number(meta?.size ?? 1) || 1;
  for (const d of meta?.shape ?? []) n *= Number(d);
  return Number.isFinite(n) && n >= 0 && n <= MAX_VALUE_BYTES && (fileSize <= 0 || n <= fileSize) ? n : -1;
}

function probeFile(id, file, fileSize) {
  const at = (where) => port.postMessage({ id, type: 'at', where });
  /** Runs one library call; an HDF5 error skips the object, a trap ends the probe. */
  const tryCall = (fn) => {
    try {
      return fn();
    } catch (e) {
      rethrowTrap(e);
      return undefined;
    }
  };
  const attrs = (obj, path) => {
    const names = tryCall(() => Object.keys(obj.attrs)) ?? [];
    for (const name of names) {
      at(`attribute '${name}' of '${path}'`);
      const meta = tryCall(() => obj.attrs[name].metadata);
      if (meta && declaredBytes(meta, fileSize) >= 0) tryCall(() => obj.get_attribute(name, false));
    }
  };
  const walk = (group, path, depth) => {
    attrs(group, path);
    if (depth >= MAX_DEPTH) return;
    const keys = tryCall(() => group.keys()) ?? [];
    for (const key of keys) {
      const where = `${path.replace(/\/$/, '')}/${key}`;
      at(where);
      // External links are never followed by the loader, nor here.
      const link = tryCall(() => group.get_external_link(where));
      if (link && typeof link.filename === 'string') continue;
      const child = tryCall(() => group.get(key));
      if (!child) continue;
      if (child.type === 'Group') {
        walk(child, where, depth + 1);
      } else if (child.type === 'Dataset') {
        const meta = tryCall(() => child.metadata);
        tryCall(() => child.filters);
        attrs(child, where);
        if (meta && meta.chunks && declaredBytes(meta, 0) >= 0) {
          at(where);
          tryCall(() => child.value);
        }
      }
    }
  };
  at('/');
  const f = tryCall(() => new h5wasm.File(file, 'r'));
  if (!f) return;
  try {
    walk(f, '/', 0);
  } finally {
    tryCall(() => f.close());
  }
}

port.on('message', (msg) => {
  const { id, file, size } = msg;
  try {
    probeFile(id, file, size);
    port.postMessage({ id, type: 'done' });
  } catch (e) {
    port.postMessage({ id, type: 'trap', message: String(e instanceof Error ? e.message : e) });
    // The library's state after a trap is undefined: this thread is not reused.
    process.exit(1);
  }
});
port.postMessage({ type: 'ready' });
