/**
 * Prefix-tuning's keys and values of one layer, broadcast over a batch: from a prefix table
 * (P, 2·L·C) laid out as PEFT lays out `past_key_values` (column block 2l holds layer l's keys,
 * block 2l + 1 its values, heads side by side inside a block), the layer's keys and values as
 * (B, H, P, D) each, the same for every sequence. Differentiable: the backward sums the batch's
 * gradients into the layer's two column blocks of a table-shaped gradient.
 *
 * @module
 */
import type { Kernel } from "./kernel.ts";
import { grid1d, LINEAR_INDEX } from "./dispatch_util.ts";
import { fill } from "./elementwise.ts";
import { record } from "./graph.ts";
import { empty, expectDtype, type Tensor } from "./tensor.ts";

/** out[b, h, p, d] = table[p, (2l + j)·C + h·D + d] for the block j (0 keys, 1 values). */
const PREFIX_FWD: Kernel = {
  name: "prefix_kv_fwd",
  params: [["n", "u32"], ["P", "u32"], ["D", "u32"], ["H", "u32"], ["width", "u32"], [
    "col0",
    "u32",
  ]],
  buffers: [
    { name: "table", type: "f32", access: "read" },
    { name: "out", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let d = i % p.D;
  let pp = (i / p.D) % p.P;
  let h = (i / (p.D * p.P)) % p.H;
  out[i] = table[pp * p.width + p.col0 + h * p.D + d];`,
};

/** g_table[p, col0 + h·D + d] = Σ_b g[b, h, p, d] (one invocation per table element). */
const PREFIX_BWD: Kernel = {
  name: "prefix_kv_bwd",
  params: [["n", "u32"], ["B", "u32"], ["P", "u32"], ["D", "u32"], ["H", "u32"], [
    "width",
    "u32",
  ], ["col0", "u32"]],
  buffers: [
    { name: "g", type: "f32", access: "read" },
    { name: "gt", type: "f32", access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let per = p.H * p.P * p.D;
  var s = 0.0;
  for (var b = 0u; b < p.B; b++) { s += g[b * per + i]; }
  let d = i % p.D;
  let pp = (i / p.D) % p.P;
  let h = i / (p.D * p.P);
  gt[pp * p.width + p.col0 + h * p.D + d] = s;`,
};

/**
 * Keys and values (B, H, P, D) of `layer` from a prefix table (P, 2·L·C), for a batch of `batch`.
 * Throws naming the shapes when the table's width is not a multiple of 2·C or the layer is out
 * of range.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * // P = 2 prefix positions for L = 1 layer of width C = 4: a (P, 2·L·C) = (2, 8) table
 * const table = tensorFrom(gpu, Array.from({ length: 16 }, (_, i) => i), [2, 8]);
 * const { k, v } = prefixKeysValues(table, 0, 3, 2, 4); // layer 0, batch 3, 2 heads of D = 2
 * console.log(k.shape, v.shape); // [3, 2, 2, 2] [3, 2, 2, 2]: (B, H, P, D)
 * // (GPT-2 124M, 10 positions: a (10, 2·12·768) table gives (B, 12, 10, 64) per layer)
 * ```
 */
export function prefixKeysValues(
  table: Tensor,
  layer: number,
  batch: number,
  nHead: number,
  width: number,
): { k: Tensor; v: Tensor } {
  expectDtype("prefixKeysValues", "table", table, "f32");
  const [P, W] = table.shape;
  if (table.shape.length !== 2 || W % (2 * width) !== 0 || width % nHead !== 0) {
    throw new Error(
      `prefixKeysValues: table ${table.label()} must be (P, 2·L·${width}) with ${width} ` +
        `divisible by ${nHead} heads`,
    );
  }
  const L = W / (2 * width);
  if (!Number.isInteger(layer) || layer < 0 || layer >= L) {
    throw new Error(`prefixKeysValues: layer ${layer} is outside the table's ${L} layers`);
  }
  const D = width / nHead;
  const gpu = table.gpu;
  const part = (j: number): Tensor => {
    const col0 = (2 * layer + j) * width;
    const out = empty(gpu, [batch, nHead, P, D]);
    const n = out.size;
    gpu.dispatch(
      PREFIX_FWD,
      [n, P, D, nHead, W, col0],
      [table.whole(), out.whole()],
      grid1d(gpu, n),
    );
    return record(out, "prefixKeysValues", [table], (g) => {
      const gt = fill(empty(gpu, table.shape), 0);
      const m = nHead * P * D;
      gpu.dispatch(
        PREFIX_BWD,
        [m, batch, P, D, nHead, W, col0],
        [g.whole(), gt.whole()],
        grid1d(gpu, m),
      );
      return [gt];
    });
  };
  return { k: part(0), v: part(1) };
}

/** CPU reference of {@linkcode prefixKeysValues} (one sequence: the batch repeats it). */
export function prefixKeysValuesCpu(
  table: ArrayLike<number>,
  P: number,
  layer: number,
  nHead: number,
  width: number,
): { k: Float64Array; v: Float64Array } {
  const W = table.length / P;
  const D = width / nHead;
  const part = (j: number) => {
    const out = new Float64Array(nHead * P * D);
    for (let h = 0; h < nHead; h++) {
      for (let p = 0; p < P; p++) {
        for (let d = 0; d < D; d++) {
          out[(h * P + p) * D + d] = table[p * W + (2 * layer + j) * width + h * D + d];
        }
      }
    }
    return out;
  };
  return { k: part(0), v: part(1) };
}
