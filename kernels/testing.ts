/**
 * Test helpers shared by the op tests: seeded random data, closeness checks that print the
 * largest error, and central finite differences in f64.
 *
 * @module
 */
import { acquireGpu, Gpu } from "./gpu.ts";

/** Deterministic uniform values in [lo, hi) from a seed (mulberry32). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/**
 * Throws unless |actual − expected| ≤ atol + rtol·|expected| everywhere; the message names the
 * label, the worst index and both values.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  { atol = 1e-5, rtol = 1e-4 } = {},
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length}, expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} ` +
        `(max abs diff ${maxAbsDiff(actual, expected)}, atol ${atol}, rtol ${rtol})`,
    );
  }
}

/**
 * Central finite-difference gradient of a scalar function of `x` (f64).
 */
export function finiteDifference(
  f: (x: Float64Array) => number,
  x: Float64Array,
  eps = 1e-6,
): Float64Array {
  const g = new Float64Array(x.length);
  const probe = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    probe[i] = x[i] + eps;
    const up = f(probe);
    probe[i] = x[i] - eps;
    const down = f(probe);
    probe[i] = x[i];
    g[i] = (up - down) / (2 * eps);
  }
  return g;
}

/** Σ w[i]·y[i]: a fixed random projection that turns a tensor output into a scalar loss. */
export function dot(w: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += w[i] * y[i];
  return s;
}

/** One device for a test file (acquired on first use). */
export function testGpu(): () => Promise<Gpu> {
  let gpu: Promise<Gpu> | null = null;
  return () => (gpu ??= acquireGpu());
}

/**
 * A second {@linkcode Gpu} on the same device whose `maxBindingBytes` is `bytes`, so that ops
 * split their work into chunks at sizes small enough for a test.
 *
 * @example
 * ```ts
 * import { smallBindingGpu, testGpu } from "./testing.ts";
 * const gpu = testGpu();
 * const g = smallBindingGpu(await gpu(), 4096 + 256); // 1,088 f32 elements per binding
 * ```
 */
export function smallBindingGpu(g: Gpu, bytes: number): Gpu {
  const small = new Gpu(g.device, g.adapterInfo, g.isSoftware);
  Object.defineProperty(small, "maxBindingBytes", { value: bytes });
  return small;
}

/**
 * A [B, Tk] key mask with `lengths[b]` real keys: the first ones (right padding) or the last ones
 * (left padding).
 *
 * @example
 * ```ts
 * padMask([2, 3], 3); // [1, 1, 0, 1, 1, 1]
 * ```
 */
export function padMask(lengths: number[], Tk: number, left = false): Float32Array {
  const m = new Float32Array(lengths.length * Tk);
  lengths.forEach((len, b) => {
    for (let j = 0; j < len; j++) m[b * Tk + (left ? Tk - 1 - j : j)] = 1;
  });
  return m;
}
