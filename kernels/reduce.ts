/**
 * Reductions: sum and mean of all elements to a scalar, with gradients.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { forEachChunk, maxChunkElements } from "./dispatch_util.ts";
import { reduceStream, reduction } from "./vec4_stream.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";
import { scale, scaleInPlace } from "./elementwise.ts";

const SUM = reduction({ name: "sum", acc: "f32", map: "x" });
const SUM_SQUARES = reduction({ name: "sum_squares", acc: "f32", map: "x * x" });

/**
 * Sum (or sum of squares) of all elements of the tensors, times `factor`, into a 1-element
 * tensor, without reading back. Deterministic: fixed partition and order (see vec4_stream.ts).
 */
export function sumAll(tensors: Tensor[], factor = 1, squares = false): Tensor {
  const gpu = tensors[0].gpu;
  const out = gpu.noGrad(() => reduceStream(squares ? SUM_SQUARES : SUM, tensors, gpu));
  return factor === 1 ? out : scaleInPlace(out, factor);
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
