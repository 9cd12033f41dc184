/**
 * Autoregressive generation with a KV cache (or full recomputation), for a batch of prompts of
 * different lengths (left-padded, positions counted from each prompt's first real token).
 *
 * @module
 */
import { gatherLastToken } from "../kernels/pooling.ts";
import {
  ROW_HEAD_MAX_ROWS,
  rowHeadMatmul,
  type TransposedHead,
  transposeHead,
} from "../kernels/row_head.ts";
import type { Tensor } from "../kernels/tensor.ts";
import type { GPT2, KVCache } from "./gpt2.ts";
import { CachedDecoder, leftPad } from "./cached_decoder.ts";
import {
  chooseToken,
  type LogitsProcessor,
  type SamplingOptions,
  seededRandom,
  streamSeed,
} from "./sampling.ts";
import { EOS_ID } from "./tokenizer.ts";
import { checkDeviceSampling, type DeviceSampling } from "../kernels/sample_tokens.ts";

/** Options of {@link generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to add per sequence. */
  maxNewTokens: number;
  /** Seed of the sampling RNG (same seed ⇒ same text). */
  seed?: number;
  /**
   * Random stream id of each sequence (default: its index in the batch). Each sequence draws
   * from its own stream, seeded by (seed, stream id), so a sequence's sample does not depend on
   * what else is in the batch: give a prompt the same id alone and in a batch and it gets the
   * same tokens. For several samples per prompt use `sampleStream(promptIndex, sampleIndex)`.
   */
  streams?: readonly number[];
  /** Tokens that end a sequence (kept in the output); default `[50256]`. */
  stopTokens?: number[];
  /** Run through these, in order, on each sequence's logits before choosing. */
  processors?: LogitsProcessor[];
  /** Reuse keys/values of earlier positions (default true). */
  useCache?: boolean;
  /**
   * With the cache: keep it in one allocation per generation, written in place, and replay a
   * recorded decoding step (default true, model/cached_decoder.ts); false grows it by
   * concatenation each step (the earlier path, kept for comparison and for batches whose cache
   * does not fit one storage binding, which use it automatically).
   */
  inPlaceCache?: boolean;
  /**
   * Where the next token is chosen: `"host"` (default: model/sampling.ts, f64, after the logits
   * processors) or `"device"` (kernels/sample_tokens.ts: temperature, top-k and top-p on the
   * device in f32, one id per sequence read back instead of its logits). The device draws from
   * the same per-sequence streams and equals the host's draw except within f32 rounding of a
   * boundary; it cannot run `processors`, and batches that do not fit the in-place cache fall
   * back to the host. On llvmpipe it is slower than the host (README, Benchmarks).
   */
  sampleOn?: "host" | "device";
  /** Stop a sequence when this returns true (e.g. 14 lines written). */
  stopWhen?: (generated: readonly number[], batchIndex: number) => boolean;
}

/** Generated tokens per prompt (without the prompt). */
export interface GenerateResult {
  /** New tokens of each sequence, including a stop token if one ended it. */
  tokens: number[][];
  /** Why each sequence ended. */
  finishReasons: ("stop" | "length" | "context")[];
}

/**
 * Generates continuations of `prompts` (token id lists).
 *
 * @example
 * ```ts
 * import { loadModel } from "./load.ts";
 * import { decode, encode } from "./tokenizer.ts";
 * const model = await loadModel("tiny"); // random weights: the words are random too
 * const { tokens } = await generate(model, [encode("Shall I compare thee")], {
 *   maxNewTokens: 4,
 *   temperature: 0.8,
 *   topP: 0.9,
 *   seed: 1,
 * });
 * console.log(decode(tokens[0]));
 * model.dispose();
 * ```
 */
export async function generate(
  model: GPT2,
  prompts: number[][],
  options: GenerateOptions,
): Promise<GenerateResult> {
  if (prompts.length === 0) return { tokens: [], finishReasons: [] };
  prompts.forEach((p, b) => {
    if (p.length === 0) throw new Error(`generate: prompt ${b} is empty`);
    if (p.length > model.contextRoom) {
      throw new Error(
        `generate: prompt ${b} has ${p.length} tokens, over the context of ${model.contextRoom}`,
      );
    }
  });
  const gpu = model.gpu;
  const stop = new Set(options.stopTokens ?? [EOS_ID]);
  const streams = options.streams ?? prompts.map((_, b) => b);
  if (streams.length !== prompts.length) {
    throw new Error(`generate: ${streams.length} streams for ${prompts.length} prompts`);
  }
  const randoms = streams.map((id, b) => {
    if (!Number.isSafeInteger(id) || id < 0) {
      throw new Error(`generate: stream ${b} is ${id}, not a non-negative integer`);
    }
    return seededRandom(streamSeed(options.seed ?? 0, id));
  });
  const useCache = options.useCache ?? true;
  const seqs = prompts.map((p) => [...p]);
  const out: number[][] = prompts.map(() => []);
  const reasons: GenerateResult["finishReasons"] = prompts.map(() => "length");
  const done = prompts.map(() => false);
  let cache: KVCache | undefined;
  let decoder: CachedDecoder | null = null;
  const inPlace = useCache && (options.inPlaceCache ?? true) &&
    CachedDecoder.fits(
      model,
      prompts.length,
      CachedDecoder.columns(model, prompts, options.maxNewTokens),
    );
  const sample = options.sample ?? ((options.temperature ?? 0) > 0);
  const device = inPlace && options.sampleOn === "device" ? deviceSampling(options, sample) : null;
  /** One uniform number per sequence still running, drawn from its own stream. */
  const uniforms = () => Float32Array.from(seqs, (_, b) => !done[b] && sample ? randoms[b]() : 0);
  // The head's weight transposed once for the whole generation (a decoding step's few rows
  // stream it as a matrix-vector product, kernels/row_head.ts); larger batches use the matmul.
  const head = prompts.length <= 4 * ROW_HEAD_MAX_ROWS && model.config.nEmbd % 4 === 0
    ? transposeHead(model.param("wte.weight"))
    : null;
  try {
    for (let step = 0; step < options.maxNewTokens && done.some((d) => !d); step++) {
      let logits: Float32Array | null = null;
      let chosen: Int32Array | null = null;
      if (decoder) {
        if (device) chosen = await decoder.stepIds(seqs, uniforms());
        else logits = await decoder.step(seqs);
      } else if (inPlace) {
        const started = await CachedDecoder.start(model, seqs, options.maxNewTokens, head, device);
        decoder = started.decoder;
        if (device) chosen = await decoder.sampleFirst(uniforms());
        else logits = started.logits;
      } else {
        const next = await nextLogits(model, seqs, cache, useCache, head);
        [cache, logits] = [next.cache, next.logits];
      }
      const V = model.config.vocabSize;
      const t0 = performance.now();
      seqs.forEach((s, b) => {
        if (done[b]) {
          s.push(EOS_ID);
          return;
        }
        let id: number;
        if (chosen) id = chosen[b];
        else {
          const row = logits!.slice(b * V, (b + 1) * V);
          for (const p of options.processors ?? []) {
            p(row, { tokens: s, generated: out[b], batchIndex: b });
          }
          id = chooseToken(row, options, randoms[b]);
        }
        s.push(id);
        out[b].push(id);
        if (stop.has(id)) [done[b], reasons[b]] = [true, "stop"];
        else if (options.stopWhen?.(out[b], b)) [done[b], reasons[b]] = [true, "stop"];
        else if (s.length >= model.contextRoom) [done[b], reasons[b]] = [true, "context"];
      });
      gpu.profiler?.addHost("sampling and processors", performance.now() - t0);
      if (seqs.some((s) => s.length >= model.contextRoom)) {
        seqs.forEach((_, b) => {
          if (!done[b]) [done[b], reasons[b]] = [true, "context"];
        });
      }
    }
  } finally {
    head?.dispose();
    decoder?.dispose();
    if (cache) releaseCache(cache);
  }
  return { tokens: out, finishReasons: reasons };
}

/** The device sampler's settings for these options (throws naming a bad one). */
function deviceSampling(
  options: GenerateOptions,
  sample: boolean,
): Omit<DeviceSampling, "randAt"> {
  if ((options.processors ?? []).length > 0) {
    throw new Error(
      `generate: sampleOn "device" cannot run logits processors (they edit the logits on the ` +
        `host); use sampleOn "host"`,
    );
  }
  const settings = {
    greedy: !sample,
    temperature: options.temperature ?? 1,
    topK: options.topK ?? 0,
    topP: options.topP ?? 1,
  };
  checkDeviceSampling(settings);
  return settings;
}

/**
 * One forward pass (the whole left-padded batch on the first step or without a cache, else the
 * last token of each sequence against the cache) and the next-token logits of every sequence,
 * read back. Returns the new cache; the old one is released.
 */
async function nextLogits(
  model: GPT2,
  seqs: number[][],
  previous: KVCache | undefined,
  useCache: boolean,
  head: TransposedHead | null,
): Promise<{ logits: Float32Array; cache: KVCache | undefined }> {
  const gpu = model.gpu;
  const B = seqs.length;
  let cache = previous;
  const logits = await gpu.scopeAsync(async () => {
    let hidden: Tensor;
    if (useCache && cache) {
      const ids = Int32Array.from(seqs, (s) => s[s.length - 1]);
      const positions = Int32Array.from(seqs, (s) => s.length - 1);
      const mask = new Float32Array(B).fill(1);
      const r = gpu.noGrad(() =>
        model.forward({ ids, batch: B, seqLen: 1, positions, mask }, { cache, useCache: true })
      );
      hidden = r.hidden;
      releaseCache(cache);
      cache = r.cache;
    } else {
      const { ids, mask, positions, T } = leftPad(seqs);
      const r = gpu.noGrad(() =>
        model.forward({ ids, batch: B, seqLen: T, mask, positions }, { useCache })
      );
      hidden = r.hidden;
      cache = r.cache;
    }
    if (cache) { for (const l of cache.layers) gpu.keep(l.k), gpu.keep(l.v); }
    const T = hidden.shape[1];
    const last = gatherLastToken(hidden, new Array(B).fill(T)); // (B, C)
    const out = gpu.noGrad(() => head ? rowHeadMatmul(last, head) : model.logits(last));
    return await out.readFloat();
  });
  return { logits, cache };
}

function releaseCache(cache: KVCache): void {
  for (const l of cache.layers) {
    l.k.dispose();
    l.v.dispose();
  }
}
