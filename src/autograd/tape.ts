// The tape: ops record how each output was made (Tensor.gradNode); gradients() walks that graph
// backwards from a scalar to any set of tensors — weights for training, inputs for saliency,
// Grad-CAM and filter visualisation. Only the part of the graph between the scalar and the
// requested sources is differentiated, so frozen layers and data inputs cost nothing.
import { ValueError } from '../errors.js';
import { Tensor, type GradNode } from '../tensor/tensor.js';
import { getBackend } from '../backend/index.js';

let recording = true;

/** Whether ops currently record gradient information. */
export function isRecording(): boolean {
  return recording;
}

/** Runs fn without recording gradients (inference, optimizer updates, metrics). */
export function noGrad<T>(fn: () => T): T {
  const prev = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = prev;
  }
}

/**
 * Attaches a gradient node to `out` when recording and some input requires gradients.
 * Returns `out` for chaining. Called by every differentiable op.
 */
export function record(
  out: Tensor,
  op: string,
  inputs: Tensor[],
  backward: GradNode['backward'],
  saved?: Record<string, unknown>,
  buffers?: readonly Float32Array[],
): Tensor {
  if (!recording) return out;
  let any = false;
  for (const t of inputs)
    if (t.requiresGrad) {
      any = true;
      break;
    }
  if (!any) return out;
  out.requiresGrad = true;
  out.gradNode = buffers ? { op, inputs, backward, saved, buffers } : { op, inputs, backward, saved };
  return out;
}

/**
 * The sum of two gradients of the same tensor. The kernel, not the op: gradients are never
 * recorded, and the tape stays below ops/ (no import cycle).
 */
function accumulate(be: ReturnType<typeof getBackend>, a: Tensor, b: Tensor): Tensor {
  const fa = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  const fb = b.data instanceof Float32Array ? b.data : Float32Array.from(b.data);
  // Both have the shape of the tensor they belong to; broadcasting only covers a backward that
  // returned a size-1 axis for it, as ops.add would.
  const rank = Math.max(a.rank, b.rank);
  const shape = Array.from({ length: rank }, (_, i) => {
    const da = a.shape[a.rank - rank + i] ?? 1,
      db = b.shape[b.rank - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
  return new Tensor(be.binary('add', fa, a.shape, fb, b.shape, shape), shape);
}

/** Marks a tensor as a leaf whose gradient may be asked for (e.g. an input image). */
export function watch(t: Tensor): Tensor {
  t.requiresGrad = true;
  return t;
}

/**
 * Gradients of the scalar `y` with respect to each of `xs` (a zero tensor where y does not depend
 * on it). `dy` seeds the backward pass (default 1).
 */
export function gradients(y: Tensor, xs: readonly Tensor[], dy?: Tensor): Tensor[] {
  if (!dy && y.size !== 1) {
    throw new ValueError(`gradients: expected a scalar to differentiate, got shape [${y.shape.join(', ')}]`);
  }
  const sources = new Set<Tensor>(xs);
  // Which tensors lie on a path to a source (memoised DFS, iterative to survive deep graphs).
  const leads = new Map<Tensor, boolean>();
  const order: Tensor[] = []; // reverse topological order (outputs before inputs once reversed)
  const stack: [Tensor, number][] = [[y, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const node = t.gradNode;
    if (i === 0 && leads.has(t)) {
      stack.pop();
      continue;
    }
    if (node && i < node.inputs.length) {
      top[1]++;
      const child = node.inputs[i];
      if (!leads.has(child) && child.requiresGrad) stack.push([child, 0]);
      continue;
    }
    stack.pop();
    let l = sources.has(t);
    if (node && !l)
      for (const c of node.inputs)
        if (leads.get(c)) {
          l = true;
          break;
        }
    leads.set(t, l);
    order.push(t);
  }
  const grads = new Map<Tensor, Tensor>();
  // Intermediate gradients die as soon as they have been passed down. Their storage is counted
  // per buffer (backward passes may hand dy on unchanged, or as a reshaped view) and given back to
  // the backend when the last holder is gone, so the next gradient of that size reuses it.
  const be = getBackend();
  const holders = new Map<ArrayBufferLike, number>();
  const hold = (g: Tensor) => holders.set(g.data.buffer, (holders.get(g.data.buffer) ?? 0) + 1);
  const drop = (g: Tensor) => {
    const n = (holders.get(g.data.buffer) ?? 1) - 1;
    if (n > 0) {
      holders.set(g.data.buffer, n);
      return;
    }
    holders.delete(g.data.buffer);
    if (g.data instanceof Float32Array) be.release?.(g.data);
  };
  const seed = dy ?? new Tensor(new Float32Array(y.size).fill(1), y.shape);
  grads.set(y, seed);
  hold(seed);
  hold(seed); // the seed may be the caller's: never given back
  const prev = recording;
  recording = false;
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const node = t.gradNode;
      const g = grads.get(t);
      if (!node || !g || !leads.get(t)) continue;
      const needs = node.inputs.map((c) => leads.get(c) === true);
      if (!needs.some(Boolean)) continue;
      const inGrads = node.backward(g, needs);
      for (let i = 0; i < node.inputs.length; i++) {
        const gi = inGrads[i];
        if (!needs[i] || !gi) continue;
        const c = node.inputs[i];
        const acc = grads.get(c);
        const next = acc ? accumulate(be, acc, gi) : gi;
        grads.set(c, next);
        hold(next);
        if (acc) drop(acc);
      }
      if (!sources.has(t)) {
        grads.delete(t);
        drop(g);
      }
    }
  } finally {
    recording = prev;
  }
  return xs.map((x) => grads.get(x) ?? new Tensor(new Float32Array(x.size), x.shape));
}

/**
 * Gives back to the backend the storage of every op output in the graph behind `root` (and of
 * `extra`), except buffers in `keep`. For the end of a training step, when the activations and
 * gradients of that step are dead: the next step's outputs reuse their memory.
 */
export function releaseGraph(root: Tensor, keep: ReadonlySet<ArrayBufferLike>, extra: readonly Tensor[] = []): void {
  const be = getBackend();
  if (!be.release) return;
  const seen = new Set<ArrayBufferLike>(keep);
  const visited = new Set<Tensor>();
  const hidden = new Set<ArrayBufferLike>();
  const stack: Tensor[] = [root, ...extra];
  const give = (t: Tensor) => {
    const b = t.data.buffer;
    if (seen.has(b)) return;
    seen.add(b);
    if (t.data instanceof Float32Array) be.release!(t.data);
  };
  extra.forEach(give);
  while (stack.length) {
    const t = stack.pop()!;
    if (visited.has(t) || !t.gradNode) continue;
    visited.add(t);
    give(t);
    // An op's hidden intermediates (its output may be a view of one of them: checked against keep only).
    for (const b of t.gradNode.buffers ?? []) {
      if (keep.has(b.buffer) || hidden.has(b.buffer)) continue;
      hidden.add(b.buffer);
      be.release(b);
    }
    for (const c of t.gradNode.inputs) stack.push(c);
  }
}

/** Calls f and returns its scalar value with the gradients with respect to xs (watched for the call). */
export function valueAndGrads(f: () => Tensor, xs: readonly Tensor[]): { value: Tensor; grads: Tensor[] } {
  const prevReq = xs.map((x) => x.requiresGrad);
  for (const x of xs) x.requiresGrad = true;
  try {
    const prev = recording;
    recording = true;
    let value: Tensor;
    try {
      value = f();
    } finally {
      recording = prev;
    }
    return { value, grads: gradients(value, xs) };
  } finally {
    xs.forEach((x, i) => {
      x.requiresGrad = prevReq[i];
    });
  }
}
