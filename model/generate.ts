/**
 * Autoregressive generation with a KV cache (or full recomputation), for a batch of prompts of
 * different lengths (left-padded, positions counted from each prompt's first real token).
 *
 * @module
 */
import { gatherLastToken } from "../kernels/pooling.ts";
import type { Tensor } from "../kernels/tensor.ts";
import type { GPT2, KVCache } from "./gpt2.ts";
import {
  chooseToken,
  type LogitsProcessor,
  type SamplingOptions,
  seededRandom,
} from "./sampling.ts";
import { EOS_ID } from "./tokenizer.ts";

/** Options of {@link generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to add per sequence. */
  maxNewTokens: number;
  /** Seed of the sampling RNG (same seed ⇒ same text). */
  seed?: number;
  /** Tokens that end a sequence (kept in the output); default `[50256]`. */
  stopTokens?: number[];
  /** Run through these, in order, on each sequence's logits before choosing. */
  processors?: LogitsProcessor[];
  /** Reuse keys/values of earlier positions (default true). */
  useCache?: boolean;
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

/** Left-pads prompts; positions count from each prompt's first real token. */
function leftPad(seqs: number[][]) {
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
 * Generates continuations of `prompts` (token id lists).
 *
 * @example
 * ```ts
 * const { tokens } = await generate(model, [encode("Shall I compare thee")], {
 *   maxNewTokens: 20, temperature: 0.8, topP: 0.9, seed: 1 });
 * console.log(decode(tokens[0]));
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
  const random = seededRandom(options.seed ?? 0);
  const useCache = options.useCache ?? true;
  const seqs = prompts.map((p) => [...p]);
  const out: number[][] = prompts.map(() => []);
  const reasons: GenerateResult["finishReasons"] = prompts.map(() => "length");
  const done = prompts.map(() => false);
  let cache: KVCache | undefined;
  for (let step = 0; step < options.maxNewTokens && done.some((d) => !d); step++) {
    const logits = await gpu.scopeAsync(async () => {
      let hidden: Tensor;
      if (useCache && cache) {
        const B = seqs.length;
        const ids = Int32Array.from(seqs, (s) => s[s.length - 1]);
        const positions = Int32Array.from(seqs, (s) => s.length - 1);
        const r = gpu.noGrad(() =>
          model.forward(
            { ids, batch: B, seqLen: 1, positions, mask: new Float32Array(B).fill(1) },
            {
              cache,
              useCache: true,
            },
          )
        );
        hidden = r.hidden;
        releaseCache(cache);
        cache = r.cache;
      } else {
        const { ids, mask, positions, T, B } = leftPad(seqs);
        const r = gpu.noGrad(() =>
          model.forward({ ids, batch: B, seqLen: T, mask, positions }, { useCache })
        );
        hidden = r.hidden;
        cache = r.cache;
      }
      if (cache) { for (const l of cache.layers) gpu.keep(l.k), gpu.keep(l.v); }
      const B = seqs.length;
      const T = hidden.shape[1];
      const last = gpu.noGrad(() => model.logits(gatherLastToken(hidden, new Array(B).fill(T))));
      return await last.readFloat();
    });
    const V = model.config.vocabSize;
    seqs.forEach((s, b) => {
      if (done[b]) {
        s.push(EOS_ID);
        return;
      }
      const row = logits.slice(b * V, (b + 1) * V);
      for (const p of options.processors ?? []) {
        p(row, { tokens: s, generated: out[b], batchIndex: b });
      }
      const next = chooseToken(row, options, random);
      s.push(next);
      out[b].push(next);
      if (stop.has(next)) [done[b], reasons[b]] = [true, "stop"];
      else if (options.stopWhen?.(out[b], b)) [done[b], reasons[b]] = [true, "stop"];
      else if (s.length >= model.contextRoom) [done[b], reasons[b]] = [true, "context"];
    });
    if (seqs.some((s) => s.length >= model.contextRoom)) {
      seqs.forEach((_, b) => {
        if (!done[b]) [done[b], reasons[b]] = [true, "context"];
      });
    }
  }
  if (cache) releaseCache(cache);
  return { tokens: out, finishReasons: reasons };
}

function releaseCache(cache: KVCache): void {
  for (const l of cache.layers) {
    l.k.dispose();
    l.v.dispose();
  }
}
