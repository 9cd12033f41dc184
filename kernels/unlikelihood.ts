/**
 * The token-level unlikelihood term (Welleck et al. 2019) on the GPU, fused with its softmax:
 *
 *   UL = scale · Σ_rows Σ_{c ∈ C_row} −log(max(1 − p(c), ε)),   p = softmax(logits row)
 *
 * over host-given negative candidate sets C_row (each id at most once per row). One workgroup per
 * row computes the row's log-sum-exp and its candidates' terms in one pass over the logits; no
 * probability tensor is materialised and no host loop runs. The backward is exact: with
 * w_c = p_c / (1 − p_c) (0 where the clamp is active, as the clamp's gradient is),
 * ∂UL/∂z_j = scale · (w_j·[j ∈ C] − p_j · Σ_c w_c).
 *
 * @module
 */
import { workgroupReduceWgsl } from "./wgsl_reduce.ts";
import type { Gpu } from "./gpu.ts";
import type { Kernel } from "./kernel.ts";
import { maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { sumAll } from "./reduce.ts";
import { empty, expectDtype, type Tensor, tensorFrom } from "./tensor.ts";

/** Invocations per workgroup; one workgroup handles one row. */
const WG = 32;

/** 1 − p is clamped to at least this before the log (Welleck et al. clamp it away from 0). */
export const UNLIKELIHOOD_CLAMP = 1e-5;

const PRELUDE = workgroupReduceWgsl(WG) + `
fn row_lse(base: u32, vocab: u32, lane: u32) -> f32 {
  var m = -3.4028235e38;
  for (var j = lane; j < vocab; j += ${WG}u) { m = max(m, logits[base + j]); }
  m = group_max(m, lane);
  var s = 0.0;
  for (var j = lane; j < vocab; j += ${WG}u) { s += exp(logits[base + j] - m); }
  return m + log(group_sum2(vec2(s, 0.0), lane).x);
}
// −log(max(1 − p, clamp)); for small p the series p + p²/2 + p³/3 (f32's 1 − p would lose p's
// digits: GPT-2's typical p of 1e-5 would keep only ~2 of them)
fn neg_log_not(pc: f32, clamp: f32) -> f32 {
  if (pc < 1e-3) { return pc * (1.0 + pc * (0.5 + pc / 3.0)); }
  return -log(max(1.0 - pc, clamp));
}`;

/** Per row: the log-sum-exp (saved) and Σ_c −log(max(1 − p_c, ε)). */
const UL_FWD: Kernel = {
  name: "unlikelihood_fwd",
  params: [["vocab", "u32"], ["sl", "u32"], ["r0", "u32"], ["clamp", "f32"]],
  buffers: [
    { name: "logits", type: "f32", access: "read" },
    { name: "offsets", type: "i32", access: "read" },
    { name: "cands", type: "i32", access: "read" },
    { name: "lse", type: "f32", access: "read_write" },
    { name: "loss", type: "f32", access: "read_write" },
  ],
  workgroupSize: [WG, 1, 1],
  prelude: PRELUDE,
  body: `  let r = wid.x;
  let g = p.r0 + r;
  let base = p.sl + r * p.vocab;
  let l = row_lse(base, p.vocab, lid.x);
  var acc = 0.0;
  for (var i = offsets[g] + i32(lid.x); i < offsets[g + 1u]; i += ${WG}) {
    let pc = exp(logits[base + u32(cands[i])] - l);
    acc += neg_log_not(pc, p.clamp);
  }
  let total = group_sum2(vec2(acc, 0.0), lid.x).x;
  if (lid.x == 0u) {
    lse[g] = l;
    loss[g] = total;
  }`,
};

/** d(logits) of one row: scale·(w_j·[j ∈ C] − p_j·Σ w), written in two ordered passes. */
const UL_BWD: Kernel = {
  name: "unlikelihood_bwd",
  params: [["vocab", "u32"], ["sl", "u32"], ["sd", "u32"], ["r0", "u32"], ["clamp", "f32"], [
    "scale",
    "f32",
  ]],
  buffers: [
    { name: "logits", type: "f32", access: "read" },
    { name: "offsets", type: "i32", access: "read" },
    { name: "cands", type: "i32", access: "read" },
    { name: "lse", type: "f32", access: "read" },
    { name: "gout", type: "f32", access: "read" },
    { name: "dl", type: "f32", access: "read_write" },
  ],
  workgroupSize: [WG, 1, 1],
  prelude: workgroupReduceWgsl(WG) + `
fn weight(pc: f32, clamp: f32) -> f32 {
  return select(0.0, pc / (1.0 - pc), 1.0 - pc > clamp);
}`,
  body: `  let r = wid.x;
  let g = p.r0 + r;
  let bl = p.sl + r * p.vocab;
  let bd = p.sd + r * p.vocab;
  let l = lse[g];
  let k = gout[0] * p.scale;
  var acc = 0.0;
  for (var i = offsets[g] + i32(lid.x); i < offsets[g + 1u]; i += ${WG}) {
    acc += weight(exp(logits[bl + u32(cands[i])] - l), p.clamp);
  }
  let total = group_sum2(vec2(acc, 0.0), lid.x).x;
  for (var j = lid.x; j < p.vocab; j += ${WG}u) {
    dl[bd + j] = -exp(logits[bl + j] - l) * total * k;
  }
  storageBarrier();
  workgroupBarrier();
  for (var i = offsets[g] + i32(lid.x); i < offsets[g + 1u]; i += ${WG}) {
    let c = u32(cands[i]);
    dl[bd + c] += weight(exp(logits[bl + c] - l), p.clamp) * k;
  }`,
};

/** Negative candidates per row in compressed form: row r's ids are `ids[offsets[r] … offsets[r+1])`. */
export interface CandidateSets {
  /** N + 1 offsets, non-decreasing, from 0 to `ids.length`. */
  offsets: Int32Array;
  /** Candidate token ids, distinct within each row. */
  ids: Int32Array;
}

/**
 * Builds {@linkcode CandidateSets} from one list of ids per row (duplicates dropped).
 *
 * @example
 * ```ts
 * candidateSets([[5, 7, 5], []]); // { offsets: [0, 2, 2], ids: [5, 7] }
 * ```
 */
export function candidateSets(rows: readonly (readonly number[])[]): CandidateSets {
  const lists = rows.map((r) => [...new Set(r)]);
  const offsets = new Int32Array(rows.length + 1);
  lists.forEach((l, i) => offsets[i + 1] = offsets[i] + l.length);
  return { offsets, ids: Int32Array.from(lists.flat()) };
}

function forEachRowChunk(
  gpu: Gpu,
  rows: number,
  vocab: number,
  fn: (r0: number, n: number) => void,
) {
  const perChunk = Math.min(
    Math.floor(maxChunkElements(gpu) / vocab),
    gpu.device.limits.maxComputeWorkgroupsPerDimension,
  );
  if (perChunk < 1) throw new Error(`unlikelihood: a row of ${vocab} logits exceeds one binding`);
  for (let r0 = 0; r0 < rows; r0 += perChunk) fn(r0, Math.min(perChunk, rows - r0));
}

/**
 * The unlikelihood term of `logits` (N, V) for the candidate sets, times `scale`, as a 1-element
 * tensor differentiable in the logits. Throws naming the row when a candidate is outside [0, V)
 * or repeats within its row, or when the offsets do not describe N rows.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const logits = tensorFrom(gpu, new Array(8).fill(0), [2, 4]); // (N, V): p = 1/4 everywhere
 * const c = candidateSets([[1], [1, 2]]);
 * const ul = unlikelihood(logits, c, 1 / c.ids.length); // mean over the 3 candidates
 * console.log(await ul.item()); // −ln(1 − 1/4) = 0.2876…
 * ```
 */
export function unlikelihood(logits: Tensor, candidates: CandidateSets, scale = 1): Tensor {
  expectDtype("unlikelihood", "logits", logits, "f32");
  if (logits.shape.length !== 2) {
    throw new Error(`unlikelihood: logits must be 2-D (N, V), got ${logits.label()}`);
  }
  const [rows, vocab] = logits.shape;
  checkCandidates(candidates, rows, vocab);
  const gpu = logits.gpu;
  const offsets = tensorFrom(gpu, candidates.offsets, [rows + 1], { dtype: "i32" });
  // WebGPU bindings may not be empty: one unused id when no row has candidates
  const ids = candidates.ids.length > 0 ? candidates.ids : Int32Array.of(0);
  const cands = tensorFrom(gpu, ids, [ids.length], { dtype: "i32" });
  const lse = empty(gpu, [rows]);
  const rowLoss = empty(gpu, [rows]);
  forEachRowChunk(gpu, rows, vocab, (r0, n) => {
    const w = logits.window(r0 * vocab, n * vocab);
    gpu.dispatch(
      UL_FWD,
      [vocab, w.shift, r0, UNLIKELIHOOD_CLAMP],
      [w.window, offsets.whole(), cands.whole(), lse.whole(), rowLoss.whole()],
      [n],
    );
  });
  const out = sumAll([rowLoss], scale);
  rowLoss.dispose();
  out.name = "unlikelihood";
  if (!gpu.gradEnabled || !logits.requiresGrad) {
    for (const t of [lse, offsets, cands]) t.dispose();
    return out;
  }
  return record(out, "unlikelihood", [logits], (g) => {
    const dl = empty(gpu, logits.shape);
    forEachRowChunk(gpu, rows, vocab, (r0, n) => {
      const wl = logits.window(r0 * vocab, n * vocab);
      const wd = dl.window(r0 * vocab, n * vocab);
      gpu.dispatch(
        UL_BWD,
        [vocab, wl.shift, wd.shift, r0, UNLIKELIHOOD_CLAMP, scale],
        [wl.window, offsets.whole(), cands.whole(), lse.whole(), g.whole(), wd.window],
        [n],
      );
    });
    return [dl];
  });
}

function checkCandidates(c: CandidateSets, rows: number, vocab: number): void {
  if (c.offsets.length !== rows + 1 || c.offsets[0] !== 0 || c.offsets[rows] !== c.ids.length) {
    throw new Error(
      `unlikelihood: offsets must be ${rows + 1} values from 0 to ${c.ids.length}, got ` +
        `${c.offsets.length} values from ${c.offsets[0]} to ${c.offsets.at(-1)}`,
    );
  }
  for (let r = 0; r < rows; r++) {
    const seen = new Set<number>();
    for (let i = c.offsets[r]; i < c.offsets[r + 1]; i++) {
      const id = c.ids[i];
      if (!(id >= 0 && id < vocab) || seen.has(id)) {
        throw new Error(
          `unlikelihood: candidate ${id} of row ${r} is outside [0, ${vocab}) or repeats in its row`,
        );
      }
      seen.add(id);
    }
  }
}

/** CPU reference (f64): the term's value. */
export function unlikelihoodCpu(
  logits: ArrayLike<number>,
  vocab: number,
  candidates: CandidateSets,
  scale = 1,
): number {
  let total = 0;
  forEachCandidate(logits, vocab, candidates, (_r, _c, pc) => {
    total -= Math.log(Math.max(1 - pc, UNLIKELIHOOD_CLAMP));
  });
  return total * scale;
}

/** CPU reference (f64): ∂(term)/∂logits times `gradOut`. */
export function unlikelihoodBackwardCpu(
  logits: ArrayLike<number>,
  vocab: number,
  candidates: CandidateSets,
  scale = 1,
  gradOut = 1,
): Float64Array {
  const d = new Float64Array(logits.length);
  const rows = candidates.offsets.length - 1;
  for (let r = 0; r < rows; r++) {
    const probs = softmaxRow(logits, vocab, r);
    let sumW = 0;
    const k = scale * gradOut;
    for (let i = candidates.offsets[r]; i < candidates.offsets[r + 1]; i++) {
      const c = candidates.ids[i];
      const w = 1 - probs[c] > UNLIKELIHOOD_CLAMP ? probs[c] / (1 - probs[c]) : 0;
      sumW += w;
      d[r * vocab + c] += w * k;
    }
    for (let j = 0; j < vocab; j++) d[r * vocab + j] -= probs[j] * sumW * k;
  }
  return d;
}

function softmaxRow(logits: ArrayLike<number>, vocab: number, r: number): Float64Array {
  let m = -Infinity;
  for (let j = 0; j < vocab; j++) m = Math.max(m, logits[r * vocab + j]);
  const out = new Float64Array(vocab);
  let s = 0;
  for (let j = 0; j < vocab; j++) s += out[j] = Math.exp(logits[r * vocab + j] - m);
  for (let j = 0; j < vocab; j++) out[j] /= s;
  return out;
}

function forEachCandidate(
  logits: ArrayLike<number>,
  vocab: number,
  c: CandidateSets,
  fn: (row: number, id: number, p: number) => void,
): void {
  for (let r = 0; r + 1 < c.offsets.length; r++) {
    const probs = softmaxRow(logits, vocab, r);
    for (let i = c.offsets[r]; i < c.offsets[r + 1]; i++) fn(r, c.ids[i], probs[c.ids[i]]);
  }
}
