/**
 * Helpers shared by the op files: 2-D dispatch grids for long 1-D index spaces and splitting of
 * tensors larger than one storage binding into chunks.
 *
 * @module
 */
import type { Gpu } from "./gpu.ts";

/** Invocations per workgroup of the 1-D kernels. */
export const WG = 256;

/**
 * Workgroup counts for `n` invocations of `perGroup` each, folded into two dimensions so that no
 * dimension exceeds the device limit. Kernels rebuild the index as
 * `gid.x + gid.y * nwg.x * perGroup` (see {@link LINEAR_INDEX}).
 */
export function grid1d(gpu: Gpu, n: number, perGroup = WG): [number, number] {
  const groups = Math.ceil(n / perGroup);
  const max = gpu.device.limits.maxComputeWorkgroupsPerDimension;
  const x = Math.min(groups, max);
  return [x, x === 0 ? 0 : Math.ceil(groups / x)];
}

/** WGSL expression for the linear invocation index of a {@link grid1d} dispatch. */
export const LINEAR_INDEX = `(gid.x + gid.y * nwg.x * ${WG}u)`;

/** Largest number of f32 elements one chunk may bind, leaving room for offset alignment. */
export function maxChunkElements(gpu: Gpu): number {
  return Math.floor((gpu.maxBindingBytes - gpu.offsetAlignment) / 4);
}

/**
 * Calls `fn(start, count)` over consecutive ranges of `total` items, each at most `maxCount`.
 * Runs once with count 0 for an empty range only if `total` is 0 (then not at all).
 */
export function forEachChunk(
  total: number,
  maxCount: number,
  fn: (start: number, count: number) => void,
): void {
  if (maxCount < 1) throw new Error(`forEachChunk: chunk size ${maxCount} must be at least 1`);
  for (let start = 0; start < total; start += maxCount) {
    fn(start, Math.min(maxCount, total - start));
  }
}
