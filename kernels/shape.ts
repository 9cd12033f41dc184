/**
 * Differentiable reshape. The forward is a view (same buffer, no copy); the backward returns a
 * fresh copy of the gradient in the input's shape, because autograd disposes gradient tensors
 * after use and a view of a disposed gradient would alias freed (pooled) memory.
 *
 * @module
 */
import { record } from "./graph.ts";
import { empty, shapeString, sizeOf, type Tensor } from "./tensor.ts";

/**
 * Resolves a target shape for `size` elements; one dimension may be −1 (inferred).
 * Throws naming the op, the tensor and the shape when they do not match.
 */
export function resolveShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const inferred = shape.filter((d) => d === -1).length;
  const bad = shape.some((d) => !Number.isInteger(d) || d < -1) || inferred > 1;
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (bad || (inferred === 0 && known !== x.size) || (inferred === 1 && known === 0)) {
    throw new Error(`${op}: ${x.label()} cannot become ${shapeString(shape)}`);
  }
  if (inferred === 0) return [...shape];
  if (x.size % known !== 0) {
    throw new Error(`${op}: ${x.label()} cannot become ${shapeString(shape)}`);
  }
  return shape.map((d) => (d === -1 ? x.size / known : d));
}

/**
 * The same data with another shape of the same size (one dimension may be −1). The result shares
 * x's buffer: it is valid only while x is; the gradient is a copy in x's shape.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const [B, T, C] = [2, 3, 4];
 * const x = tensorFrom(gpu, new Float32Array(B * T * C), [B, T, C]);
 * const rows = reshape(x, [B * T, C]); // (B, T, C) → (B·T, C)
 * const back = reshape(rows, [B, -1, C]);
 * console.log(rows.shape, back.shape); // [6, 4] [2, 3, 4]
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape("reshape", x, shape);
  const out = x.reshapeView(target);
  return record(out, "reshape", [x], (g) => [copyAs(g, x.shape)]);
}

/** A new tensor (owning its buffer) holding g's data with `shape`. */
function copyAs(g: Tensor, shape: readonly number[]): Tensor {
  const out = empty(g.gpu, shape, g.dtype);
  if (g.size > 0) g.gpu.copy(g.buffer, 0, out.buffer, 0, g.size * 4);
  return out;
}
