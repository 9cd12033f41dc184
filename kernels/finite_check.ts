/**
 * Counting non-finite values (NaN, ±Inf) of a tensor on the GPU: a reduction that tests the
 * exponent bits (all ones) of the raw bit pattern, so no compiler assumption about NaN
 * comparisons can hide them, then a readback of the 4-byte count.
 *
 * @module
 */
import { expectDtype, type Tensor } from "./tensor.ts";
import { reduceStream, reduction } from "./vec4_stream.ts";

/** Counts elements whose exponent bits are all ones (NaN, ±Inf), reading them as integers. */
const NONFINITE = reduction({
  name: "count_nonfinite",
  acc: "u32",
  map: "select(U(0u), U(1u), (bitcast<U>(x) & U(0x7f800000u)) == U(0x7f800000u))",
});

/**
 * Number of NaN and ±Inf elements of an f32 tensor (waits for the GPU and reads back 4 bytes;
 * use where a value is read anyway, such as the loss).
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const logits = tensorFrom(gpu, [1, NaN, Infinity, 2], [4]);
 * console.log(await countNonFinite(logits)); // 2
 * ```
 */
export async function countNonFinite(t: Tensor): Promise<number> {
  expectDtype("countNonFinite", "t", t, "f32");
  if (t.size === 0) return 0;
  const gpu = t.gpu;
  const count = gpu.noGrad(() => reduceStream(NONFINITE, [t], gpu));
  try {
    return new Uint32Array(await gpu.readBytes(count.buffer, 0, 4))[0];
  } finally {
    count.dispose();
  }
}

/**
 * Throws `${where}: ${count} non-finite values in ${t.label()}` when the tensor holds any NaN or
 * ±Inf; resolves otherwise.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * await checkFinite(tensorFrom(gpu, [0.5], [1]), "step 1"); // returns: every value is finite
 * ```
 */
export async function checkFinite(t: Tensor, where: string): Promise<void> {
  const count = await countNonFinite(t);
  if (count > 0) throw new Error(`${where}: ${count} non-finite values in ${t.label()}`);
}

/** CPU reference of {@link countNonFinite}. */
export function countNonFiniteCpu(x: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) n++;
  return n;
}
