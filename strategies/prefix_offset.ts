/**
 * The study's "prefix-tuning" (its sonnet Task B), kept under its own name `prefix-offset`: not
 * Li & Liang's prefix (`prefix.ts`) but one learned vector added to every position's hidden
 * state. What the study states (`seed/`, SEED.md): Task B is "prefix-tuning: a virtual prefix
 * that steers the style" (가상 prefix로 문체 조정); it "adds one mean-pooled MLP offset to every
 * hidden state"; Task C is it with the study's unlikelihood term. The study gives no shape,
 * length, site, freezing or learning rate for it. Our reading, each a default or a flag:
 *
 * - P virtual token embeddings E (P × C) → Linear(C → `hidden`) → tanh → Linear(→ C), applied per
 *   virtual token, then the mean over the P rows: one offset o (C). P = 10 and width 512 are
 *   borrowed from Li & Liang's prefix (the same reparametrisation, one output of C instead of
 *   2·L·C); PyTorch's default initialisation (E ~ N(0, 1), Linear U(±1/√fan_in)).
 * - Site (`--offset-at`): `blocks` (default) adds o to the residual stream entering every block,
 *   at every position (every layer's hidden state: our reading of "every hidden state"); `final`
 *   adds it only to the final hidden state that the LM head reads (after the final LayerNorm, so
 *   it competes with unit-variance states: it learns far more slowly, see the README's Limits).
 * - GPT-2 frozen (as in any prefix-tuning); only E and the MLP train.
 * - After training only the computed o is kept and saved (`adapter_config.json` with
 *   `peft_type: "HIDDEN_OFFSET"` and `hidden_offset` (C) in `adapter_model.safetensors`: PEFT's
 *   file names, but no PEFT method: PEFT cannot load it; `loadSavedAdapter` does).
 *
 * @module
 */
import { join } from "node:path";
import { biasAdd } from "../kernels/elementwise.ts";
import { matmul } from "../kernels/matmul.ts";
import { reshape } from "../kernels/shape.ts";
import { tanh } from "../kernels/tanh.ts";
import { type Tensor, tensorFrom } from "../kernels/tensor.ts";
import { writeFileAtomic } from "../model/atomic_write.ts";
import type { GPT2, HiddenOffsets } from "../model/gpt2.ts";
import { readSafetensors, writeSafetensors } from "../model/safetensors.ts";
import { freezeAll } from "./freezing.ts";
import { PREFIX_PEFT_FILES } from "./prefix.ts";
import { singleGroup, type Strategy } from "./strategy.ts";
import { trainableInit } from "./trainable_init.ts";
import { withUnlikelihood } from "./unlikelihood.ts";

/** Where the offset is added: the final hidden state, or the input of every block. */
export type OffsetSite = "final" | "blocks";

/** The sites, for flags and errors. */
export const OFFSET_SITES: readonly OffsetSite[] = ["final", "blocks"];

/** Settings of {@linkcode attachPrefixOffset}. */
export interface PrefixOffsetOptions {
  /** Virtual tokens P (≥ 1) whose MLP outputs are averaged. */
  length: number;
  /** Width of the MLP's hidden layer. */
  hidden: number;
  /** Where the offset is added. */
  at: OffsetSite;
  /** Seed of the initialisation. */
  seed: number;
}

/** An offset attached to a model. */
export interface PrefixOffsetAttachment {
  /** Where it is added. */
  at: OffsetSite;
  /** Trainable tensors by name: E and the MLP while training, none once computed. */
  params(): Map<string, Tensor>;
  /** The offset (C) the model adds now. */
  offset(): Tensor;
  /** Computes the offset once, keeps it (frozen) and drops E and the MLP. */
  keepComputed(): Promise<void>;
  /** Writes the computed offset and its config into `dir` (each file atomically). */
  save(dir: string): Promise<void>;
  /** Removes the offset from the model and frees its tensors. */
  detach(): void;
}

function checkSite(at: string, where: string): OffsetSite {
  if (!(OFFSET_SITES as readonly string[]).includes(at)) {
    throw new Error(`${where}: expected ${OFFSET_SITES.join(" or ")}, got ${JSON.stringify(at)}`);
  }
  return at as OffsetSite;
}

function offsetsAt(model: GPT2, at: OffsetSite, o: Tensor): HiddenOffsets {
  return at === "final" ? { final: o } : { blocks: Array(model.config.nLayer).fill(o) };
}

/**
 * Attaches a trainable mean-pooled MLP offset to `model`; throws naming the flag and value when
 * P < 1 or the site is unknown.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny");
 * const offset = attachPrefixOffset(model, { length: 10, hidden: 512, at: "final", seed: 1 });
 * await offset.keepComputed(); // after training: one offset (C) kept, E and the MLP dropped
 * console.log(offset.offset().shape); // [128]
 * offset.detach();
 * model.dispose();
 * ```
 */
export function attachPrefixOffset(
  model: GPT2,
  options: PrefixOffsetOptions,
): PrefixOffsetAttachment {
  const { nEmbd: C } = model.config;
  const P = options.length;
  if (!Number.isInteger(P) || P < 1) {
    throw new Error(`--prefix-length: must be an integer ≥ 1, got ${P}`);
  }
  if (!Number.isInteger(options.hidden) || options.hidden < 1) {
    throw new Error(`prefixHidden: must be an integer ≥ 1, got ${options.hidden}`);
  }
  const at = checkSite(options.at, "--offset-at");
  const gpu = model.gpu;
  const { make, normal, uniform: u } = trainableInit(gpu, options.seed);
  const Hd = options.hidden;
  const mlp = new Map<string, Tensor>([
    ["offset.embedding", make([P, C], "offset.embedding", normal)],
    ["offset.mlp.0.weight", make([C, Hd], "offset.mlp.0.weight", u(C))],
    ["offset.mlp.0.bias", make([Hd], "offset.mlp.0.bias", u(C))],
    ["offset.mlp.2.weight", make([Hd, C], "offset.mlp.2.weight", u(Hd))],
    ["offset.mlp.2.bias", make([C], "offset.mlp.2.bias", u(Hd))],
  ]);
  const compute = (): Tensor => {
    const p = (n: string) => mlp.get(n)!;
    const h = tanh(
      biasAdd(matmul(p("offset.embedding"), p("offset.mlp.0.weight")), p("offset.mlp.0.bias")),
    );
    const rows = biasAdd(matmul(h, p("offset.mlp.2.weight")), p("offset.mlp.2.bias")); // (P, C)
    const mean = tensorFrom(gpu, new Float32Array(P).fill(1 / P), [1, P]);
    return reshape(matmul(mean, rows), [C]);
  };
  return offsetAttachment(model, at, { P, hidden: Hd }, mlp, compute, null);
}

/**
 * Attaches a computed offset `values` (C), frozen (a saved one loaded back); throws naming
 * `where` and both shapes when its length is not the model's width.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny");
 * const offset = attachComputedOffset(model, new Float32Array(128), "final", "my offset");
 * offset.detach(); // a zero offset: the model is unchanged while it is attached
 * model.dispose();
 * ```
 */
export function attachComputedOffset(
  model: GPT2,
  values: Float32Array,
  at: OffsetSite,
  where: string,
  meta: { P: number; hidden: number } = { P: 0, hidden: 0 },
): PrefixOffsetAttachment {
  const C = model.config.nEmbd;
  if (values.length !== C) {
    throw new Error(`${where}: the offset has shape [${values.length}], the model needs [${C}]`);
  }
  const kept = tensorFrom(model.gpu, values, [C], { name: "offset" });
  model.gpu.keep(kept);
  return offsetAttachment(model, checkSite(at, where), meta, new Map(), () => kept, kept);
}

function offsetAttachment(
  model: GPT2,
  at: OffsetSite,
  meta: { P: number; hidden: number },
  mlp: Map<string, Tensor>,
  compute: () => Tensor,
  computed: Tensor | null,
): PrefixOffsetAttachment {
  const gpu = model.gpu;
  let kept = computed;
  const offset = () => kept ?? compute();
  model.setHiddenOffsets(() => offsetsAt(model, at, offset()));
  const dispose = (t: Tensor) => {
    t.grad?.dispose();
    if (!t.disposed) t.dispose();
  };
  return {
    at,
    params: () => kept ? new Map() : new Map(mlp),
    offset,
    keepComputed() {
      if (kept) return Promise.resolve();
      const t = gpu.noGrad(() => compute());
      gpu.keep(t);
      kept = t;
      for (const m of mlp.values()) dispose(m);
      return Promise.resolve();
    },
    async save(dir) {
      await Deno.mkdir(dir, { recursive: true });
      const data = await gpu.scopeAsync(() => gpu.noGrad(() => offset()).readFloat());
      const { nEmbd: C, nLayer: L } = model.config;
      await writeSafetensors(
        join(dir, PREFIX_PEFT_FILES.weights),
        new Map([[OFFSET_KEY, { shape: [C], data }]]),
        { format: "pt" },
      );
      const config = {
        peft_type: HIDDEN_OFFSET,
        offset_at: at,
        token_dim: C,
        num_layers: L,
        num_virtual_tokens: meta.P,
        encoder_hidden_size: meta.hidden,
        inference_mode: true,
      };
      await writeFileAtomic(
        join(dir, PREFIX_PEFT_FILES.config),
        JSON.stringify(config, null, 2) + "\n",
      );
    },
    detach() {
      model.setHiddenOffsets(null);
      for (const m of mlp.values()) dispose(m);
      if (kept) dispose(kept);
    },
  };
}

/** `peft_type` of a saved offset (this toolkit's; not a PEFT method). */
export const HIDDEN_OFFSET = "HIDDEN_OFFSET";
/** Tensor key of a saved offset. */
export const OFFSET_KEY = "hidden_offset";

/**
 * Loads an offset saved by {@linkcode PrefixOffsetAttachment.save} onto `model`, frozen. Throws
 * naming the file and both shapes when it was saved from a model of another width or depth.
 *
 * @example
 * ```ts
 * import { loadModel } from "../model/load.ts";
 * const model = await loadModel("tiny");
 * const dir = await Deno.makeTempDir();
 * const trained = attachPrefixOffset(model, { length: 4, hidden: 16, at: "blocks", seed: 1 });
 * await trained.keepComputed();
 * await trained.save(dir);
 * trained.detach();
 * const loaded = await loadPrefixOffset(model, dir); // the same offset, frozen
 * loaded.detach();
 * model.dispose();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadPrefixOffset(model: GPT2, dir: string): Promise<PrefixOffsetAttachment> {
  const configFile = join(dir, PREFIX_PEFT_FILES.config);
  const file = join(dir, PREFIX_PEFT_FILES.weights);
  const c = JSON.parse(await Deno.readTextFile(configFile));
  if (c.peft_type !== HIDDEN_OFFSET) {
    throw new Error(
      `${configFile}: peft_type is ${JSON.stringify(c.peft_type)}, not "${HIDDEN_OFFSET}"`,
    );
  }
  const { nEmbd: C, nLayer: L } = model.config;
  if (c.token_dim !== C || c.num_layers !== L) {
    throw new Error(
      `${configFile}: saved for n_layer ${c.num_layers}, n_embd ${c.token_dim}; the model has ` +
        `n_layer ${L}, n_embd ${C}`,
    );
  }
  const saved = (await readSafetensors(file)).get(OFFSET_KEY);
  if (!saved) throw new Error(`${file}: no tensor '${OFFSET_KEY}'`);
  if (saved.shape.length !== 1 || saved.shape[0] !== C) {
    throw new Error(`${file}: '${OFFSET_KEY}' has shape [${saved.shape}], the model needs [${C}]`);
  }
  return attachComputedOffset(model, saved.data, c.offset_at, `${configFile}: offset_at`, {
    P: c.num_virtual_tokens ?? 0,
    hidden: c.encoder_hidden_size ?? 0,
  });
}

/**
 * The study's prefix-tuning (Task B) as it describes it: GPT-2 frozen, one mean-pooled MLP
 * offset (P `options.prefixLength` = 10, width `options.prefixHidden` = 512) added at
 * `options.offsetAt` (`blocks`). After training the computed offset is kept and saved.
 */
export const PREFIX_OFFSET: Strategy = {
  name: "prefix-offset",
  summary:
    "the study's prefix-tuning: one mean-pooled MLP offset added to every hidden state, GPT-2 frozen",
  tasks: ["sonnet"],
  attach(model, context) {
    freezeAll(model);
    const offset = attachPrefixOffset(model, {
      length: context.options.prefixLength ?? 10,
      hidden: context.options.prefixHidden ?? 512,
      at: (context.options.offsetAt ?? "blocks") as OffsetSite,
      seed: (Math.imul(context.seed, 2654435761) + 0x6f666673) >>> 0,
    });
    return {
      params: () => offset.params(),
      paramGroups: () => singleGroup(model, context, offset.params()),
      async save(dir) {
        await offset.keepComputed();
        await offset.save(dir);
      },
      beforeInference: () => offset.keepComputed(),
      detach: () => offset.detach(),
    };
  },
};

/** The study's Task C as it describes it: its offset prefix with its 5-token-window unlikelihood. */
export const PREFIX_OFFSET_UNLIKELIHOOD: Strategy = withUnlikelihood(
  PREFIX_OFFSET,
  "prefix-offset-unlikelihood",
  "the study's Task C: prefix-offset + unlikelihood (its row: window:5 candidates)",
  ["sonnet"],
);
