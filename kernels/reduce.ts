/**
 * Reductions: sum and mean of all elements to a scalar (one workgroup per chunk, then a final
 * pass), with gradients.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { forEachChunk, maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";
import { fill, scale } from "./elementwise.ts";

const PARTIALS = 256;

/** Sums `n` elements starting at `shift` into `PARTIALS` partial sums (one per workgroup). */
const SUM_PARTIAL: Kernel = {
  name: "sum_partial",
  params: [["n", "u32"], ["shift", "u32"], ["outIndex", "u32"], ["square", "u32"]],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [1, 1, 1],
  body: `  let per = (p.n + ${PARTIALS - 1}u) / ${PARTIALS}u;
  let start = wid.x * per;
  let end = min(start + per, p.n);
  var s = 0.0;
  for (var i = start; i < end; i++) {
    let v = x[i + p.shift];
    s += select(v, v * v, p.square == 1u);
  }
  out[p.outIndex + wid.x] = s;`,
};

/** Adds up `n` partial sums into out[0] (or accumulates into it). */
const SUM_FINAL: Kernel = {
  name: "sum_final",
  params: [["n", "u32"], ["scale", "f32"]],
  buffers: [
    { name: "x", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [1, 1, 1],
  body: `  var s = 0.0;
  for (var i = 0u; i < p.n; i++) { s += x[i]; }
  out[0] = s * p.scale;`,
};

/**
 * Sum (or sum of squares) of all elements of the tensors, times `factor`, into a 1-element
 * tensor, without reading back. Deterministic: fixed partition and order.
 */
export function sumAll(tensors: Tensor[], factor = 1, squares = false): Tensor {
  const gpu = tensors[0].gpu;
  const chunks: [Tensor, number, number][] = [];
  for (const t of tensors) {
    forEachChunk(t.size, maxChunkElements(gpu), (start, count) => chunks.push([t, start, count]));
  }
  const partial = empty(gpu, [Math.max(1, chunks.length) * PARTIALS]);
  fill(partial, 0);
  chunks.forEach(([t, start, count], c) => {
    const w = t.window(start, count);
    gpu.dispatch(
      SUM_PARTIAL,
      [count, w.shift, c * PARTIALS, squares ? 1 : 0],
      [w.window, partial.whole()],
      [PARTIALS],
    );
  });
  const out = empty(gpu, [1]);
  gpu.dispatch(SUM_FINAL, [partial.size, factor], [partial.whole(), out.whole()], [1]);
  partial.dispose();
  return out;
}

/** Sum of all elements as a 1-element tensor, differentiable. */
export function sum(x: Tensor): Tensor {
  expectDtype("sum", "x", x, "f32");
  const out = sumAll([x]);
  return record(out, "sum", [x], (g) => [broadcastScalar(g, x.shape)]);
}

/** Mean of all elements as a 1-element tensor, differentiable. */
export function mean(x: Tensor): Tensor {
  expectDtype("mean", "x", x, "f32");
  const out = sumAll([x], 1 / Math.max(1, x.size));
  return record(out, "mean", [x], (g) => [scale(broadcastScalar(g, x.shape), 1 / x.size)]);
}

const BROADCAST: Kernel = {
  name: "broadcast_scalar",
  params: [["n", "u32"], ["shift", "u32"]],
  buffers: [
    { name: "s", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  out[i + p.shift] = s[0];`,
};

/** A tensor of `shape` whose every element is the scalar held in `s`. */
export function broadcastScalar(s: Tensor, shape: readonly number[]): Tensor {
  const out = empty(s.gpu, shape);
  forEachChunk(out.size, maxChunkElements(s.gpu), (start, count) => {
    const w = out.window(start, count);
    const groups = Math.ceil(count / 256);
    const x = Math.min(groups, 65535);
    s.gpu.dispatch(BROADCAST, [count, w.shift], [s.whole(), w.window], [x, Math.ceil(groups / x)]);
  });
  return out;
}
