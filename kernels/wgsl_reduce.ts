/**
 * WGSL workgroup reductions shared by row-wise kernels (LayerNorm, cross-entropy): a tree over
 * workgroup memory whose result every invocation receives.
 *
 * @module
 */

/**
 * WGSL declaring `red` (workgroup memory for `size` invocations, a power of two) and
 * `group_sum2(v: vec2<f32>, lane) -> vec2<f32>` and `group_max(v: f32, lane) -> f32`.
 *
 * @example
 * ```ts
 * const prelude = workgroupReduceWgsl(64); // put before a kernel with workgroup size 64
 * console.log(prelude.includes("fn group_sum2(")); // true
 * ```
 */
export function workgroupReduceWgsl(size: number): string {
  if (!Number.isInteger(Math.log2(size))) {
    throw new Error(`workgroupReduceWgsl: size must be a power of two, got ${size}`);
  }
  const tree = (combine: string) => `
  workgroupBarrier();
  for (var stride = ${size / 2}u; stride > 0u; stride = stride / 2u) {
    if (lane < stride) { ${combine} }
    workgroupBarrier();
  }`;
  return `var<workgroup> red: array<vec2<f32>, ${size}>;
fn group_max(v: f32, lane: u32) -> f32 {
  red[lane] = vec2(v, 0.0);${tree("red[lane].x = max(red[lane].x, red[lane + stride].x);")}
  let total = red[0].x;
  workgroupBarrier();
  return total;
}
fn group_sum2(v: vec2<f32>, lane: u32) -> vec2<f32> {
  red[lane] = v;${tree("red[lane] = red[lane] + red[lane + stride];")}
  let total = red[0];
  workgroupBarrier();
  return total;
}`;
}

/**
 * WGSL for `fn <name>(v: <type>, lane: u32) -> <type>`: a tree reduction over the workgroup
 * array `arr` (declared by the caller, one element per invocation, `size` a power of two) with
 * `combine(a, b)`, whose result every invocation receives. Every lane must call it.
 *
 * @example
 * ```ts
 * const fn = workgroupReduceFn("sum_u", "redU", "u32", 256, (a, b) => `${a} + ${b}`);
 * console.log(fn.startsWith("fn sum_u(v: u32, lane: u32) -> u32 {")); // true
 * ```
 */
export function workgroupReduceFn(
  name: string,
  arr: string,
  type: string,
  size: number,
  combine: (a: string, b: string) => string,
): string {
  if (!Number.isInteger(Math.log2(size))) {
    throw new Error(`workgroupReduceFn: size must be a power of two, got ${size}`);
  }
  return `fn ${name}(v: ${type}, lane: u32) -> ${type} {
  ${arr}[lane] = v;
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s >>= 1u) {
    if (lane < s) { ${arr}[lane] = ${combine(`${arr}[lane]`, `${arr}[lane + s]`)}; }
    workgroupBarrier();
  }
  let total = ${arr}[0];
  workgroupBarrier();
  return total;
}`;
}
