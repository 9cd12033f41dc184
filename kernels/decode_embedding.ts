/**
 * Token plus position embedding of one new token per sequence, with the ids and positions read
 * from a u32 state buffer on the device (a decoding step: the caller rewrites the buffer, the
 * recorded dispatches stay the same). `out[b, c] = wte[ids[b], c] + wpe[pos[b], c]`, the same f32
 * sum as `add(embedding(wte), embedding(wpe))`. A token embedding larger than one storage binding
 * (GPT-2 124M's) is bound in row chunks, one dispatch each; each id falls in exactly one.
 * Inference only (no autograd).
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { grid1d, LINEAR_INDEX, maxChunkElements } from "./dispatch_util.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";

const DECODE_EMBED: Kernel = {
  name: "decode_embedding",
  params: [
    ["n", "u32"],
    ["C", "u32"],
    ["lo", "u32"],
    ["rows", "u32"],
    ["shift", "u32"],
    ["idsAt", "u32"],
    ["posAt", "u32"],
  ],
  buffers: [
    { name: "state", type: "u32", access: "read" },
    { name: "wte", type: "f32", access: "read" },
    { name: "wpe", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let c = i % p.C;
  let b = i / p.C;
  let id = state[p.idsAt + b];
  if (id < p.lo || id >= p.lo + p.rows) { return; }
  out[i] = wte[p.shift + (id - p.lo) * p.C + c] + wpe[state[p.posAt + b] * p.C + c];`,
};

/** Where {@link decodeEmbedding} finds its ids and positions in the state buffer. */
export interface DecodeEmbeddingLayout {
  /** Sequences (one new token each). */
  batch: number;
  /** Index of sequence 0's token id. */
  idsAt: number;
  /** Index of sequence 0's position. */
  posAt: number;
}

/**
 * Embeds one token per sequence: (B, 1, C) from `wte` (V, C) and `wpe` (positions, C) at the ids
 * and positions that `state` holds. Ids and positions are not checked on the device: the caller
 * writes valid ones.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * const wte = tensorFrom(gpu, Array.from({ length: 5 * 2 }, (_, i) => i), [5, 2]); // (V, C)
 * const wpe = tensorFrom(gpu, new Float32Array(4 * 2).fill(0.5), [4, 2]); // (positions, C)
 * // state = [column, id_0, id_1, pos_0, pos_1]
 * const state = tensorFrom(gpu, Int32Array.of(0, 3, 1, 2, 0), [5]);
 * const x = decodeEmbedding(wte, wpe, state, { batch: 2, idsAt: 1, posAt: 3 });
 * console.log(await x.readFloat()); // [6.5, 7.5, 2.5, 3.5]
 * ```
 */
export function decodeEmbedding(
  wte: Tensor,
  wpe: Tensor,
  state: Tensor,
  { batch: B, idsAt, posAt }: DecodeEmbeddingLayout,
): Tensor {
  expectDtype("decodeEmbedding", "wte", wte, "f32");
  expectDtype("decodeEmbedding", "wpe", wpe, "f32");
  const [V, C] = wte.shape;
  if (wte.shape.length !== 2 || wpe.shape.length !== 2 || wpe.shape[1] !== C) {
    throw new Error(
      `decodeEmbedding: wte ${wte.label()} and wpe ${wpe.label()} must be (V, C) and (P, C)`,
    );
  }
  if (state.size < Math.max(idsAt, posAt) + B) {
    throw new Error(`decodeEmbedding: state ${state.label()} is too short for batch ${B}`);
  }
  const gpu = wte.gpu;
  const out = empty(gpu, [B, 1, C]);
  const n = B * C;
  const rows = Math.max(1, Math.floor(maxChunkElements(gpu) / C));
  for (let lo = 0; lo < V; lo += rows) {
    const count = Math.min(rows, V - lo);
    const w = wte.window(lo * C, count * C);
    gpu.dispatch(
      DECODE_EMBED,
      [n, C, lo, count, w.shift, idsAt, posAt],
      [state.whole(), w.window, wpe.whole(), out.whole()],
      grid1d(gpu, n),
    );
  }
  return out;
}
