/**
 * Training speed and GPU memory of each sonnet strategy against `full` on the `tiny` model:
 * tokens per second over timed steps (fwd + bwd + AdamW, after one warm-up step) and the device
 * memory held after them (weights, gradients, moments, pooled activations). Strategies run in
 * turn in one process, each on a fresh model, so compare the ratios.
 *
 * `deno run -A tests/strategy_bench.ts [--steps=N] [--batch=B] [--seq=T]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { add } from "../kernels/elementwise.ts";
import { acquireGpu } from "../kernels/gpu.ts";
import { PRESETS } from "../model/config.ts";
import { GPT2 } from "../model/gpt2.ts";
import { initParameters } from "../model/init.ts";
import { lmLoss } from "../model/lm_loss.ts";
import { findStrategy } from "../strategies/registry.ts";
import { trainSteps } from "../strategies/strategy_testing.ts";
import { defaultConfig } from "../tasks/engine/train_defaults.ts";

const args = parseArgs({
  args: Deno.args,
  options: { steps: { type: "string" }, batch: { type: "string" }, seq: { type: "string" } },
}).values;
const STEPS = Number(args.steps ?? 3);
const B = Number(args.batch ?? 8);
const T = Number(args.seq ?? 128);
const gpu = await acquireGpu();
const config = { ...PRESETS.tiny };
// Token ids with repeats, as text has (unlikelihood's candidate sets are then realistic).
const ids = Int32Array.from({ length: B * T }, (_, i) => 464 + (i * 7919 + (i >> 3)) % 2000);
const input = { ids, batch: B, seqLen: T };

console.log(
  `tiny, batch ${B} × ${T} tokens, ${STEPS} timed steps after 1 warm-up, ${gpu.describe()}`,
);
console.log("| strategy | tokens/s | vs full | GPU memory (MiB) |");
console.log("| --- | --- | --- | --- |");
let fullRate = 0;
const rows = [
  "full",
  "last4",
  "lora",
  "prefix",
  "prefix-offset",
  "unlikelihood",
  "prefix-unlikelihood",
  "prefix-offset-unlikelihood",
];
for (const row of rows) {
  const c = defaultConfig("sonnet", row);
  const model = GPT2.fromTensors(gpu, config, initParameters(config, 0));
  const strategy = findStrategy(c.uses, "sonnet").attach(model, {
    lr: c.lr,
    weightDecay: 0,
    epochs: 1,
    seed: 1,
    options: c.options,
    taskParams: new Map(),
    log: () => {},
  });
  const loss = (step: number) => {
    const r = lmLoss(model, input, { training: true, seed: step });
    const extra = strategy.extraLoss?.({ ...r, logits: () => model.logits(r.hidden), input });
    return extra ? add(r.loss, extra) : r.loss;
  };
  (await trainSteps(model, strategy, loss, 1)).optimizer.dispose();
  const t0 = performance.now();
  const { optimizer } = await trainSteps(model, strategy, loss, STEPS);
  const rate = STEPS * B * T / ((performance.now() - t0) / 1000);
  if (row === "full") fullRate = rate;
  const held = gpu.memory();
  const mib = (held.liveBytes + held.pooledBytes) / 2 ** 20;
  console.log(
    `| ${row} | ${rate.toFixed(0)} | ${(rate / fullRate).toFixed(2)}× | ${mib.toFixed(0)} |`,
  );
  optimizer.dispose();
  strategy.detach();
  model.dispose();
  gpu.trimPool();
}
