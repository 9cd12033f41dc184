/**
 * What the two peer benchmarks (tests/bench_peers_jax.ts, tests/bench_peers_tfjs.ts) share: the
 * rows' keys and shapes, the `tiny` weights they run on, the timing, and the output protocol that
 * tests/bench_peers.ts reads (one JSON row per line; `#` lines are notes). This file imports no
 * npm package: only the peer scripts do.
 *
 * @module
 */
import { randomArray } from "../kernels/testing.ts";
import { PRESETS } from "../model/config.ts";

/** The `tiny` configuration every peer runs (2 layers, 4 heads, width 128, 50,257 words). */
export const TINY = PRESETS.tiny;

/** Batch × length of the forward and the training step, as in tests/bench.ts. */
export const BATCH = 8;
/** Sequence length of the forward and the training step. */
export const SEQ = 128;

/** Row keys, shared with tests/bench.ts (which records its own figure under the same key). */
export const KEYS = {
  matmul: "matmul 1024³",
  headRow: "tiny LM head, 1 row: 1×128·(50257×128)ᵀ",
  head: "tiny LM head, 1024 rows: 1024×128·(50257×128)ᵀ",
  headPadded: "tiny LM head, 1024 rows, padded: 1024×128·(50304×128)ᵀ",
  headLoss: "tiny LM head + cross-entropy fwd+bwd, 1024 rows",
  forward: "tiny forward",
  trainStep: "tiny train step",
} as const;

/** Prints one measured row (`value` in `unit`: GFLOP/s and tokens/s are throughputs, ms and s times). */
export function emit(key: string, value: number, unit: string, detail = ""): void {
  console.log(JSON.stringify({ key, value, unit, detail }));
}

/** Prints a row the peer cannot run, with the reason. */
export function skip(key: string, reason: string): void {
  console.log(JSON.stringify({ key, skipped: reason }));
}

/** Prints a note (version, backend, threads). */
export function note(text: string): void {
  console.log(`# ${text}`);
}

/**
 * Median wall time in ms of `fn` (which must finish its work before resolving) over `reps` runs
 * after one warm-up; a single timed run when the warm-up took over 2 s (the peers' slow rows on a
 * loaded machine would otherwise take minutes each).
 */
export async function medianMs(fn: () => unknown | Promise<unknown>, reps = 3): Promise<number> {
  const t0 = performance.now();
  await fn();
  const n = performance.now() - t0 > 2000 ? 1 : reps;
  const times: number[] = [];
  for (let r = 0; r < n; r++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** One block's weights, HF GPT-2 layout (Conv1D weights are [in, out]). */
export interface TinyBlock {
  /** LayerNorm 1 gain [C] and bias [C]. */
  ln1: [Float32Array, Float32Array];
  /** Fused q/k/v projection [C, 3C] and bias [3C]. */
  attn: [Float32Array, Float32Array];
  /** Attention output projection [C, C] and bias [C]. */
  proj: [Float32Array, Float32Array];
  /** LayerNorm 2 gain and bias. */
  ln2: [Float32Array, Float32Array];
  /** MLP up [C, 4C] and bias [4C]. */
  fc: [Float32Array, Float32Array];
  /** MLP down [4C, C] and bias [C]. */
  down: [Float32Array, Float32Array];
}

/** All weights of the `tiny` GPT-2 as flat arrays. */
export interface TinyWeights {
  /** Token embedding (the tied LM head) [V, C]. */
  wte: Float32Array;
  /** Position embedding [P, C]. */
  wpe: Float32Array;
  /** The blocks. */
  blocks: TinyBlock[];
  /** Final LayerNorm gain and bias. */
  lnf: [Float32Array, Float32Array];
}

/**
 * Random `tiny` weights at GPT-2's scale (uniform with standard deviation 0.02, LayerNorm gains 1,
 * biases 0): the speed does not depend on the values, only on finite ones.
 *
 * @example
 * ```ts
 * const w = tinyWeights();
 * console.log(w.wte.length); // 50257 * 128
 * ```
 */
export function tinyWeights(): TinyWeights {
  const { vocabSize: V, nPositions: P, nEmbd: C, nLayer } = TINY;
  let seed = 1;
  const normal = (n: number) => randomArray(n, seed++).map((v) => v * 0.02 * Math.sqrt(3));
  const ones = (n: number) => new Float32Array(n).fill(1);
  const zeros = (n: number) => new Float32Array(n);
  return {
    wte: normal(V * C),
    wpe: normal(P * C),
    blocks: Array.from({ length: nLayer }, () => ({
      ln1: [ones(C), zeros(C)],
      attn: [normal(C * 3 * C), zeros(3 * C)],
      proj: [normal(C * C), zeros(C)],
      ln2: [ones(C), zeros(C)],
      fc: [normal(C * 4 * C), zeros(4 * C)],
      down: [normal(4 * C * C), zeros(C)],
    })),
    lnf: [ones(C), zeros(C)],
  };
}

/** Token ids [BATCH × SEQ], the same as tests/bench.ts's: (i · 7919) mod V. */
export function tinyIds(): Int32Array {
  return Int32Array.from({ length: BATCH * SEQ }, (_, i) => (i * 7919) % TINY.vocabSize);
}

/**
 * Next-token targets of `tinyIds()`, [BATCH × SEQ]; each row's last position has none (target 0,
 * weight 0 in {@linkcode tinyLossWeights}), as the toolkit's lmLoss ignores it.
 */
export function tinyTargets(): Int32Array {
  const ids = tinyIds();
  return Int32Array.from(ids, (_, i) => i % SEQ === SEQ - 1 ? 0 : ids[i + 1]);
}

/** Loss weight of each position of `tinyTargets()`: 1, and 0 at each row's last position. */
export function tinyLossWeights(): Float32Array {
  return Float32Array.from({ length: BATCH * SEQ }, (_, i) => i % SEQ === SEQ - 1 ? 0 : 1);
}

/** Targets for the 1024-row head + loss row: (i · 7919) mod 50,257, as tests/bench.ts's. */
export function headTargets(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (i * 7919) % TINY.vocabSize);
}
