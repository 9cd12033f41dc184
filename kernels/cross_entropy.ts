/**
 * Cross-entropy of logits (N, V) against host-side integer targets, with PyTorch's semantics for
 * `ignore_index`, `label_smoothing` and the `mean`/`sum` reductions. Logits larger than one storage
 * binding (a batch × GPT-2's 50,257-word vocabulary) are processed in chunks of whole rows. The
 * log-sum-exp is max-subtracted; the backward is `(softmax − smoothed one-hot) · gradOut / count`.
 *
 * @module
 */
import { workgroupReduceWgsl } from "./wgsl_reduce.ts";
import type { Gpu } from "./gpu.ts";
import type { Kernel } from "./kernel.ts";
import { maxChunkElements } from "./dispatch_util.ts";
import { record } from "./graph.ts";
import { sumAll } from "./reduce.ts";
import { empty, expectDtype, shapeString, type Tensor, tensorFrom } from "./tensor.ts";

/** Invocations per workgroup; one workgroup handles one row. */
const WG = 32;

/** Workgroup reductions (max, and a pair of sums) whose result every invocation receives. */
const PRELUDE = workgroupReduceWgsl(WG);

/**
 * Per row: log-sum-exp (saved for the backward) and the smoothed loss (0 for ignored rows).
 * Non-finite logits make the row's loss NaN or ±Inf (never silently finite).
 */
const CE_FWD: Kernel = {
  name: "cross_entropy_fwd",
  params: [["vocab", "u32"], ["sl", "u32"], ["r0", "u32"], ["ignore", "i32"], ["smoothing", "f32"]],
  buffers: [
    { name: "logits", type: "f32", access: "read" },
    { name: "targets", type: "i32", access: "read" },
    { name: "lse", type: "f32", access: "read_write" },
    { name: "loss", type: "f32", access: "read_write" },
  ],
  workgroupSize: [WG, 1, 1],
  prelude: PRELUDE,
  body: `  let r = wid.x;
  let base = p.sl + r * p.vocab;
  var m = -3.4028235e38;
  for (var j = lid.x; j < p.vocab; j += ${WG}u) { m = max(m, logits[base + j]); }
  m = group_max(m, lid.x);
  var acc = vec2(0.0, 0.0);
  for (var j = lid.x; j < p.vocab; j += ${WG}u) {
    let v = logits[base + j];
    acc += vec2(exp(v - m), v);
  }
  let s = group_sum2(acc, lid.x);
  if (lid.x != 0u) { return; }
  let g = p.r0 + r;
  let l = m + log(s.x);
  lse[g] = l;
  let t = targets[g];
  if (t == p.ignore) {
    loss[g] = 0.0;
  } else {
    let nll = l - logits[base + u32(t)];
    let spread = l - s.y / f32(p.vocab);
    loss[g] = (1.0 - p.smoothing) * nll + p.smoothing * spread;
  }`,
};

/**
 * d(logits) = (softmax − (1 − ε)·one-hot − ε/V) · gradOut · scale, one row per workgroup; 0 for
 * ignored rows.
 */
const CE_BWD: Kernel = {
  name: "cross_entropy_bwd",
  params: [["vocab", "u32"], ["sl", "u32"], ["sd", "u32"], ["r0", "u32"], ["ignore", "i32"], [
    "smoothing",
    "f32",
  ], ["scale", "f32"]],
  buffers: [
    { name: "logits", type: "f32", access: "read" },
    { name: "targets", type: "i32", access: "read" },
    { name: "lse", type: "f32", access: "read" },
    { name: "gout", type: "f32", access: "read" },
    { name: "dl", type: "f32", access: "read_write" },
  ],
  workgroupSize: [WG, 1, 1],
  body: `  let r = wid.x;
  let g = p.r0 + r;
  let t = targets[g];
  let bl = p.sl + r * p.vocab;
  let bd = p.sd + r * p.vocab;
  let k = select(gout[0] * p.scale, 0.0, t == p.ignore);
  let l = lse[g];
  let spread = p.smoothing / f32(p.vocab);
  let hot = 1.0 - p.smoothing;
  for (var j = lid.x; j < p.vocab; j += ${WG}u) {
    let onehot = select(0.0, hot, i32(j) == t);
    dl[bd + j] = (exp(logits[bl + j] - l) - spread - onehot) * k;
  }`,
};

/** Options of {@link crossEntropy}, as in `torch.nn.functional.cross_entropy`. */
export interface CrossEntropyOptions {
  /** Rows whose target equals this do not count (default -100). */
  ignoreIndex?: number;
  /** ε in `(1 − ε)·nll + ε·mean over classes of −log p` (default 0). */
  labelSmoothing?: number;
  /** "mean" over the rows that count (default) or "sum". */
  reduction?: "mean" | "sum";
}

/** Checks the targets on the host; returns them as Int32Array and the number of rows that count. */
function validateTargets(
  targets: Int32Array | readonly number[],
  rows: number,
  vocab: number,
  ignoreIndex: number,
  where: string,
): { ids: Int32Array; count: number } {
  if (targets.length !== rows) {
    throw new Error(`${where}: ${targets.length} targets for ${rows} rows of logits`);
  }
  const ids = new Int32Array(rows);
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t === ignoreIndex) {
      ids[r] = t;
      continue;
    }
    if (!Number.isInteger(t) || t < 0 || t >= vocab) {
      throw new Error(
        `${where}: target ${t} at row ${r} is outside [0, ${vocab}) (V = ${vocab}) and is not ` +
          `ignoreIndex ${ignoreIndex}`,
      );
    }
    ids[r] = t;
    count++;
  }
  return { ids, count };
}

/** Calls `fn(r0, n)` over row ranges whose logits fit one binding and one dispatch dimension. */
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
  if (perChunk < 1) {
    throw new Error(`crossEntropy: a row of ${vocab} logits exceeds one storage binding`);
  }
  for (let r0 = 0; r0 < rows; r0 += perChunk) fn(r0, Math.min(perChunk, rows - r0));
}

/**
 * Cross-entropy loss of `logits` (N, V) against `targets` (N integers on the host), as a
 * 1-element tensor, differentiable in the logits. With reduction "mean" the sum is divided by the
 * number of rows whose target is not `ignoreIndex`; if every row is ignored the loss is NaN (as in
 * PyTorch) and the gradient is zero. Targets outside [0, V) that are not `ignoreIndex` throw.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const logits = tensorFrom(gpu, [0, 0, 0, 0, 0, 0, 0, 0], [2, 4]); // (B·T, V)
 * const loss = crossEntropy(logits, [1, -100], { ignoreIndex: -100 }); // → [1]
 * assertFiniteLoss(await loss.item(), "step 1", loss);
 * console.log(await loss.item()); // ln 4 = 1.386…: the ignored row does not count
 * ```
 */
export function crossEntropy(
  logits: Tensor,
  targets: Int32Array | readonly number[],
  options: CrossEntropyOptions = {},
): Tensor {
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = "mean" } = options;
  const where = `crossEntropy(logits ${shapeString(logits.shape)})`;
  expectDtype("crossEntropy", "logits", logits, "f32");
  if (logits.shape.length !== 2) throw new Error(`${where}: logits must be 2-D (N, V)`);
  const [rows, vocab] = logits.shape;
  if (vocab < 1) throw new Error(`${where}: the vocabulary is empty`);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new Error(`${where}: labelSmoothing must be in [0, 1], got ${labelSmoothing}`);
  }
  if (reduction !== "mean" && reduction !== "sum") {
    throw new Error(`${where}: reduction must be "mean" or "sum", got ${reduction}`);
  }
  if (!Number.isInteger(ignoreIndex) || Math.abs(ignoreIndex) >= 2 ** 31) {
    throw new Error(`${where}: ignoreIndex must be a 32-bit integer, got ${ignoreIndex}`);
  }
  const { ids, count } = validateTargets(targets, rows, vocab, ignoreIndex, where);
  const gpu = logits.gpu;
  const targetsGpu = tensorFrom(gpu, ids, [rows], { dtype: "i32" });
  const lse = empty(gpu, [rows]);
  const rowLoss = empty(gpu, [rows]);
  forEachRowChunk(gpu, rows, vocab, (r0, n) => {
    const w = logits.window(r0 * vocab, n * vocab);
    gpu.dispatch(
      CE_FWD,
      [vocab, w.shift, r0, ignoreIndex, labelSmoothing],
      [w.window, targetsGpu.whole(), lse.whole(), rowLoss.whole()],
      [n],
    );
  });
  const factor = reduction === "sum" ? 1 : count > 0 ? 1 / count : NaN;
  const out = sumAll([rowLoss], factor);
  rowLoss.dispose();
  out.name = "crossEntropy";
  if (!gpu.gradEnabled || !logits.requiresGrad) {
    lse.dispose();
    targetsGpu.dispose();
    return out;
  }
  const scale = reduction === "sum" ? 1 : count > 0 ? 1 / count : 0;
  return record(out, "crossEntropy", [logits], (g) => {
    const dl = empty(gpu, logits.shape);
    forEachRowChunk(gpu, rows, vocab, (r0, n) => {
      const wl = logits.window(r0 * vocab, n * vocab);
      const wd = dl.window(r0 * vocab, n * vocab);
      gpu.dispatch(
        CE_BWD,
        [vocab, wl.shift, wd.shift, r0, ignoreIndex, labelSmoothing, scale],
        [wl.window, targetsGpu.whole(), lse.whole(), g.whole(), wd.window],
        [n],
      );
    });
    return [dl];
  });
}

/**
 * Throws when a loss read back from the GPU is NaN or infinite, naming where (the training step,
 * the batch) and, given the loss tensor, the op that produced it and its input shapes.
 *
 * @example
 * ```ts
 * assertFiniteLoss(2.5, "epoch 2 step 31"); // fine
 * try {
 *   assertFiniteLoss(NaN, "epoch 2 step 31");
 * } catch (e) {
 *   console.log((e as Error).message); // names the value and where
 * }
 * ```
 */
export function assertFiniteLoss(value: number, where: string, source?: Tensor): void {
  if (Number.isFinite(value)) return;
  const op = source?.node?.op ?? (source?.name || "unknown");
  const shapes = source?.node
    ? source.node.inputs.map((t) => shapeString(t.shape)).join(", ")
    : source
    ? shapeString(source.shape)
    : "unknown";
  throw new Error(`loss is ${value} at ${where} (op ${op}, shapes ${shapes})`);
}

/** CPU reference: log-softmax of each row of a row-major (rows, vocab) array, in f64. */
export function logSoftmaxRowsCpu(logits: ArrayLike<number>, vocab: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r * vocab < logits.length; r++) {
    let m = -Infinity;
    for (let j = 0; j < vocab; j++) m = Math.max(m, logits[r * vocab + j]);
    let s = 0;
    for (let j = 0; j < vocab; j++) s += Math.exp(logits[r * vocab + j] - m);
    const l = m + Math.log(s);
    for (let j = 0; j < vocab; j++) out[r * vocab + j] = logits[r * vocab + j] - l;
  }
  return out;
}

/** CPU reference of {@link crossEntropy} in f64 (the loss value). */
export function crossEntropyCpu(
  logits: ArrayLike<number>,
  vocab: number,
  targets: ArrayLike<number>,
  options: CrossEntropyOptions = {},
): number {
  const { ignoreIndex = -100, labelSmoothing: eps = 0, reduction = "mean" } = options;
  const logp = logSoftmaxRowsCpu(logits, vocab);
  let total = 0;
  let count = 0;
  for (let r = 0; r < targets.length; r++) {
    if (targets[r] === ignoreIndex) continue;
    let mean = 0;
    for (let j = 0; j < vocab; j++) mean += logp[r * vocab + j] / vocab;
    total += -(1 - eps) * logp[r * vocab + targets[r]] - eps * mean;
    count++;
  }
  return reduction === "sum" ? total : total / count;
}

/** CPU reference of the {@link crossEntropy} backward in f64: d(loss)/d(logits) · gradOut. */
export function crossEntropyBackwardCpu(
  logits: ArrayLike<number>,
  vocab: number,
  targets: ArrayLike<number>,
  options: CrossEntropyOptions = {},
  gradOut = 1,
): Float64Array {
  const { ignoreIndex = -100, labelSmoothing: eps = 0, reduction = "mean" } = options;
  const logp = logSoftmaxRowsCpu(logits, vocab);
  const count = Array.from(targets).filter((t) => t !== ignoreIndex).length;
  const k = gradOut * (reduction === "sum" ? 1 : count > 0 ? 1 / count : 0);
  const d = new Float64Array(logits.length);
  for (let r = 0; r < targets.length; r++) {
    if (targets[r] === ignoreIndex) continue;
    for (let j = 0; j < vocab; j++) {
      const hot = j === targets[r] ? 1 - eps : 0;
      d[r * vocab + j] = (Math.exp(logp[r * vocab + j]) - hot - eps / vocab) * k;
    }
  }
  return d;
}
