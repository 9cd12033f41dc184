/**
 * Same-process A/B timing of the matmul's two ways of reading operands (`loads: "storage"`, the
 * storage-buffer kernels, against `"auto"`, textures on software adapters) on the shapes that
 * dominate a `tiny` training step: the square 1024³ product and the three products of the fused
 * LM head + loss (one 8,192-word chunk of 1024 rows × 128 columns), plus the whole fused head +
 * loss with `--full`. Variants run interleaved, `--reps` times each after a warm-up that compiles
 * them; the median is printed with every time, and the load average. Nothing is asserted.
 *
 * `deno run -A tests/bench_matmul_ab.ts [--reps=5] [--full]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { acquireGpu } from "../kernels/gpu.ts";
import { backward } from "../kernels/autograd.ts";
import { lmHeadCrossEntropy } from "../kernels/lm_head_loss.ts";
import { matmul, matmulStrided, type OperandLoads } from "../kernels/matmul.ts";
import { empty, type Tensor, tensorFrom } from "../kernels/tensor.ts";
import { randomArray } from "../kernels/testing.ts";

const args = parseArgs({
  args: Deno.args,
  options: { reps: { type: "string", default: "5" }, full: { type: "boolean", default: false } },
});
const reps = Number(args.values.reps);
const gpu = await acquireGpu();
const load = () => Deno.loadavg().map((x) => x.toFixed(1)).join(", ");
console.log(`adapter: ${gpu.describe()}; load average at start: ${load()}`);

function rand(shape: number[], seed: number, requiresGrad = false): Tensor {
  const t = tensorFrom(gpu, randomArray(shape.reduce((a, b) => a * b, 1), seed), shape, {
    requiresGrad,
  });
  gpu.keep(t);
  return t;
}

/** Times `fn(loads)` for both settings, interleaved; prints medians and the speed-up. */
async function ab(label: string, flops: number, fn: (loads: OperandLoads) => void) {
  const settings: OperandLoads[] = ["storage", "auto"];
  const times = new Map<OperandLoads, number[]>(settings.map((s) => [s, []]));
  for (let r = -1; r < reps; r++) {
    for (const s of settings) {
      await gpu.scopeAsync(async () => {
        const t0 = performance.now();
        fn(s);
        await gpu.sync();
        if (r >= 0) times.get(s)!.push(performance.now() - t0);
      });
    }
  }
  const med = (s: OperandLoads) => {
    const t = times.get(s)!.sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)];
  };
  const [before, after] = settings.map(med);
  const rate = (ms: number) => flops > 0 ? ` (${(flops / ms / 1e6).toFixed(2)} GFLOP/s)` : "";
  console.log(
    `| ${label} | ${before.toFixed(0)} ms${rate(before)} → ${after.toFixed(0)} ms${rate(after)} | ${
      (before / after).toFixed(2)
    }× | storage [${times.get("storage")!.map((t) => t.toFixed(0))}], texture [${
      times.get("auto")!.map((t) => t.toFixed(0))
    }] |`,
  );
}

console.log("| product | storage → texture loads (median) | speed-up | all times (ms) |");
console.log("| --- | --- | --- | --- |");
{
  const a = rand([1024, 1024], 1);
  const b = rand([1024, 1024], 2);
  await ab(
    "matmul 1024³",
    2 * 1024 ** 3,
    (loads) => void gpu.noGrad(() => matmul(a, b, { loads })),
  );
}
{
  // The fused head's products for one chunk of n = 8,192 words (kernels/lm_head_loss.ts).
  const [rows, C, n] = [1024, 128, 8192];
  const x = rand([rows, C], 3);
  const w = rand([n, C], 4);
  const d = rand([rows, n], 5);
  const flops = 2 * rows * C * n;
  await ab("head logits x·wᵀ (1024×128 · 128×8192)", flops, (loads) => {
    const out = empty(gpu, [rows, n]);
    const wT = { tensor: w, bs: 0, rs: 1, cs: C };
    matmulStrided(out, { tensor: x, bs: 0, rs: C, cs: 1 }, wT, rows, n, C, false, loads);
  });
  await ab("head dX d·w (1024×8192 · 8192×128)", flops, (loads) => {
    const out = empty(gpu, [rows, C]);
    const dRows = { tensor: d, bs: 0, rs: n, cs: 1 };
    matmulStrided(out, dRows, { tensor: w, bs: 0, rs: C, cs: 1 }, rows, C, n, false, loads);
  });
  await ab("head dW xᵀ·d (128×1024 · 1024×8192)", flops, (loads) => {
    const out = empty(gpu, [C, n]);
    const dRows = { tensor: d, bs: 0, rs: n, cs: 1 };
    matmulStrided(out, { tensor: x, bs: 0, rs: 1, cs: C }, dRows, C, n, rows, false, loads);
  });
}
if (args.values.full) {
  const [rows, C, V] = [1024, 128, 50257];
  const x = rand([rows, C], 6, true);
  const w = rand([V, C], 7, true);
  const targets = Array.from({ length: rows }, (_, i) => (i * 7919) % V);
  await ab("head + loss fwd + bwd, 1024 rows × 50,257 words", 6 * rows * C * V, (loads) => {
    backward(lmHeadCrossEntropy(x, w, targets, { loads }));
    x.grad?.dispose(), w.grad?.dispose();
    x.grad = null, w.grad = null;
  });
}
console.log(`load average at end: ${load()}`);
