/**
 * Prefix-tuning (Li & Liang 2021): P trainable virtual keys and values per layer, prepended to
 * every layer's attention and visible to every real token, whose positions do not change; GPT-2
 * stays frozen. While training, the prefix is reparametrised as Li & Liang (and PEFT's
 * `PrefixEncoder` with `prefix_projection`) do: P′ (P × C) → Linear(C → 512) → tanh →
 * Linear(512 → 2·L·C), giving a table (P, 2·L·C) whose column block 2l holds layer l's keys and
 * block 2l + 1 its values. After training only the computed table is kept
 * ({@linkcode PrefixAttachment.keepComputed}) and saved as PEFT saves a prefix: `prompt_embeddings`
 * (P, 2·L·C) in `adapter_model.safetensors` with a `PREFIX_TUNING` `adapter_config.json` (PEFT's
 * `get_peft_model_state_dict` stores `get_prompt_embedding_to_save`, the encoder's output).
 *
 * Generation needs nothing special: the model prepends the prefix in every forward, so the KV
 * cache holds the real tokens and each cached step attends to [prefix; cache; new].
 *
 * @module
 */
import { join } from "node:path";
import { biasAdd } from "../kernels/elementwise.ts";
import { matmul } from "../kernels/matmul.ts";
import { prefixKeysValues } from "../kernels/prefix_kv.ts";
import { tanh } from "../kernels/tanh.ts";
import { type Tensor, tensorFrom } from "../kernels/tensor.ts";
import { writeFileAtomic } from "../model/atomic_write.ts";
import type { GPT2 } from "../model/gpt2.ts";
import { writeSafetensors } from "../model/safetensors.ts";
import { freezeAll } from "./freezing.ts";
import { singleGroup, type Strategy } from "./strategy.ts";
import { trainableInit } from "./trainable_init.ts";

/** Prefix-tuning settings (defaults: Li & Liang 2021: P = 10, MLP width 512). */
export interface PrefixOptions {
  /** Virtual tokens per layer P (≥ 0; P = 0 attaches nothing). */
  length: number;
  /** Width of the reparametrisation MLP's hidden layer. */
  hidden: number;
  /** Seed of the initialisation. */
  seed: number;
  /** A computed table (P, 2·L·C) to attach, frozen, instead of the MLP (a saved prefix loaded). */
  computed?: Float32Array;
}

/** A prefix attached to a model. */
export interface PrefixAttachment {
  /** Virtual tokens per layer. */
  length: number;
  /** Trainable tensors by name: the reparametrisation while training, else none. */
  params(): Map<string, Tensor>;
  /** The table (P, 2·L·C) the model uses now (computed through the MLP while training). */
  table(): Tensor;
  /** Computes the table once, keeps it (frozen) and drops the MLP from the forward pass. */
  keepComputed(): Promise<void>;
  /** Writes `adapter_config.json` and `adapter_model.safetensors` in PEFT's layout. */
  save(dir: string, taskType: "CAUSAL_LM" | "SEQ_CLS"): Promise<void>;
  /** Removes the prefix from the model and frees its tensors. */
  detach(): void;
}

/**
 * Attaches a reparametrised prefix of `options.length` tokens to `model`; throws naming the flag
 * and value when the prefix leaves no room in the context.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny");
 * const prefix = attachPrefix(model, { length: 10, hidden: 512, seed: 1 });
 * console.log(prefix.table().shape); // [10, 512]: (P, 2·L·C) for 2 layers of width 128
 * await prefix.keepComputed(); // after training: the table is kept, the MLP dropped
 * prefix.detach();
 * model.dispose();
 * ```
 */
export function attachPrefix(model: GPT2, options: PrefixOptions): PrefixAttachment {
  const { nLayer: L, nEmbd: C, nHead: H, nPositions } = model.config;
  const P = options.length;
  if (!Number.isInteger(P) || P < 0 || P >= nPositions) {
    throw new Error(
      `--prefix-length: must be an integer in [0, ${nPositions}) (the context has ` +
        `${nPositions} positions), got ${P}`,
    );
  }
  const gpu = model.gpu;
  const width = 2 * L * C;
  // PyTorch's defaults: nn.Embedding N(0, 1), nn.Linear U(±1/√fan_in) for weight and bias
  const { make, normal, uniform: u } = trainableInit(gpu, options.seed);
  const mlp = new Map<string, Tensor>();
  let kept: Tensor | null = null;
  if (options.computed) {
    if (options.computed.length !== P * width) {
      throw new Error(
        `attachPrefix: the computed table has ${options.computed.length} values, the model ` +
          `needs (${P}, ${width})`,
      );
    }
    kept = tensorFrom(gpu, options.computed, [P, width], { name: "prefix.table" });
    gpu.keep(kept);
  } else if (P > 0) {
    mlp.set("prefix.embedding", make([P, C], "prefix.embedding", normal));
    mlp.set("prefix.mlp.0.weight", make([C, options.hidden], "prefix.mlp.0.weight", u(C)));
    mlp.set("prefix.mlp.0.bias", make([options.hidden], "prefix.mlp.0.bias", u(C)));
    mlp.set(
      "prefix.mlp.2.weight",
      make([options.hidden, width], "prefix.mlp.2.weight", u(options.hidden)),
    );
    mlp.set("prefix.mlp.2.bias", make([width], "prefix.mlp.2.bias", u(options.hidden)));
  }
  const computeTable = (): Tensor => {
    const p = (n: string) => mlp.get(n)!;
    const hidden = tanh(
      biasAdd(matmul(p("prefix.embedding"), p("prefix.mlp.0.weight")), p("prefix.mlp.0.bias")),
    );
    return biasAdd(matmul(hidden, p("prefix.mlp.2.weight")), p("prefix.mlp.2.bias")); // (P, 2LC)
  };
  const table = () => kept ?? computeTable();
  model.setAttentionPrefix(P, (batch) => {
    const t = table();
    return Array.from({ length: L }, (_, l) => prefixKeysValues(t, l, batch, H, C));
  });
  const dispose = (t: Tensor) => {
    t.grad?.dispose();
    t.dispose();
  };
  return {
    length: P,
    params: () => kept ? new Map() : new Map(mlp),
    table,
    keepComputed() {
      if (kept || P === 0) return Promise.resolve();
      const t = gpu.noGrad(() => computeTable());
      gpu.keep(t);
      kept = t;
      for (const m of mlp.values()) dispose(m);
      return Promise.resolve();
    },
    async save(dir, taskType) {
      await Deno.mkdir(dir, { recursive: true });
      const data = await gpu.scopeAsync(() => gpu.noGrad(() => table()).readFloat());
      await writeSafetensors(
        join(dir, PREFIX_PEFT_FILES.weights),
        new Map([["prompt_embeddings", { shape: [P, width], data }]]),
        { format: "pt" },
      );
      const config = {
        peft_type: "PREFIX_TUNING",
        task_type: taskType,
        base_model_name_or_path: "gpt2",
        num_virtual_tokens: P,
        token_dim: C,
        num_transformer_submodules: 1,
        num_attention_heads: H,
        num_layers: L,
        encoder_hidden_size: options.hidden,
        prefix_projection: true,
        inference_mode: true,
      };
      await writeFileAtomic(
        join(dir, PREFIX_PEFT_FILES.config),
        JSON.stringify(config, null, 2) + "\n",
      );
    },
    detach() {
      model.setAttentionPrefix(0, null);
      for (const m of mlp.values()) if (!m.disposed) dispose(m);
      if (kept) dispose(kept);
    },
  };
}

/** File names of a PEFT prefix folder. */
export const PREFIX_PEFT_FILES = {
  config: "adapter_config.json",
  weights: "adapter_model.safetensors",
} as const;

/**
 * The prefix-tuning strategy: GPT-2 frozen, a prefix of `options.prefixLength` (10) tokens through
 * an MLP of width `options.prefixHidden` (512); the prefix and the task's head train. After
 * training the computed prefix is kept and saved in PEFT's layout.
 */
export const PREFIX: Strategy = {
  name: "prefix",
  summary:
    "prefix-tuning: trainable keys/values prepended to every layer, GPT-2 frozen (Li & Liang 2021)",
  tasks: ["sonnet", "sst", "cfimdb", "quora"],
  attach(model, context) {
    freezeAll(model);
    const prefix = attachPrefix(model, {
      length: context.options.prefixLength ?? 10,
      hidden: context.options.prefixHidden ?? 512,
      seed: (Math.imul(context.seed, 2654435761) + 0x70726566) >>> 0,
    });
    return {
      params: () => prefix.params(),
      paramGroups: () => singleGroup(model, context, prefix.params()),
      async save(dir) {
        await prefix.keepComputed();
        await prefix.save(dir, context.taskParams.size > 0 ? "SEQ_CLS" : "CAUSAL_LM");
      },
      beforeInference: () => prefix.keepComputed(),
      detach: () => prefix.detach(),
    };
  },
};
