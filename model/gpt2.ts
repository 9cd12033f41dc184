/**
 * GPT-2 on the WebGPU kernels, with Hugging Face semantics: token + position embeddings,
 * embedding/attention/residual dropout, pre-LayerNorm blocks, tanh GELU, final LayerNorm and an
 * LM head tied to the token embedding. Parameters are named as in HF's `model.safetensors`.
 *
 * Extension points for strategies (the model never names a strategy): per-parameter
 * `requiresGrad` (freezing), per-layer attention prefixes (prefix-tuning), additive adapters
 * on any linear layer (LoRA) and hidden-state offsets (a vector added to every position's
 * residual stream before chosen blocks, or to the final hidden state).
 *
 * @module
 */
import type { Gpu } from "../kernels/gpu.ts";
import { type Tensor, tensorFrom } from "../kernels/tensor.ts";
import { add, biasAdd } from "../kernels/elementwise.ts";
import { matmul } from "../kernels/matmul.ts";
import { layerNorm } from "../kernels/layer_norm.ts";
import { gelu } from "../kernels/gelu.ts";
import { embedding } from "../kernels/embedding.ts";
import { dropout } from "../kernels/dropout.ts";
import { reshape } from "../kernels/shape.ts";
import { concatSeq, mergeHeads, splitHeads } from "../kernels/heads.ts";
import { causalSelfAttention } from "../kernels/attention.ts";
import { type GPT2Config, parameterShapes, shapeSize } from "./config.ts";

/** One batch of token ids, B × T row-major, with optional padding mask and positions. */
export interface ModelInput {
  /** Token ids, B × T. */
  ids: Int32Array;
  /** Batch size B. */
  batch: number;
  /** Sequence length T. */
  seqLen: number;
  /** 1 for real tokens, 0 for padding (B × T); default all real. */
  mask?: Float32Array;
  /** Position ids (B × T); default `past + t`. */
  positions?: Int32Array;
}

/** Cached keys and values of earlier positions, per layer, each (B, H, T_past, D). */
export interface KVCache {
  /** Per layer: keys and values. */
  layers: { k: Tensor; v: Tensor }[];
  /** Number of cached positions. */
  length: number;
  /** Key padding mask of the cached positions (B × T_past), if any. */
  mask?: Float32Array;
}

/** Trainable virtual keys/values prepended to a layer's attention (prefix-tuning). */
export interface AttentionPrefix {
  /** Keys (B, H, P, D). */
  k: Tensor;
  /** Values (B, H, P, D). */
  v: Tensor;
}

/** What an adapter sees of the forward pass it runs in. */
export interface AdapterContext {
  /** Training mode (dropout on). */
  training: boolean;
  /** The forward's dropout seed. */
  seed: number;
}

/**
 * An additive term on a linear layer's output, given the layer's input rows (N, in) (LoRA):
 * y = x·W + b + adapter(x). `delta` gives the same term as a weight update (in, out) on the host,
 * for exporting merged weights; an adapter without one cannot be merged.
 */
export interface LinearAdapter {
  /** The term (N, out). */
  forward(input: Tensor, context: AdapterContext): Tensor;
  /** ΔW (in, out) with x·ΔW equal to the term without dropout, read to the host. */
  delta?(): Promise<Float32Array>;
}

/** Per-layer attention prefixes for a batch of `batch` sequences (prefix-tuning). */
export type AttentionPrefixSource = (batch: number) => AttentionPrefix[];

/**
 * Offsets (C) added to every position's hidden state, computed once per forward: `blocks[l]` to
 * the residual stream entering block l (`blocks[0]`: the embeddings' output), `final` to the
 * final LayerNorm's output, which the LM head and the classification heads read.
 */
export interface HiddenOffsets {
  /** Per block (length ≤ L; null or absent: none). */
  blocks?: (Tensor | null)[];
  /** Added after the final LayerNorm. */
  final?: Tensor | null;
}

/** Computes the hidden-state offsets of one forward. */
export type HiddenOffsetSource = () => HiddenOffsets;

/** Options of {@link GPT2.forward}. */
export interface ForwardOptions {
  /** Apply dropout (training mode). Default false (evaluation, as HF's `model.eval()`). */
  training?: boolean;
  /** Dropout seed; each call site draws its own stream from it. */
  seed?: number;
  /** Past keys/values (generation). */
  cache?: KVCache;
  /** Return the updated cache. */
  useCache?: boolean;
}

/** Output of {@link GPT2.forward}. */
export interface ForwardResult {
  /** Final-LayerNorm hidden states (B, T, C). */
  hidden: Tensor;
  /** Updated cache when `useCache` was set. */
  cache?: KVCache;
}

/**
 * A GPT-2 model whose parameters live on one {@link Gpu}.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "../kernels/gpu.ts";
 * import { PRESETS } from "./config.ts";
 * import { initParameters } from "./init.ts";
 * const gpu = await acquireGpu();
 * const config = PRESETS.tiny;
 * const model = GPT2.fromTensors(gpu, config, initParameters(config, 0));
 * const ids = Int32Array.of(464, 3290);
 * const { hidden } = model.forward({ ids, batch: 1, seqLen: ids.length });
 * const logits = model.logits(hidden);
 * console.log(logits.shape); // [1, 2, 50257]
 * model.dispose();
 * ```
 */
export class GPT2 {
  /** The device. */
  readonly gpu: Gpu;
  /** Hyper-parameters. */
  readonly config: GPT2Config;
  /** Parameters by HF name, in HF order. */
  readonly params: Map<string, Tensor>;
  /**
   * Adapters attached by a strategy, by linear layer name (`h.3.attn.c_attn`): every forward pass
   * (losses, heads, perplexity, generation) adds them.
   */
  readonly adapters: Map<string, LinearAdapter> = new Map();
  /** Prefixes attached by a strategy: prepended to every layer's attention in every forward. */
  private prefixSource: { length: number; source: AttentionPrefixSource } | null = null;
  /** Hidden-state offsets attached by a strategy: added in every forward. */
  private offsetSource: HiddenOffsetSource | null = null;

  private constructor(gpu: Gpu, config: GPT2Config, params: Map<string, Tensor>) {
    this.gpu = gpu;
    this.config = config;
    this.params = params;
  }

  /**
   * Uploads host tensors (by HF name) after checking every name and shape against the config.
   */
  static fromTensors(gpu: Gpu, config: GPT2Config, tensors: Map<string, Float32Array>): GPT2 {
    const params = new Map<string, Tensor>();
    for (const { name, shape } of parameterShapes(config)) {
      const data = tensors.get(name);
      if (!data) throw new Error(`GPT2.fromTensors: missing parameter '${name}'`);
      if (data.length !== shapeSize(shape)) {
        throw new Error(
          `GPT2.fromTensors: '${name}' has ${data.length} values, expected shape [${shape}]`,
        );
      }
      const t = tensorFrom(gpu, data, shape, { requiresGrad: true, name });
      gpu.keep(t);
      params.set(name, t);
    }
    return new GPT2(gpu, config, params);
  }

  /** A parameter by HF name (throws naming it when absent). */
  param(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`GPT2: no parameter '${name}'`);
    return t;
  }

  /** Parameters that currently require gradients. */
  trainable(): Tensor[] {
    return [...this.params.values()].filter((t) => t.requiresGrad);
  }

  /** Marks every parameter trainable (`true`) or frozen (`false`). */
  setTrainable(trainable: boolean, filter: (name: string) => boolean = () => true): void {
    for (const [name, t] of this.params) if (filter(name)) t.requiresGrad = trainable;
  }

  /**
   * Attaches `length` virtual keys/values per layer, computed by `source` for each forward's batch
   * size (null detaches). Real tokens keep their positions; every one sees the whole prefix.
   */
  setAttentionPrefix(length: number, source: AttentionPrefixSource | null): void {
    if (source === null) {
      this.prefixSource = null;
      return;
    }
    if (this.prefixSource) {
      throw new Error("GPT2.setAttentionPrefix: a prefix is already attached (detach it first)");
    }
    if (!Number.isInteger(length) || length < 0 || length >= this.config.nPositions) {
      throw new Error(
        `GPT2.setAttentionPrefix: length must be an integer in [0, ${this.config.nPositions}), ` +
          `got ${length}`,
      );
    }
    this.prefixSource = length > 0 ? { length, source } : null;
  }

  /**
   * Attaches hidden-state offsets, computed by `source` once per forward (null detaches); throws
   * when offsets are already attached.
   */
  setHiddenOffsets(source: HiddenOffsetSource | null): void {
    if (source !== null && this.offsetSource) {
      throw new Error("GPT2.setHiddenOffsets: offsets are already attached (detach them first)");
    }
    this.offsetSource = source;
  }

  /** The attached hidden-state offsets, computed for one forward (none: undefined). */
  hiddenOffsets(): HiddenOffsets | undefined {
    return this.offsetSource?.() ?? undefined;
  }

  /** The attached prefix's keys and values per layer for `batch` sequences (none: undefined). */
  attentionPrefixes(batch: number): AttentionPrefix[] | undefined {
    return this.prefixSource?.source(batch);
  }

  /** Virtual tokens of the attached prefix (0 when none). */
  get prefixLength(): number {
    return this.prefixSource?.length ?? 0;
  }

  /** Real tokens one sequence may hold: the context less the attached prefix's keys. */
  get contextRoom(): number {
    return this.config.nPositions - this.prefixLength;
  }

  /**
   * Runs the transformer to the final LayerNorm.
   */
  forward(input: ModelInput, options: ForwardOptions = {}): ForwardResult {
    const { batch: B, seqLen: T, ids } = input;
    const c = this.config;
    const H = c.nHead;
    const training = options.training ?? false;
    const seed = options.seed ?? 0;
    const past = options.cache?.length ?? 0;
    if (ids.length !== B * T) {
      throw new Error(`GPT2.forward: ${ids.length} ids do not fill batch ${B} × seqLen ${T}`);
    }
    const P = this.prefixLength;
    if (P + past + T > c.nPositions) {
      throw new Error(
        `GPT2.forward: ${P + past + T} keys (${P} prefix + ${past} cached + ${T} new) exceed ` +
          `the model's context of ${c.nPositions}`,
      );
    }
    if (input.mask && input.mask.length !== B * T) {
      throw new Error(`GPT2.forward: mask has ${input.mask.length} values, expected ${B} × ${T}`);
    }
    const positions = input.positions ?? Int32Array.from({ length: B * T }, (_, i) => past + i % T);
    let stream = 0;
    const drop = (x: Tensor, p: number) => dropout(x, p, seed, stream++, training);
    const tok = embedding(this.param("wte.weight"), ids, [B, T]);
    const pos = embedding(this.param("wpe.weight"), positions, [B, T]);
    let x = drop(add(tok, pos), c.embdPdrop);
    const keyMask = concatMask(options.cache?.mask, input.mask, B, past, T);
    // Upload each distinct key mask once per forward, not once per layer.
    const maskTensors = new Map<number, Tensor>();
    const maskFor = (prefixLength: number): Tensor | undefined => {
      if (!keyMask) return undefined;
      let t = maskTensors.get(prefixLength);
      if (!t) {
        const m = prefixLength > 0 ? prefixMask(keyMask, B, prefixLength) : keyMask;
        t = tensorFrom(this.gpu, m, [B, m.length / B]);
        maskTensors.set(prefixLength, t);
      }
      return t;
    };
    const prefixes = this.attentionPrefixes(B);
    const offsets = this.hiddenOffsets();
    const offset = (h: Tensor, o: Tensor | null | undefined) => o ? biasAdd(h, o) : h;
    const adapterContext = { training, seed };
    const newLayers: { k: Tensor; v: Tensor }[] = [];
    for (let l = 0; l < c.nLayer; l++) {
      const h = `h.${l}.`;
      x = offset(x, offsets?.blocks?.[l]);
      const a = layerNorm(
        x,
        this.param(h + "ln_1.weight"),
        this.param(h + "ln_1.bias"),
        c.layerNormEpsilon,
      );
      const qkv = this.linear(a, h + "attn.c_attn", adapterContext);
      let { q, k, v } = splitHeads(qkv, H);
      const cached = options.cache?.layers[l];
      if (cached) {
        k = concatSeq(cached.k, k);
        v = concatSeq(cached.v, v);
      }
      if (options.useCache) newLayers.push({ k, v });
      const prefix = prefixes?.[l];
      const attended = causalSelfAttention(
        q,
        prefix ? concatSeq(prefix.k, k) : k,
        prefix ? concatSeq(prefix.v, v) : v,
        {
          keyMask: maskFor(prefix ? prefix.k.shape[2] : 0),
          queryOffset: past,
          alwaysVisible: prefix ? prefix.k.shape[2] : 0,
          dropout: training && c.attnPdrop > 0 ? { p: c.attnPdrop, seed, stream: stream++ } : null,
        },
      );
      const merged = mergeHeads(attended);
      x = add(x, drop(this.linear(merged, h + "attn.c_proj", adapterContext), c.residPdrop));
      const m = layerNorm(
        x,
        this.param(h + "ln_2.weight"),
        this.param(h + "ln_2.bias"),
        c.layerNormEpsilon,
      );
      const up = gelu(this.linear(m, h + "mlp.c_fc", adapterContext));
      x = add(x, drop(this.linear(up, h + "mlp.c_proj", adapterContext), c.residPdrop));
    }
    const hidden = offset(
      layerNorm(x, this.param("ln_f.weight"), this.param("ln_f.bias"), c.layerNormEpsilon),
      offsets?.final,
    );
    const result: ForwardResult = { hidden };
    if (options.useCache) {
      result.cache = { layers: newLayers, length: past + T, mask: keyMask ?? undefined };
    }
    return result;
  }

  /** `x (…, in) · W (in, out) + b` for the linear layer `name`, plus its adapter if any. */
  linear(x: Tensor, name: string, context: AdapterContext): Tensor {
    const w = this.param(name + ".weight");
    const [inF, outF] = w.shape;
    const lead = x.shape.slice(0, -1);
    const x2 = reshape(x, [x.size / inF, inF]);
    let y = biasAdd(matmul(x2, w), this.param(name + ".bias"));
    const adapter = this.adapters.get(name);
    if (adapter) y = add(y, adapter.forward(x2, context));
    return reshape(y, [...lead, outF]);
  }

  /** LM logits (…, V) = hidden (…, C) · wteᵀ (the tied head). */
  logits(hidden: Tensor): Tensor {
    const C = this.config.nEmbd;
    const rows = hidden.size / C;
    const out = matmul(reshape(hidden, [rows, C]), this.param("wte.weight"), { transB: true });
    return reshape(out, [...hidden.shape.slice(0, -1), this.config.vocabSize]);
  }

  /**
   * The weights to export as a plain GPT-2 checkpoint, by HF name: the parameters with every
   * attached adapter's update merged in (attention prefixes and hidden-state offsets cannot be
   * merged: their strategies save them). Throws naming an adapter that cannot be merged.
   */
  async exportTensors(): Promise<Map<string, Float32Array>> {
    const out = await this.toHost();
    for (const [name, adapter] of this.adapters) {
      if (!adapter.delta) throw new Error(`GPT2.exportTensors: adapter on '${name}' cannot merge`);
      const w = out.get(name + ".weight")!;
      const d = await adapter.delta();
      for (let i = 0; i < w.length; i++) w[i] += d[i];
    }
    return out;
  }

  /** Copies every parameter to the host, by HF name (attached adapters not merged). */
  async toHost(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name, t] of this.params) out.set(name, await t.readFloat());
    return out;
  }

  /** Frees the parameters and their gradients. */
  dispose(): void {
    for (const t of this.params.values()) {
      t.grad?.dispose();
      t.dispose();
    }
  }
}

/** Joins the cached mask and the new mask into one key mask (null when all keys are real). */
function concatMask(
  cached: Float32Array | undefined,
  current: Float32Array | undefined,
  B: number,
  past: number,
  T: number,
): Float32Array | null {
  if (!cached && !current) return null;
  const out = new Float32Array(B * (past + T)).fill(1);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < past; t++) out[b * (past + T) + t] = cached ? cached[b * past + t] : 1;
    for (let t = 0; t < T; t++) out[b * (past + T) + past + t] = current ? current[b * T + t] : 1;
  }
  return out;
}

/** Prepends `P` always-real entries to each row of a key mask. */
function prefixMask(mask: Float32Array, B: number, P: number): Float32Array {
  const T = mask.length / B;
  const out = new Float32Array(B * (P + T)).fill(1);
  for (let b = 0; b < B; b++) out.set(mask.subarray(b * T, (b + 1) * T), b * (P + T) + P);
  return out;
}
