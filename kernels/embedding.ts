/**
 * Embedding lookup: rows of a [V, C] table gathered by host-side integer ids. Used for GPT-2's
 * token (`wte`) and position (`wpe`) embeddings. The table may be larger than one storage binding
 * (GPT-2's `wte` is 50,257 × 768 × 4 B = 154 MB), so both the forward gather and the dense
 * gradient dW are split into chunks of vocabulary rows; the output and the incoming gradient are
 * split into chunks of positions.
 *
 * The backward is deterministic: WGSL has no float atomics, so the host sorts the positions by id
 * (a CSR: for every vocabulary row, the positions that used it, ascending) and one invocation per
 * (row, channel) sums that row's gradient in that fixed order. Untouched rows get exact zeros.
 *
 * @module
 */
import type { Kernel, StorageType } from "./kernel.ts";
import type { Gpu } from "./gpu.ts";
import { grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { fill } from "./elementwise.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, shapeString, sizeOf, type Tensor } from "./tensor.ts";

/** Gather kernel over `count` (position, id) pairs, `width` floats per load (1 or 4). */
function gatherKernel(width: 1 | 4): Kernel {
  const type: StorageType = width === 4 ? "vec4<f32>" : "f32";
  return {
    name: `embedding_gather_w${width}`,
    params: [
      ["count", "u32"],
      ["cw", "u32"],
      ["pairStart", "u32"],
      ["wLo", "u32"],
      ["wShift", "u32"],
      ["oLo", "u32"],
      ["oShift", "u32"],
    ],
    buffers: [
      { name: "pairs", type: "u32", access: "read" },
      { name: "w", type, access: "read" },
      { name: "out", type, access: "read_write" },
    ],
    workgroupSize: [256, 1, 1],
    // pairs holds (position n, id) for each position; this dispatch sees only the pairs whose id
    // lies in the bound weight chunk and whose position lies in the bound output chunk.
    body: `  let i = ${LINEAR_INDEX};
  if (i >= p.count * p.cw) { return; }
  let k = 2u * (p.pairStart + i / p.cw);
  let c = i % p.cw;
  let n = pairs[k];
  let id = pairs[k + 1u];
  out[(n - p.oLo) * p.cw + c + p.oShift] = w[(id - p.wLo) * p.cw + c + p.wShift];`,
  };
}

/** Backward kernel: one invocation per (vocabulary row of the chunk, channel group). */
function scatterKernel(width: 1 | 4): Kernel {
  const type: StorageType = width === 4 ? "vec4<f32>" : "f32";
  const zero = width === 4 ? "vec4<f32>(0.0)" : "0.0";
  return {
    name: `embedding_grad_w${width}`,
    params: [
      ["rows", "u32"],
      ["cw", "u32"],
      ["rowLo", "u32"],
      ["dShift", "u32"],
      ["gLo", "u32"],
      ["gShift", "u32"],
      ["posBase", "u32"],
      ["accumulate", "u32"],
    ],
    buffers: [
      { name: "csr", type: "u32", access: "read" },
      { name: "g", type, access: "read" },
      { name: "dw", type, access: "read_write" },
    ],
    workgroupSize: [256, 1, 1],
    // csr = [offsets (V + 1) | positions]; row v's positions are csr[posBase + offsets[v] ..].
    body: `  let i = ${LINEAR_INDEX};
  if (i >= p.rows * p.cw) { return; }
  let r = i / p.cw;
  let c = i % p.cw;
  let v = p.rowLo + r;
  let a = csr[v];
  let b = csr[v + 1u];
  let o = r * p.cw + c + p.dShift;
  if (p.accumulate == 1u && a == b) { return; }
  var s = ${zero};
  for (var k = a; k < b; k++) {
    s += g[(csr[p.posBase + k] - p.gLo) * p.cw + c + p.gShift];
  }
  if (p.accumulate == 1u) { dw[o] += s; } else { dw[o] = s; }`,
  };
}

const GATHER = { 1: gatherKernel(1), 4: gatherKernel(4) } as const;
const SCATTER = { 1: scatterKernel(1), 4: scatterKernel(4) } as const;

/** Describes position `n` of an id array of `shape`: `(batch b, t t)` for [B, T]. */
function positionLabel(n: number, shape: readonly number[]): string {
  const index: number[] = [];
  let rest = n;
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  if (shape.length === 2) return `(batch ${index[0]}, t ${index[1]})`;
  if (shape.length === 1) return `(t ${index[0]})`;
  return `index ${shapeString(index)}`;
}

/** Uploads a u32 array as a tensor (helper data the kernels index). */
function upload(gpu: Gpu, data: Uint32Array<ArrayBuffer>): Tensor {
  const t = empty(gpu, [Math.max(1, data.length)], "i32");
  if (data.length > 0) gpu.write(t.buffer, 0, data);
  return t;
}

/** Rows of width `cols` that fit one binding. */
function rowsPerChunk(gpu: Gpu, cols: number): number {
  return Math.max(1, Math.floor(maxChunkElements(gpu) / cols));
}

/**
 * Looks up rows of `weight` [V, C] for host-side ids: the result has shape [...shape, C] and row
 * n is `weight[ids[n]]`. Every id must lie in [0, V); the error names the position, the id and V.
 * Position embeddings use the same op with ids = positions (see {@link positionIds}).
 * The gradient with respect to `weight` is dense [V, C]: duplicate ids are summed in position
 * order, rows no id touched are zero.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const [B, T, C] = [1, 2, 3];
 * const wte = tensorFrom(gpu, Array.from({ length: 5 * C }, (_, i) => i), [5, C]); // (V, C)
 * const wpe = tensorFrom(gpu, new Float32Array(4 * C), [4, C]); // (positions, C)
 * const tok = embedding(wte, [4, 0], [B, T]); // (B, T, C)
 * const pos = embedding(wpe, positionIds(B, T), [B, T]); // (B, T, C)
 * console.log(await tok.readFloat(), pos.shape); // rows 4 and 0 of wte, [1, 2, 3]
 * ```
 */
export function embedding(
  weight: Tensor,
  ids: Int32Array | readonly number[],
  shape: readonly number[],
): Tensor {
  const op = "embedding";
  expectDtype(op, "weight", weight, "f32");
  if (weight.shape.length !== 2) {
    throw new Error(`${op}: weight must have shape [V, C], got ${weight.label()}`);
  }
  const [V, C] = weight.shape;
  const N = sizeOf(shape);
  if (ids.length !== N) {
    throw new Error(`${op}: ${ids.length} ids do not fill shape ${shapeString(shape)} (${N})`);
  }
  const idCopy = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const id = ids[n];
    if (!Number.isInteger(id) || id < 0 || id >= V) {
      throw new Error(
        `${op}: id ${id} at ${positionLabel(n, shape)} of ids ${shapeString(shape)} is outside ` +
          `[0, ${V}) (V = ${V}, weight ${weight.label()})`,
      );
    }
    idCopy[n] = id;
  }
  const gpu = weight.gpu;
  const out = empty(gpu, [...shape, C]);
  if (N > 0 && C > 0) gather(gpu, weight, out, idCopy, V, C);
  return record(out, op, [weight], (g) => [embeddingGrad(g, idCopy, V, C)]);
}

/** Records the forward gather, one dispatch per (weight chunk, output chunk) that has pairs. */
function gather(gpu: Gpu, weight: Tensor, out: Tensor, ids: Int32Array, V: number, C: number) {
  const N = ids.length;
  const rows = rowsPerChunk(gpu, C);
  const wChunks = Math.ceil(V / rows);
  const oChunks = Math.ceil(N / rows);
  const groups = wChunks * oChunks;
  // Counting sort of positions by (weight chunk, output chunk); stable, so n ascends in a group.
  const start = new Uint32Array(groups + 1);
  const key = (n: number) => Math.floor(ids[n] / rows) * oChunks + Math.floor(n / rows);
  for (let n = 0; n < N; n++) start[key(n) + 1]++;
  for (let k = 0; k < groups; k++) start[k + 1] += start[k];
  const fillAt = start.slice(0, groups);
  const pairs = new Uint32Array(2 * N);
  for (let n = 0; n < N; n++) {
    const j = fillAt[key(n)]++;
    pairs[2 * j] = n;
    pairs[2 * j + 1] = ids[n];
  }
  const pairTensor = upload(gpu, pairs);
  const width = C % 4 === 0 ? 4 : 1;
  const cw = C / width;
  for (let k = 0; k < groups; k++) {
    const count = start[k + 1] - start[k];
    if (count === 0) continue;
    const wc = Math.floor(k / oChunks);
    const oc = k % oChunks;
    const wLo = wc * rows;
    const oLo = oc * rows;
    const w = weight.window(wLo * C, Math.min(rows, V - wLo) * C);
    const o = out.window(oLo * C, Math.min(rows, N - oLo) * C);
    gpu.dispatch(
      GATHER[width],
      [count, cw, start[k], wLo, w.shift / width, oLo, o.shift / width],
      [pairTensor.whole(), w.window, o.window],
      grid1d(gpu, count * cw),
    );
  }
  pairTensor.dispose();
}

/**
 * The dense gradient dW [V, C] of {@link embedding} for output gradient `g` [..., C] and the
 * ids of the forward (host). Deterministic: each row sums its positions' gradient rows in
 * ascending position order. Not differentiable.
 */
export function embeddingGrad(g: Tensor, ids: Int32Array, V: number, C: number): Tensor {
  const gpu = g.gpu;
  const N = ids.length;
  if (g.size !== N * C) {
    throw new Error(`embeddingGrad: gradient ${g.label()} does not match ${N} ids × ${C}`);
  }
  const dw = empty(gpu, [V, C]);
  if (N === 0) return fill(dw, 0);
  if (V === 0 || C === 0) return dw;
  const rows = rowsPerChunk(gpu, C);
  const width = C % 4 === 0 ? 4 : 1;
  const cw = C / width;
  // Positions are split into chunks of the gradient that fit one binding; the first chunk
  // writes every row of dW (zeros included), later chunks add to the rows they touch.
  const gChunks = Math.ceil(N / rows);
  for (let gc = 0; gc < gChunks; gc++) {
    const gLo = gc * rows;
    const gCount = Math.min(rows, N - gLo);
    const csr = upload(gpu, positionsById(ids, gLo, gCount, V));
    const gw = g.window(gLo * C, gCount * C);
    for (let rowLo = 0; rowLo < V; rowLo += rows) {
      const count = Math.min(rows, V - rowLo);
      const d = dw.window(rowLo * C, count * C);
      gpu.dispatch(
        SCATTER[width],
        [count, cw, rowLo, d.shift / width, gLo, gw.shift / width, V + 1, gc > 0 ? 1 : 0],
        [csr.whole(), gw.window, d.window],
        grid1d(gpu, count * cw),
      );
    }
    csr.dispose();
  }
  return dw;
}

/**
 * CSR of positions by id for positions [lo, lo + count): `[offsets (V + 1) | positions]`, where
 * row v's positions (ascending) are `positions[offsets[v] .. offsets[v + 1])`.
 */
function positionsById(
  ids: Int32Array,
  lo: number,
  count: number,
  V: number,
): Uint32Array<ArrayBuffer> {
  const csr = new Uint32Array(V + 1 + count);
  for (let n = lo; n < lo + count; n++) csr[ids[n] + 1]++;
  for (let v = 0; v < V; v++) csr[v + 1] += csr[v];
  const next = csr.slice(0, V);
  for (let n = lo; n < lo + count; n++) csr[V + 1 + next[ids[n]]++] = n;
  return csr;
}

/**
 * Position ids 0..T−1 (plus `offset`) repeated for each of `batch` rows: the ids of GPT-2's
 * position embedding.
 *
 * @example
 * ```ts
 * positionIds(2, 3); // Int32Array [0, 1, 2, 0, 1, 2]
 * ```
 */
export function positionIds(batch: number, seqLen: number, offset = 0): Int32Array {
  return Int32Array.from({ length: batch * seqLen }, (_, i) => offset + (i % seqLen));
}

/** CPU reference (f64) of {@link embedding}: rows of `weight` [V, C] gathered by `ids`. */
export function embeddingCpu(
  weight: ArrayLike<number>,
  C: number,
  ids: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(ids.length * C);
  for (let n = 0; n < ids.length; n++) {
    for (let c = 0; c < C; c++) out[n * C + c] = weight[ids[n] * C + c];
  }
  return out;
}

/** CPU reference (f64) of the embedding backward: dW [V, C] from the output gradient. */
export function embeddingBackwardCpu(
  gradOut: ArrayLike<number>,
  V: number,
  C: number,
  ids: ArrayLike<number>,
): Float64Array {
  const dw = new Float64Array(V * C);
  for (let n = 0; n < ids.length; n++) {
    for (let c = 0; c < C; c++) dw[ids[n] * C + c] += gradOut[n * C + c];
  }
  return dw;
}
