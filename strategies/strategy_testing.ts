/**
 * Helpers for strategy tests: a context for attaching a strategy, host snapshots of parameters,
 * and a few optimizer steps of a loss (the learning tests: loss falls well below its start).
 *
 * @module
 */
import { AdamW } from "../kernels/adamw.ts";
import { backward, zeroGrad } from "../kernels/autograd.ts";
import type { Tensor } from "../kernels/tensor.ts";
import type { GPT2 } from "../model/gpt2.ts";
import type { StrategyOptions } from "../tasks/engine/train_defaults.ts";
import type { AttachedStrategy, StrategyContext } from "./strategy.ts";

/** A strategy context for tests (lr 1e-3, no weight decay, 10 epochs, seed 1). */
export function testContext(
  options: StrategyOptions = {},
  overrides: Partial<StrategyContext> = {},
): StrategyContext {
  return {
    lr: 1e-3,
    weightDecay: 0,
    epochs: 10,
    seed: 1,
    options,
    taskParams: new Map(),
    log: () => {},
    ...overrides,
  };
}

/** Host copies of tensors by name. */
export async function snapshot(
  tensors: Iterable<[string, Tensor]>,
): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of tensors) out.set(name, await t.readFloat());
  return out;
}

/** Names whose values differ between two snapshots. */
export function changed(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  return [...a].filter(([n, x]) => b.get(n)!.some((v, i) => v !== x[i])).map(([n]) => n);
}

/**
 * Takes `steps` AdamW steps of `loss` over the strategy's parameter groups and returns every
 * step's loss (read before its update). The optimizer is returned for state checks.
 */
export async function trainSteps(
  model: GPT2,
  strategy: AttachedStrategy,
  loss: (step: number) => Tensor,
  steps: number,
): Promise<{ losses: number[]; optimizer: AdamW }> {
  const groups = strategy.paramGroups();
  const optimizer = new AdamW(groups);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const value = await model.gpu.scopeAsync(async () => {
      const l = loss(s);
      backward(l);
      optimizer.step();
      zeroGrad(groups.flatMap((g) => g.params));
      return await l.item();
    });
    losses.push(value);
  }
  return { losses, optimizer };
}
