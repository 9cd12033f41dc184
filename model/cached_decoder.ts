/**
 * Decoding with a key/value cache allocated once per generation (kernels/kv_cache.ts) and a
 * decoding step recorded once and replayed (kernels/capture.ts): after the prompt's forward pass,
 * each step writes one small state buffer (column, token ids, positions) and replays the same
 * dispatches, so no buffer, bind group or uniform is created and the cache is never copied.
 *
 * @module
 */
import { captureCommands, type Recording } from "../kernels/capture.ts";
import { decodeEmbedding } from "../kernels/decode_embedding.ts";
import { add, biasAdd } from "../kernels/elementwise.ts";
import { gelu } from "../kernels/gelu.ts";
import { DECODE_MAX_KEYS, decodeAttention, kvAppend, kvPlace } from "../kernels/kv_cache.ts";
import { layerNorm } from "../kernels/layer_norm.ts";
import { gatherLastToken } from "../kernels/pooling.ts";
import { rowHeadMatmul, type TransposedHead } from "../kernels/row_head.ts";
import { type DeviceSampling, sampleTokens } from "../kernels/sample_tokens.ts";
import { reshape } from "../kernels/shape.ts";
import { empty, type Tensor } from "../kernels/tensor.ts";
import type { GPT2 } from "./gpt2.ts";
import { EOS_ID } from "./tokenizer.ts";

/**
 * Left-pads prompts with EOS to the longest: ids, mask (1 = real) and positions counted from each
 * prompt's first real token, all B × T.
 *
 * @example
 * ```ts
 * leftPad([[5, 6], [7]]).ids; // [5, 6, 50256, 7]
 * ```
 */
export function leftPad(seqs: number[][]): {
  ids: Int32Array;
  mask: Float32Array;
  positions: Int32Array;
  T: number;
  B: number;
} {
  const T = Math.max(...seqs.map((s) => s.length));
  const B = seqs.length;
  const ids = new Int32Array(B * T).fill(EOS_ID);
  const mask = new Float32Array(B * T);
  const positions = new Int32Array(B * T);
  seqs.forEach((s, b) => {
    const pad = T - s.length;
    s.forEach((id, t) => {
      ids[b * T + pad + t] = id;
      mask[b * T + pad + t] = 1;
      positions[b * T + pad + t] = t;
    });
  });
  return { ids, mask, positions, T, B };
}

/**
 * A generation's in-place cache and recorded decoding step. Start it with
 * {@link CachedDecoder.start} on the prompts, call {@link CachedDecoder.step} once per new token
 * with every sequence grown by one token, and dispose it.
 *
 * @example
 * ```ts
 * import { loadModel } from "./load.ts";
 * import { argmax } from "./sampling.ts";
 * const model = await loadModel("tiny");
 * const V = model.config.vocabSize;
 * const seqs = [[464, 3290, 318], [40]];
 * const { decoder, logits } = await CachedDecoder.start(model, seqs, 4, null);
 * seqs.forEach((s, b) => s.push(argmax(logits!.subarray(b * V, (b + 1) * V))));
 * const next = await decoder.step(seqs); // (B × V) logits of the following token
 * console.log(next.length / V); // 2
 * decoder.dispose();
 * model.dispose();
 * ```
 */
export class CachedDecoder {
  readonly #model: GPT2;
  readonly #keys: Tensor[];
  readonly #values: Tensor[];
  readonly #state: Tensor;
  readonly #stateData: Int32Array<ArrayBuffer>;
  readonly #recording: Recording;
  readonly #logits: Tensor;
  readonly #promptColumns: number;
  readonly #batch: number;
  readonly #sampling: Omit<DeviceSampling, "randAt"> | null;
  /** Logits of the prompts' last tokens, kept on the device for {@link sampleFirst}. */
  #prefillLogits: Tensor | null;
  /** The recorded device sampler of the step's logits. */
  readonly #sampler: { recording: Recording; ids: Tensor } | null;

  private constructor(
    model: GPT2,
    keys: Tensor[],
    values: Tensor[],
    state: Tensor,
    stateData: Int32Array<ArrayBuffer>,
    promptColumns: number,
    head: TransposedHead | null,
    prefillLogits: Tensor,
    sampling: Omit<DeviceSampling, "randAt"> | null,
  ) {
    this.#model = model;
    this.#keys = keys;
    this.#values = values;
    this.#state = state;
    this.#stateData = stateData;
    this.#promptColumns = promptColumns;
    const B = stateData.length / 4 | 0;
    this.#batch = B;
    this.#sampling = sampling;
    this.#prefillLogits = prefillLogits;
    const gpu = model.gpu;
    const { result, recording } = captureCommands(
      gpu,
      () => gpu.noGrad(() => this.#stepForward(head)),
    );
    gpu.keep(result);
    this.#logits = result;
    this.#recording = recording;
    if (sampling) {
      const sampler = captureCommands(
        gpu,
        () => sampleTokens(result, state, { ...sampling, randAt: 1 + 3 * B }),
      );
      gpu.keep(sampler.result);
      this.#sampler = { recording: sampler.recording, ids: sampler.result };
    } else this.#sampler = null;
  }

  /**
   * Whether `batch` sequences of up to `columns` cache columns (prefix included) fit the kernels:
   * one layer's cache within one storage binding and at most {@link DECODE_MAX_KEYS} columns.
   */
  static fits(model: GPT2, batch: number, columns: number): boolean {
    const bytes = batch * columns * model.config.nEmbd * 4;
    return columns <= DECODE_MAX_KEYS && bytes <= model.gpu.maxBindingBytes &&
      batch * model.config.vocabSize * 4 <= model.gpu.maxBindingBytes;
  }

  /** Cache columns a generation of `maxNewTokens` from these prompts needs (prefix included). */
  static columns(model: GPT2, seqs: number[][], maxNewTokens: number): number {
    const T = Math.max(...seqs.map((s) => s.length));
    return model.prefixLength + Math.min(T + Math.max(1, maxNewTokens), model.contextRoom);
  }

  /**
   * Runs the prompts' forward pass, fills the cache (prefix, then the left-padded prompts) and
   * records the decoding step; returns the decoder and the next-token logits (B × V), or, with
   * `sampling` (choosing on the device, kernels/sample_tokens.ts), no logits: call
   * {@link sampleFirst} then {@link stepIds}.
   */
  static async start(
    model: GPT2,
    seqs: number[][],
    maxNewTokens: number,
    head: TransposedHead | null,
    sampling: Omit<DeviceSampling, "randAt"> | null = null,
  ): Promise<{ decoder: CachedDecoder; logits: Float32Array | null }> {
    const gpu = model.gpu;
    const c = model.config;
    const { ids, mask, positions, T, B } = leftPad(seqs);
    const P = model.prefixLength;
    const cap = CachedDecoder.columns(model, seqs, maxNewTokens);
    const D = c.nEmbd / c.nHead;
    const cache = () => {
      const t = empty(gpu, [B, c.nHead, cap, D]);
      gpu.keep(t);
      return t;
    };
    const keys = Array.from({ length: c.nLayer }, cache);
    const values = Array.from({ length: c.nLayer }, cache);
    // [column, ids (B), positions (B), padding (B), uniform numbers as f32 bits (B)]
    const stateData = new Int32Array(4 * B + 1);
    seqs.forEach((s, b) => stateData[1 + 2 * B + b] = T - s.length);
    const state = empty(gpu, [stateData.length], "i32");
    gpu.keep(state);
    let decoder: CachedDecoder | null = null;
    try {
      const prefill = gpu.scope(() => {
        const r = gpu.noGrad(() =>
          model.forward({ ids, batch: B, seqLen: T, mask, positions }, { useCache: true })
        );
        const prefixes = gpu.noGrad(() => model.attentionPrefixes(B));
        for (let l = 0; l < c.nLayer; l++) {
          if (prefixes) {
            kvPlace(prefixes[l].k, keys[l], 0);
            kvPlace(prefixes[l].v, values[l], 0);
          }
          kvPlace(r.cache!.layers[l].k, keys[l], P);
          kvPlace(r.cache!.layers[l].v, values[l], P);
        }
        const last = gatherLastToken(r.hidden, new Array(B).fill(T)); // (B, C)
        return gpu.noGrad(() => head ? rowHeadMatmul(last, head) : model.logits(last));
      });
      gpu.keep(prefill);
      decoder = new CachedDecoder(
        model,
        keys,
        values,
        state,
        stateData,
        P + T,
        head,
        prefill,
        sampling,
      );
      if (sampling) return { decoder, logits: null };
      const logits = await prefill.readFloat();
      decoder.#dropPrefill();
      return { decoder, logits };
    } finally {
      if (!decoder) { for (const t of [...keys, ...values, state]) t.dispose(); }
    }
  }

  /** The recorded step: embed the new tokens, write their keys/values, attend, head. */
  #stepForward(head: TransposedHead | null): Tensor {
    const model = this.#model;
    const c = model.config;
    const B = this.#batch;
    const ctx = { training: false, seed: 0 };
    const ln = (x: Tensor, name: string) =>
      layerNorm(x, model.param(name + ".weight"), model.param(name + ".bias"), c.layerNormEpsilon);
    const state = this.#state;
    const offsets = model.hiddenOffsets(); // a strategy's hidden-state offsets, as in forward()
    const offset = (t: Tensor, o: Tensor | null | undefined) => o ? biasAdd(t, o) : t;
    let x = decodeEmbedding(model.param("wte.weight"), model.param("wpe.weight"), state, {
      batch: B,
      idsAt: 1,
      posAt: 1 + B,
    }); // (B, 1, C)
    for (let l = 0; l < c.nLayer; l++) {
      const h = `h.${l}.`;
      x = offset(x, offsets?.blocks?.[l]);
      const qkv = model.linear(ln(x, h + "ln_1"), h + "attn.c_attn", ctx); // (B, 1, 3C)
      kvAppend(qkv, this.#keys[l], this.#values[l], state);
      const attended = decodeAttention(qkv, this.#keys[l], this.#values[l], state, {
        prefix: model.prefixLength,
        skipAt: 1 + 2 * B,
      });
      x = add(x, model.linear(attended, h + "attn.c_proj", ctx));
      const up = gelu(model.linear(ln(x, h + "ln_2"), h + "mlp.c_fc", ctx));
      x = add(x, model.linear(up, h + "mlp.c_proj", ctx));
    }
    const last = reshape(offset(ln(x, "ln_f"), offsets?.final), [B, c.nEmbd]);
    return head ? rowHeadMatmul(last, head) : model.logits(last);
  }

  /**
   * One decoding step: feeds each sequence's last token (every sequence must have grown by one
   * token since the previous call) and returns the next-token logits (B × V).
   */
  async step(seqs: number[][]): Promise<Float32Array> {
    this.#advance(seqs);
    this.#model.gpu.write(this.#state.buffer, 0, this.#stateData);
    this.#recording.replay();
    return await this.#logits.readFloat();
  }

  /**
   * The first new token of every sequence, chosen on the device from the prompts' logits with
   * one uniform number per sequence (decoders started with `sampling` only).
   */
  async sampleFirst(uniforms: Float32Array): Promise<Int32Array> {
    const logits = this.#prefillLogits;
    const sampling = this.#sampling;
    if (!sampling || !logits) {
      throw new Error("CachedDecoder.sampleFirst: needs a decoder started with sampling, once");
    }
    this.#writeUniforms(uniforms);
    const gpu = this.#model.gpu;
    gpu.write(this.#state.buffer, 0, this.#stateData);
    const B = this.#batch;
    const ids = gpu.scope(() =>
      sampleTokens(logits, this.#state, { ...sampling, randAt: 1 + 3 * B })
    );
    try {
      return new Int32Array(await ids.read());
    } finally {
      ids.dispose();
      this.#dropPrefill();
    }
  }

  /** {@link step} with the next token chosen on the device: one id per sequence. */
  async stepIds(seqs: number[][], uniforms: Float32Array): Promise<Int32Array> {
    if (!this.#sampler) throw new Error("CachedDecoder.stepIds: the decoder has no sampling");
    this.#writeUniforms(uniforms);
    this.#advance(seqs);
    this.#model.gpu.write(this.#state.buffer, 0, this.#stateData);
    this.#recording.replay();
    this.#sampler.recording.replay();
    return new Int32Array(await this.#sampler.ids.read());
  }

  #writeUniforms(uniforms: Float32Array): void {
    const B = this.#batch;
    if (uniforms.length !== B) {
      throw new Error(`CachedDecoder: ${uniforms.length} uniform numbers for ${B} sequences`);
    }
    new Float32Array(this.#stateData.buffer, (1 + 3 * B) * 4, B).set(uniforms);
  }

  #dropPrefill(): void {
    this.#prefillLogits?.dispose();
    this.#prefillLogits = null;
  }

  /** Moves the state to the next column with each sequence's last token and position. */
  #advance(seqs: number[][]): void {
    const B = this.#batch;
    if (seqs.length !== B) {
      throw new Error(`CachedDecoder.step: ${seqs.length} sequences, not ${B}`);
    }
    const data = this.#stateData;
    const column = data[0] === 0 ? this.#promptColumns : data[0] + 1;
    const cap = this.#keys[0].shape[2];
    if (column >= cap) {
      throw new Error(`CachedDecoder.step: column ${column} is past the cache's ${cap} columns`);
    }
    data[0] = column;
    seqs.forEach((s, b) => {
      data[1 + b] = s[s.length - 1];
      data[1 + B + b] = s.length - 1;
    });
  }

  /** Frees the cache, the recorded step and its buffers. */
  dispose(): void {
    this.#recording.dispose();
    this.#sampler?.recording.dispose();
    this.#sampler?.ids.dispose();
    this.#dropPrefill();
    for (const t of [...this.#keys, ...this.#values, this.#state, this.#logits]) t.dispose();
  }
}
