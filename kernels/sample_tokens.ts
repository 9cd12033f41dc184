/**
 * Choosing the next token of every sequence on the device: arg-max, or a draw after temperature,
 * top-k and top-p (the host sampler's order and tie rules, model/sampling.ts), returning one id
 * per sequence so that a decoding step reads back B ids instead of B × V logits.
 *
 * One workgroup per row. The top-k floor is the k-th largest logit, found exactly by bisection on
 * the order-preserving bits of f32 (32 counting passes); the top-p threshold is the largest kept
 * weight t whose weights ≥ t sum to at least p · total, by bisection on the weight's bits (31
 * summing passes). Both keep every token tied at the boundary, as the host does. The draw takes
 * the first id, in id order, whose running kept mass exceeds r · kept mass.
 *
 * The weights and sums are f32 here and f64 on the host, summed in another order: the kept set
 * and the draw equal the host's except when r · mass or p · total falls within rounding of a
 * boundary. So this is an option (`sampleOn: "device"` in generate), not the default, and its
 * tests check the distribution it draws from and its agreement with the host's draws.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";
import { workgroupReduceFn } from "./wgsl_reduce.ts";

const LANES = 256;

/** WGSL reductions over the workgroup (each must be reached by every lane). */
const PRELUDE = `var<workgroup> redF: array<f32, ${LANES}>;
var<workgroup> redU: array<u32, ${LANES}>;
var<workgroup> pick: u32;
${workgroupReduceFn("sum_f", "redF", "f32", LANES, (a, b) => `${a} + ${b}`)}
${workgroupReduceFn("max_f", "redF", "f32", LANES, (a, b) => `max(${a}, ${b})`)}
${workgroupReduceFn("sum_u", "redU", "u32", LANES, (a, b) => `${a} + ${b}`)}
// s + v with the rounding error carried in .y (Kahan).
fn kahan(s: vec2<f32>, v: f32) -> vec2<f32> {
  let y = v - s.y;
  let t = s.x + y;
  return vec2<f32>(t, (t - s.x) - y);
}
// Order-preserving unsigned key of an f32 (larger float ⇒ larger key).
fn key_of(x: f32) -> u32 {
  let u = bitcast<u32>(x);
  return select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u);
}`;

/** Per row: ids[b] = the chosen token of logits row b. */
const SAMPLE: Kernel = {
  name: "sample_tokens",
  params: [
    ["V", "u32"],
    ["greedy", "u32"],
    ["topK", "u32"],
    ["temp", "f32"],
    ["topP", "f32"],
    ["randAt", "u32"],
  ],
  buffers: [
    { name: "logits", type: "f32", access: "read" },
    { name: "state", type: "u32", access: "read" },
    { name: "ids", type: "u32", access: "read_write" },
  ],
  workgroupSize: [LANES, 1, 1],
  prelude: PRELUDE,
  body: `  let lane = lid.x;
  let b = wid.x;
  let row = b * p.V;
  // Arg-max (first on ties) and max.
  var best = -3.4e38;
  var at = 0xffffffffu;
  for (var i = lane; i < p.V; i += ${LANES}u) {
    let x = logits[row + i];
    if (x > best) { best = x; at = i; }
  }
  let mx = max_f(best, lane);
  redU[lane] = select(0xffffffffu, at, best == mx);
  workgroupBarrier();
  for (var s = ${LANES / 2}u; s > 0u; s >>= 1u) {
    if (lane < s) { redU[lane] = min(redU[lane], redU[lane + s]); }
    workgroupBarrier();
  }
  let argmax = select(redU[0], 0u, redU[0] == 0xffffffffu);
  workgroupBarrier();
  // Top-k floor: the k-th largest logit (its key is the largest t with count(key ≥ t) ≥ k).
  var floorKey = 0u;
  if (p.greedy == 0u && p.topK > 0u && p.topK < p.V) {
    for (var bit = 31i; bit >= 0i; bit--) {
      let cand = floorKey | (1u << u32(bit));
      var n = 0u;
      for (var i = lane; i < p.V; i += ${LANES}u) {
        if (key_of(logits[row + i]) >= cand) { n++; }
      }
      floorKey = select(floorKey, cand, sum_u(n, lane) >= p.topK);
    }
  }
  // Weights after temperature and top-k; their total.
  var part = 0.0;
  for (var i = lane; i < p.V; i += ${LANES}u) {
    let x = logits[row + i];
    if (key_of(x) >= floorKey) { part += exp((x - mx) / p.temp); }
  }
  let total = sum_f(part, lane);
  // Top-p threshold: the largest t with Σ_{w ≥ t} w ≥ topP · total (0: keep all).
  var thr = 0u;
  if (p.greedy == 0u && p.topP < 1.0) {
    let goal = p.topP * total;
    for (var bit = 30i; bit >= 0i; bit--) {
      let cand = thr | (1u << u32(bit));
      var s = 0.0;
      for (var i = lane; i < p.V; i += ${LANES}u) {
        let x = logits[row + i];
        let w = exp((x - mx) / p.temp);
        if (key_of(x) >= floorKey && bitcast<u32>(w) >= cand) { s += w; }
      }
      thr = select(thr, cand, sum_f(s, lane) >= goal);
    }
  }
  // Kept mass per contiguous chunk of ids, then the draw in id order.
  let chunk = (p.V + ${LANES - 1}u) / ${LANES}u;
  let lo = min(lane * chunk, p.V);
  let hi = min(lo + chunk, p.V);
  // Compensated (Kahan) sums throughout: the draw compares running sums of up to V weights.
  var mine = vec2<f32>();
  for (var i = lo; i < hi; i++) {
    let x = logits[row + i];
    let w = exp((x - mx) / p.temp);
    if (key_of(x) >= floorKey && w > 0.0 && bitcast<u32>(w) >= thr) { mine = kahan(mine, w); }
  }
  redF[lane] = mine.x;
  workgroupBarrier();
  if (lane == 0u) {
    var kept = vec2<f32>();
    for (var c = 0u; c < ${LANES}u; c++) { kept = kahan(kept, redF[c]); }
    let r = bitcast<f32>(state[p.randAt + b]) * kept.x;
    // The first kept id whose running mass exceeds r (else the last kept id).
    var acc = vec2<f32>();
    var chosen = 0xffffffffu;
    var last = 0u;
    for (var c = 0u; c < ${LANES}u && chosen == 0xffffffffu; c++) {
      if (redF[c] <= 0.0) { continue; }
      let c0 = c * chunk;
      let c1 = min(c0 + chunk, p.V);
      if (kahan(acc, redF[c]).x <= r) {
        acc = kahan(acc, redF[c]);
        for (var i = c1; i > c0; i--) {
          let x = logits[row + i - 1u];
          let w = exp((x - mx) / p.temp);
          if (key_of(x) >= floorKey && w > 0.0 && bitcast<u32>(w) >= thr) { last = i - 1u; break; }
        }
        continue;
      }
      for (var i = c0; i < c1; i++) {
        let x = logits[row + i];
        let w = exp((x - mx) / p.temp);
        if (key_of(x) >= floorKey && w > 0.0 && bitcast<u32>(w) >= thr) {
          last = i;
          acc = kahan(acc, w);
          if (acc.x > r) { chosen = i; break; }
        }
      }
    }
    pick = select(last, chosen, chosen != 0xffffffffu);
  }
  workgroupBarrier();
  if (lane == 0u) { ids[b] = select(pick, argmax, p.greedy != 0u); }`,
};

/** What {@link sampleTokens} draws with (the host sampler's options, model/sampling.ts). */
export interface DeviceSampling {
  /** Arg-max instead of a draw. */
  greedy: boolean;
  /** Temperature (> 0). */
  temperature: number;
  /** Keep the k largest logits (0 = off). */
  topK: number;
  /** Keep the smallest set whose probability reaches p (1 = off). */
  topP: number;
  /** Index in `state` of row 0's uniform random number, stored as f32 bits. */
  randAt: number;
}

/**
 * Throws naming the first bad option of {@link sampleTokens} (temperature ≤ 0 when drawing,
 * top-p outside (0, 1], top-k not a non-negative integer).
 *
 * @example
 * ```ts
 * checkDeviceSampling({ greedy: false, temperature: 0.8, topK: 0, topP: 0.9 }); // fine
 * ```
 */
export function checkDeviceSampling(options: Omit<DeviceSampling, "randAt">): void {
  const { greedy, temperature, topK, topP } = options;
  if (!greedy && !(temperature > 0)) {
    throw new Error(`sampleTokens: temperature must be > 0, got ${temperature}`);
  }
  if (!(topP > 0 && topP <= 1)) {
    throw new Error(`sampleTokens: topP must be in (0, 1], got ${topP}`);
  }
  if (!Number.isInteger(topK) || topK < 0) {
    throw new Error(`sampleTokens: topK must be a non-negative integer, got ${topK}`);
  }
}

/**
 * The chosen token of each row of `logits` (B, V), as a (B) u32 tensor, drawing row b with the
 * uniform number in `state[randAt + b]` (f32 bits). Not differentiable.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const logits = tensorFrom(gpu, [1, 5, 2, 0, 0, 9], [2, 3]); // (B, V)
 * const uniforms = Float32Array.of(0.25, 0.75); // one per row, from the row's random stream
 * const state = tensorFrom(gpu, new Int32Array(uniforms.buffer), [2], { dtype: "i32" });
 * const ids = sampleTokens(logits, state, {
 *   greedy: false,
 *   temperature: 0.8,
 *   topK: 0,
 *   topP: 0.9,
 *   randAt: 0,
 * });
 * console.log(await ids.read()); // [1, 2]: the nucleus of each row is its largest logit
 * ```
 */
export function sampleTokens(logits: Tensor, state: Tensor, options: DeviceSampling): Tensor {
  expectDtype("sampleTokens", "logits", logits, "f32");
  if (logits.shape.length !== 2) {
    throw new Error(`sampleTokens: logits must be (B, V), got ${logits.label()}`);
  }
  checkDeviceSampling(options);
  const { greedy, temperature, topK, topP, randAt } = options;
  const [B, V] = logits.shape;
  if (state.size < randAt + B) {
    throw new Error(`sampleTokens: state ${state.label()} has no random number for ${B} rows`);
  }
  const gpu = logits.gpu;
  const ids = empty(gpu, [B], "i32");
  gpu.dispatch(
    SAMPLE,
    [V, greedy ? 1 : 0, topK, greedy ? 1 : temperature, topP, randAt],
    [logits.whole(), state.whole(), ids.whole()],
    [B],
  );
  return ids;
}
