/**
 * LoRA (Hu et al. 2021): on each chosen linear layer, h = x·W₀ + b + (α/r)·dropout(x)·A·B with
 * A (in, r) drawn as PEFT draws `lora_A` (Kaiming-uniform with a = √5, i.e. U(±1/√in)), B (r, out)
 * zero, and GPT-2's own weights frozen. The adapters are attached to the model by layer name, so
 * every forward pass includes them; {@linkcode LoraAttachment.merge} folds (α/r)·A·B into W₀ for
 * inference and {@linkcode LoraAttachment.unmerge} takes it out again. Saving and loading in PEFT's
 * layout is in `lora_peft.ts`.
 *
 * Our A and B are PEFT's `lora_A.weight` and `lora_B.weight` transposed (GPT-2's Conv1D keeps
 * weights as (in, out), PEFT's `fan_in_fan_out = true`).
 *
 * @module
 */
import { dropout } from "../kernels/dropout.ts";
import { axpyInPlace, scale } from "../kernels/elementwise.ts";
import { matmul } from "../kernels/matmul.ts";
import { type Tensor, tensorFrom } from "../kernels/tensor.ts";
import type { GPT2, LinearAdapter } from "../model/gpt2.ts";
import { seededRandom } from "../model/sampling.ts";
import { freezeAll } from "./freezing.ts";
import { saveLoraPeft } from "./lora_peft.ts";
import { singleGroup, type Strategy } from "./strategy.ts";

/** The linear layers of a GPT-2 block LoRA may adapt (PEFT's short name `c_attn` is accepted). */
export const LORA_TARGETS = ["attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"] as const;

/** Dropout streams of the adapters: far from GPT-2's own (counted from 0) and the head's. */
const LORA_DROPOUT_STREAM = 0x20000000;

/** LoRA settings (defaults: PEFT's GPT-2 examples and the issue: r 8, α 16, dropout 0.05). */
export interface LoraOptions {
  /** Rank r (> 0). */
  rank: number;
  /** Scaling numerator α (the update is scaled by α / r). */
  alpha: number;
  /** Dropout on the adapter's input (training only). */
  dropout: number;
  /** Layers in each block, from {@linkcode LORA_TARGETS} (or `c_attn`). */
  targets: readonly string[];
  /** Seed of A's initialisation and the adapter dropout streams. */
  seed: number;
}

/** One adapted layer. */
export interface LoraLayer {
  /** The linear layer's name, e.g. `h.0.attn.c_attn`. */
  layer: string;
  /** A (in, r). */
  a: Tensor;
  /** B (r, out). */
  b: Tensor;
}

/** LoRA attached to a model. */
export interface LoraAttachment {
  /** The adapted layers, block by block. */
  layers: LoraLayer[];
  /** α / r. */
  scaling: number;
  /** The options it was made with. */
  options: LoraOptions;
  /** A and B of every layer by name (`lora.<layer>.A`, `lora.<layer>.B`). */
  params(): Map<string, Tensor>;
  /** Whether the updates are folded into the base weights (then no adapter runs). */
  readonly merged: boolean;
  /** W₀ += (α/r)·A·B on every layer and detaches the adapters; no-op when merged. */
  merge(): void;
  /** W −= (α/r)·A·B and re-attaches the adapters; no-op when not merged. */
  unmerge(): void;
  /** Unmerges if needed and removes the adapters from the model. */
  detach(): void;
}

/**
 * The full target names of `targets` (`c_attn` → `attn.c_attn`); throws naming the flag and the
 * value when one is not a GPT-2 linear layer (or is the ambiguous `c_proj`).
 *
 * @example
 * ```ts
 * resolveLoraTargets(["c_attn", "mlp.c_fc"]); // ["attn.c_attn", "mlp.c_fc"]
 * ```
 */
export function resolveLoraTargets(targets: readonly string[]): string[] {
  if (targets.length === 0) throw new Error("--lora-targets: no target layer given");
  return targets.map((t) => {
    const full = t === "c_attn" ? "attn.c_attn" : t;
    if (!(LORA_TARGETS as readonly string[]).includes(full)) {
      throw new Error(
        `--lora-targets: ${JSON.stringify(t)} is not a GPT-2 linear layer; expected one of ` +
          `c_attn, ${LORA_TARGETS.join(", ")}`,
      );
    }
    return full;
  });
}

/** Checks rank, alpha and dropout; throws naming the flag and the value. */
export function checkLoraOptions(o: Pick<LoraOptions, "rank" | "alpha" | "dropout">): void {
  if (!Number.isInteger(o.rank) || o.rank <= 0) {
    throw new Error(`--lora-r: the rank must be an integer > 0, got ${o.rank}`);
  }
  if (!(o.alpha > 0)) throw new Error(`--lora-alpha: must be > 0, got ${o.alpha}`);
  if (!(o.dropout >= 0 && o.dropout < 1)) {
    throw new Error(`--lora-dropout: must be in [0, 1), got ${o.dropout}`);
  }
}

/** The adapter of one layer: (α/r)·dropout(x)·A·B. */
function loraAdapter(l: LoraLayer, scaling: number, p: number, stream: number): LinearAdapter {
  return {
    forward(x, { training, seed }) {
      const dropped = dropout(x, p, seed, stream, training);
      return scale(matmul(matmul(dropped, l.a), l.b), scaling);
    },
    async delta() {
      const gpu = l.a.gpu;
      return await gpu.scopeAsync(() =>
        gpu.noGrad(() => scale(matmul(l.a, l.b), scaling)).readFloat()
      );
    },
  };
}

/**
 * Attaches LoRA adapters to every block's `targets` layers of `model` (GPT-2's own parameters
 * keep their `requiresGrad`; the LoRA strategy freezes them). Throws naming the flag and value
 * for a bad rank, alpha, dropout or target.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny");
 * const lora = attachLora(model, { rank: 8, alpha: 16, dropout: 0.05, targets: ["c_attn"], seed: 1 });
 * console.log([...lora.params().keys()]); // A and B of h.0.attn.c_attn and h.1.attn.c_attn
 * lora.merge(); // inference without the adapter matmuls
 * console.log(lora.merged); // true
 * model.dispose();
 * ```
 */
export function attachLora(model: GPT2, options: LoraOptions): LoraAttachment {
  checkLoraOptions(options);
  const targets = resolveLoraTargets(options.targets);
  const gpu = model.gpu;
  const r = options.rank;
  const scaling = options.alpha / r;
  const random = seededRandom(options.seed);
  const layers: LoraLayer[] = [];
  for (let l = 0; l < model.config.nLayer; l++) {
    for (const target of targets) {
      const layer = `h.${l}.${target}`;
      if (model.adapters.has(layer)) {
        throw new Error(`attachLora: '${layer}' already has an adapter (detach it first)`);
      }
      const [inF, outF] = model.param(layer + ".weight").shape;
      const bound = 1 / Math.sqrt(inF);
      const a = Float32Array.from({ length: inF * r }, () => (2 * random() - 1) * bound);
      const make = (data: Float32Array, shape: number[], name: string) => {
        const t = tensorFrom(gpu, data, shape, { requiresGrad: true, name });
        gpu.keep(t);
        return t;
      };
      layers.push({
        layer,
        a: make(a, [inF, r], `lora.${layer}.A`),
        b: make(new Float32Array(r * outF), [r, outF], `lora.${layer}.B`),
      });
    }
  }
  const attach = () =>
    layers.forEach((l, i) =>
      model.adapters.set(l.layer, loraAdapter(l, scaling, options.dropout, LORA_DROPOUT_STREAM + i))
    );
  const fold = (sign: 1 | -1) =>
    gpu.noGrad(() => {
      for (const l of layers) {
        const delta = scale(matmul(l.a, l.b), scaling);
        axpyInPlace(model.param(l.layer + ".weight"), delta, sign);
        delta.dispose();
      }
    });
  attach();
  let merged = false;
  const attachment: LoraAttachment = {
    layers,
    scaling,
    options,
    params: () => new Map(layers.flatMap((l) => [[l.a.name, l.a], [l.b.name, l.b]])),
    get merged() {
      return merged;
    },
    merge() {
      if (merged) return;
      fold(1);
      for (const l of layers) model.adapters.delete(l.layer);
      merged = true;
    },
    unmerge() {
      if (!merged) return;
      fold(-1);
      attach();
      merged = false;
    },
    detach() {
      attachment.unmerge();
      for (const l of layers) {
        model.adapters.delete(l.layer);
        for (const t of [l.a, l.b]) {
          t.grad?.dispose();
          t.dispose();
        }
      }
    },
  };
  return attachment;
}

/**
 * The LoRA strategy: GPT-2 frozen, adapters on `options.loraTargets` (default `c_attn`) of every
 * block with rank `loraRank` (8), α `loraAlpha` (16) and input dropout `loraDropout` (0.05); the
 * adapters and the task's head train. Saves the adapters in PEFT's layout.
 */
export const LORA: Strategy = {
  name: "lora",
  summary: "LoRA adapters on GPT-2's linear layers, GPT-2 frozen (Hu et al. 2021; PEFT layout)",
  tasks: ["sonnet", "sst", "cfimdb", "quora"],
  attach(model, context) {
    const o = context.options;
    freezeAll(model);
    const lora = attachLora(model, {
      rank: o.loraRank ?? 8,
      alpha: o.loraAlpha ?? 16,
      dropout: o.loraDropout ?? 0.05,
      targets: o.loraTargets ?? ["c_attn"],
      seed: (Math.imul(context.seed, 2654435761) + 0x6c6f7261) >>> 0,
    });
    return {
      params: () => lora.params(),
      paramGroups: () => singleGroup(model, context, lora.params()),
      save: (dir) => saveLoraPeft(dir, lora, context.taskParams.size > 0 ? "SEQ_CLS" : "CAUSAL_LM"),
      detach: () => lora.detach(),
    };
  },
};
