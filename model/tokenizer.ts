/**
 * GPT-2's byte-level BPE tokenizer (OpenAI's `r50k_base` encoding, 50,257 tokens, the same ids
 * as Hugging Face's `GPT2Tokenizer`), and batching: padding, truncation and attention masks.
 *
 * @module
 */

// Pinned here rather than in deno.json's import map (which would also do).
import * as r50k from "npm:gpt-tokenizer@4.0.0/encoding/r50k_base";
// The same table the encoding above is built from (one module instance): entry `id` is the
// token's text, or its bytes where they are not valid UTF-8 on their own.
import r50kRanks from "npm:gpt-tokenizer@4.0.0/bpeRanks/r50k_base";

/** `<|endoftext|>`: GPT-2's only special token, also used for padding. */
export const EOS_ID = 50256;
/** Padding id: GPT-2 has no pad token, so `<|endoftext|>` is used (masked out anyway). */
export const PAD_ID: number = EOS_ID;
/** Number of token ids (0 … 50256). */
export const VOCAB_SIZE = 50257;
/** The text of the end-of-text token. */
export const EOS_TEXT = "<|endoftext|>";

/** Options for {@linkcode encode}. */
export interface EncodeOptions {
  /**
   * Map the text `<|endoftext|>` to {@linkcode EOS_ID} (as HF's tokenizer does) instead of
   * encoding it as ordinary characters. Default false: untrusted text cannot inject the token.
   */
  allowSpecial?: boolean;
}

function ordinary(text: string, out: number[]): void {
  // disallowedSpecial: empty set = no special-token handling, every character is plain text
  for (const id of r50k.encode(text, { disallowedSpecial: new Set() })) out.push(id);
}

/**
 * Encodes text to token ids.
 *
 * @example
 * ```ts
 * import { encode } from "./tokenizer.ts";
 * console.log(encode("Hello world")); // [15496, 995]
 * console.log(encode("a<|endoftext|>", { allowSpecial: true })); // [64, 50256]
 * ```
 */
export function encode(text: string, options: EncodeOptions = {}): number[] {
  const out: number[] = [];
  if (!options.allowSpecial) {
    ordinary(text, out);
    return out;
  }
  // Split on the special token here: gpt-tokenizer 4.0.0 only recognizes an allowed special
  // token at the very start of the text.
  text.split(EOS_TEXT).forEach((part, i) => {
    if (i > 0) out.push(EOS_ID);
    if (part) ordinary(part, out);
  });
  return out;
}

const utf8 = new TextEncoder();

/**
 * Decodes token ids to text (`<|endoftext|>` for {@linkcode EOS_ID}). Throws on an id outside
 * 0 … 50256, naming its position. Each call is independent: bytes that do not form valid UTF-8
 * within the ids given (e.g. a character split across calls) become U+FFFD.
 *
 * @example
 * ```ts
 * import { decode } from "./tokenizer.ts";
 * console.log(decode([15496, 995])); // "Hello world"
 * ```
 */
export function decode(ids: Iterable<number> | ArrayLike<number>): string {
  const list = Array.from(ids as ArrayLike<number>);
  list.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= VOCAB_SIZE) {
      throw new Error(`decode(): id at index ${i} is ${id}, expected an integer in [0, 50257)`);
    }
  });
  // Not r50k.decode(): gpt-tokenizer 4.0.0 decodes with one shared streaming TextDecoder that
  // it never flushes, so a partial UTF-8 character at the end of one call leaked into the next.
  // Here all the bytes are joined and decoded at once by a fresh decoder (invalid bytes → U+FFFD).
  const parts = list.map((id) => {
    const entry = id === EOS_ID ? EOS_TEXT : r50kRanks[id];
    return typeof entry === "string" ? utf8.encode(entry) : Uint8Array.from(entry);
  });
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return new TextDecoder().decode(bytes);
}

/** A batch of sequences, right-padded to a common length. */
export interface PaddedBatch {
  /** Token ids, B × T row-major, padding after each sequence. */
  ids: Int32Array;
  /** 1 at real tokens, 0 at padding, B × T row-major. */
  mask: Float32Array;
  /** Real tokens per sequence (after truncation). */
  lengths: number[];
  /** Number of sequences B. */
  batch: number;
  /** Common length T. */
  seqLen: number;
  /** How many sequences were truncated. */
  truncated: number;
}

/** Options for {@linkcode padBatch}. */
export interface PadOptions {
  /** Exact length T for every row (pad or truncate); default: the longest sequence. */
  length?: number;
  /** Upper bound on T when `length` is not given (e.g. the model's `nPositions`). */
  maxLength?: number;
  /** Padding id (default {@linkcode PAD_ID}). */
  padId?: number;
  /** Which tokens to keep when a sequence is too long: "right" (default) keeps the first. */
  truncate?: "right" | "left";
}

function checkLength(value: number | undefined, name: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
    throw new Error(`padBatch(): ${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Pads (and truncates) sequences into one B × T batch, right-padded. T is `length` when given,
 * else the longest sequence capped at `maxLength`, and at least 1 (an empty sequence becomes an
 * all-padding row with mask 0). "right" truncation keeps a sequence's first T tokens, "left"
 * its last T.
 *
 * @example
 * ```ts
 * import { padBatch } from "./tokenizer.ts";
 * const b = padBatch([[1, 2, 3], [4]]);
 * // b.ids = [1, 2, 3, 4, 50256, 50256], b.mask = [1, 1, 1, 1, 0, 0], b.lengths = [3, 1]
 * ```
 */
export function padBatch(
  seqs: readonly (readonly number[] | ArrayLike<number>)[],
  options: PadOptions = {},
): PaddedBatch {
  const { length, maxLength, padId = PAD_ID, truncate = "right" } = options;
  checkLength(length, "length");
  checkLength(maxLength, "maxLength");
  if (!Number.isInteger(padId) || padId < 0) {
    throw new Error(`padBatch(): padId must be a non-negative integer, got ${padId}`);
  }
  if (truncate !== "right" && truncate !== "left") {
    throw new Error(`padBatch(): truncate must be "right" or "left", got ${truncate}`);
  }
  const longest = seqs.reduce((m, s) => Math.max(m, s.length), 0);
  const T = length ?? Math.max(1, Math.min(longest, maxLength ?? longest));
  const B = seqs.length;
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Float32Array(B * T);
  const lengths: number[] = [];
  let truncated = 0;
  seqs.forEach((seq, b) => {
    const n = Math.min(seq.length, T);
    const from = truncate === "left" ? seq.length - n : 0;
    if (n < seq.length) truncated++;
    for (let t = 0; t < n; t++) {
      const id = seq[from + t];
      if (!Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
        throw new Error(`padBatch(): sequence ${b}, position ${from + t}: id ${id} is not valid`);
      }
      ids[b * T + t] = id;
      mask[b * T + t] = 1;
    }
    lengths.push(n);
  });
  return { ids, mask, lengths, batch: B, seqLen: T, truncated };
}

/** Options for {@linkcode encodeBatch}. */
export interface EncodeBatchOptions extends EncodeOptions {
  /** Longest sequence kept (tokens beyond it are truncated), e.g. the model's `nPositions`. */
  maxLength: number;
  /** Append {@linkcode EOS_ID} to each text; it survives truncation (default false). */
  addEos?: boolean;
  /** Which tokens to keep when a text is too long (default "right": keep the first). */
  truncate?: "right" | "left";
  /** Exact length T for every row (≤ `maxLength`); default: the longest sequence. */
  length?: number;
}

/**
 * Encodes texts and pads them into one batch (see {@linkcode padBatch}). With `addEos`, each
 * text is cut to `maxLength - 1` tokens first so that its final `<|endoftext|>` is always kept.
 *
 * @example
 * ```ts
 * import { encodeBatch } from "./tokenizer.ts";
 * const b = encodeBatch(["Hello world", "Hello"], { maxLength: 8, addEos: true });
 * // b.ids = [15496, 995, 50256, 15496, 50256, 50256], b.lengths = [3, 2]
 * ```
 */
export function encodeBatch(texts: readonly string[], options: EncodeBatchOptions): PaddedBatch {
  const { maxLength, addEos = false, truncate = "right", length } = options;
  checkLength(maxLength, "maxLength");
  if (length !== undefined && length > maxLength) {
    throw new Error(`encodeBatch(): length ${length} exceeds maxLength ${maxLength}`);
  }
  const limit = length ?? maxLength;
  if (addEos && limit < 2) throw new Error(`encodeBatch(): addEos needs maxLength ≥ 2`);
  let cut = 0;
  const seqs = texts.map((text) => {
    let ids = encode(text, options);
    if (addEos) {
      if (ids.length > limit - 1) {
        cut++;
        ids = truncate === "left" ? ids.slice(ids.length - (limit - 1)) : ids.slice(0, limit - 1);
      }
      ids.push(EOS_ID);
    }
    return ids;
  });
  const batch = padBatch(seqs, { length, maxLength, truncate });
  return { ...batch, truncated: batch.truncated + cut };
}
