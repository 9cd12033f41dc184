/**
 * `deno task bench --profile`: where the time of a `tiny` training step and of decoding goes,
 * per kernel (device time from timestamp queries) and per host bucket.
 *
 * @module
 */
import type { Gpu } from "../kernels/gpu.ts";
import { backward } from "../kernels/autograd.ts";
import { AdamW } from "../kernels/adamw.ts";
import { lmHeadCrossEntropy } from "../kernels/lm_head_loss.ts";
import { reshape } from "../kernels/shape.ts";
import { formatProfile, Profiler } from "../kernels/profiler.ts";
import { PRESETS } from "../model/config.ts";
import { GPT2 } from "../model/gpt2.ts";
import { initParameters } from "../model/init.ts";
import { IGNORE_INDEX, shiftTargets } from "../model/lm_loss.ts";
import { generate } from "../model/generate.ts";

/**
 * Prints the profile of one `tiny` training step (8 × 128: forward, LM head + loss, backward,
 * AdamW as regions) and of generating 16 tokens at batch 1 and 12, each after a warm-up run.
 *
 * @example
 * Not run by the doc tests (`ignore`): it profiles fixed, full-size work for minutes on a CPU;
 * `deno task bench --profile` runs it.
 *
 * ```ts ignore
 * import { acquireGpu } from "../kernels/gpu.ts";
 * await profileTiny(await acquireGpu());
 * ```
 */
export async function profileTiny(gpu: Gpu): Promise<void> {
  const config = PRESETS.tiny;
  const model = GPT2.fromTensors(gpu, config, initParameters(config, 0));
  const [B, T] = [8, 128];
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % config.vocabSize);
  const targets = shiftTargets(ids, B, T);
  const opt = new AdamW([{ params: model.trainable(), lr: 1e-5, weightDecay: 0.01 }]);
  const profiler = new Profiler(gpu.device);
  const step = async () => {
    await gpu.scopeAsync(async () => {
      const hidden = profiler.region(
        "forward",
        () => model.forward({ ids, batch: B, seqLen: T }, { training: true }).hidden,
      );
      // The tied head fused with the loss, as lmLoss computes it.
      const loss = profiler.region("head+loss", () =>
        lmHeadCrossEntropy(
          reshape(hidden, [B * T, config.nEmbd]),
          model.param("wte.weight"),
          targets,
          { ignoreIndex: IGNORE_INDEX },
        ));
      profiler.region("backward", () => backward(loss));
      profiler.region("adamw", () => opt.step());
      for (const p of model.trainable()) p.grad?.dispose(), p.grad = null;
      await loss.item();
    });
  };
  try {
    await step(); // warm-up: pipelines, pooled buffers
    gpu.profiler = profiler;
    profiler.start();
    await step();
    console.log(`### tiny training step ${B}×${T} (fwd + LM head + loss + bwd + AdamW)\n`);
    console.log(formatProfile(await profiler.report(gpu), 25));
    for (const batch of [1, 12]) {
      const prompts = Array.from(
        { length: batch },
        () => Array.from({ length: 16 }, (_, i) => 464 + i),
      );
      const options = { maxNewTokens: 16, stopTokens: [], temperature: 1, topP: 0.9, seed: 1 };
      gpu.profiler = null;
      await generate(model, prompts, options); // warm-up
      gpu.profiler = profiler;
      profiler.start();
      await generate(model, prompts, options);
      console.log(`\n### tiny generation, batch ${batch}: 16-token prompt, 16 new, top-p 0.9\n`);
      console.log(formatProfile(await profiler.report(gpu), 25));
    }
  } finally {
    gpu.profiler = null;
    profiler.dispose();
    opt.dispose();
    model.dispose();
  }
}
