/**
 * TF.js's Wasm backend on the rows of `deno task bench --peers` (run by tests/bench_peers.ts in
 * its own process; prints the rows as JSON lines). A compact GPT-2 forward of the `tiny`
 * configuration is written here with TF.js ops; its training step uses TF.js's autodiff and an
 * AdamW update written here. Not part of the module: only this script imports TF.js.
 *
 *     deno run --no-lock -R -E -S tests/bench_peers_tfjs.ts
 *
 * @module
 */
import * as tf from "npm:@tensorflow/tfjs-core@4.22.0";
import * as wasm from "npm:@tensorflow/tfjs-backend-wasm@4.22.0";
import {
  BATCH,
  emit,
  headTargets,
  KEYS,
  medianMs,
  note,
  SEQ,
  skip,
  TINY,
  tinyIds,
  tinyLossWeights,
  tinyTargets,
  type TinyWeights,
  tinyWeights,
} from "./bench_peers_common.ts";
import { randomArray } from "../kernels/testing.ts";

type T2 = tf.Tensor2D;
type Pair = [tf.Tensor, tf.Tensor];

/** The `tiny` weights as TF.js tensors, in a fixed order so autodiff can take them as a list. */
interface Params {
  wte: tf.Tensor;
  wpe: tf.Tensor;
  blocks: Record<"ln1" | "attn" | "proj" | "ln2" | "fc" | "down", Pair>[];
  lnf: Pair;
}

function toParams(w: TinyWeights): Params {
  const { vocabSize: V, nPositions: P, nEmbd: C } = TINY;
  const pair = ([a, b]: [Float32Array, Float32Array], rows: number): Pair => [
    tf.tensor(a, rows === 1 ? [a.length] : [rows, a.length / rows]),
    tf.tensor1d(b),
  ];
  return {
    wte: tf.tensor2d(w.wte, [V, C]),
    wpe: tf.tensor2d(w.wpe, [P, C]),
    blocks: w.blocks.map((b) => ({
      ln1: pair(b.ln1, 1),
      attn: pair(b.attn, C),
      proj: pair(b.proj, C),
      ln2: pair(b.ln2, 1),
      fc: pair(b.fc, C),
      down: pair(b.down, 4 * C),
    })),
    lnf: pair(w.lnf, 1),
  };
}

function flatten(p: Params): tf.Tensor[] {
  const blocks = p.blocks.flatMap((b) => [b.ln1, b.attn, b.proj, b.ln2, b.fc, b.down].flat());
  return [p.wte, p.wpe, ...blocks, ...p.lnf];
}

function unflatten(list: tf.Tensor[]): Params {
  let i = 2;
  const take = (): Pair => [list[i++], list[i++]];
  const blocks = Array.from({ length: TINY.nLayer }, () => ({
    ln1: take(),
    attn: take(),
    proj: take(),
    ln2: take(),
    fc: take(),
    down: take(),
  }));
  return { wte: list[0], wpe: list[1], blocks, lnf: take() };
}

function layerNorm(x: tf.Tensor, [g, b]: Pair): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
}

function linear(x: tf.Tensor, [w, b]: Pair): tf.Tensor {
  return tf.add(tf.matMul(x as T2, w as T2), b);
}

function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Hidden states [B·T, C] after the final LayerNorm (GPT-2: pre-LayerNorm blocks, causal). */
function hidden(p: Params, ids: tf.Tensor1D, B: number, T: number): tf.Tensor {
  const { nEmbd: C, nHead: H } = TINY;
  const D = C / H;
  const causal = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
  const heads = (t: tf.Tensor) =>
    tf.reshape(tf.transpose(tf.reshape(t, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D]);
  let x = tf.add(tf.gather(p.wte, ids), tf.tile(tf.slice(p.wpe, [0, 0], [T, C]), [B, 1]));
  for (const b of p.blocks) {
    const [q, k, v] = tf.split(linear(layerNorm(x, b.ln1), b.attn), 3, 1);
    const scores = tf.add(
      tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(D)),
      causal,
    );
    const y = tf.matMul(tf.softmax(scores), heads(v));
    const merged = tf.reshape(tf.transpose(tf.reshape(y, [B, H, T, D]), [0, 2, 1, 3]), [B * T, C]);
    x = tf.add(x, linear(merged, b.proj));
    x = tf.add(x, linear(gelu(linear(layerNorm(x, b.ln2), b.fc)), b.down));
  }
  return layerNorm(x, p.lnf);
}

/** Logits [rows, V] of the tied head. */
function head(h: tf.Tensor, wte: tf.Tensor): tf.Tensor {
  return tf.matMul(h as T2, wte as T2, false, true);
}

/** Mean cross-entropy over the rows of `logits` (weighted by `weights` when given). */
function meanCrossEntropy(logits: tf.Tensor, targets: tf.Tensor1D, weights?: tf.Tensor): tf.Scalar {
  const labels = tf.oneHot(targets, TINY.vocabSize);
  return tf.losses.softmaxCrossEntropy(labels, logits, weights) as tf.Scalar;
}

/** Runs `fn` and frees every tensor it made; `fn` must finish its work (TF.js Wasm is eager). */
function tidy(fn: () => void): () => void {
  return () => tf.tidy(fn);
}

async function row(key: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (e) {
    skip(key, `failed: ${(e as Error).message.split("\n")[0].slice(0, 160)}`);
  }
}

async function main() {
  // Threads: TF.js takes Deno for Node (it has `process`), where it turns its threaded build off;
  // forcing WASM_HAS_MULTITHREAD_SUPPORT on fails in Deno (Emscripten hands node:worker_threads a
  // blob: URL: ERR_WORKER_PATH), so this runs the single-threaded SIMD build unless TF.js says
  // otherwise.
  const cores = navigator.hardwareConcurrency;
  wasm.setThreadsCount(cores);
  if (!(await tf.setBackend("wasm"))) throw new Error("TF.js: the wasm backend did not start");
  await tf.ready();
  const threaded = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  note(
    `@tensorflow/tfjs-core ${tf.version_core}, backend ${tf.getBackend()}, SIMD ${simd}, ` +
      `${
        threaded
          ? `${wasm.getThreadsCount()} threads`
          : "single-threaded (TF.js disables its threaded build under Node-compatible runtimes)"
      }`,
  );
  const V = TINY.vocabSize;

  await row(KEYS.matmul, async () => {
    const a = tf.tensor2d(randomArray(1024 * 1024, 1), [1024, 1024]);
    const b = tf.tensor2d(randomArray(1024 * 1024, 2), [1024, 1024]);
    const ms = await medianMs(tidy(() => void tf.matMul(a, b)), 5);
    emit(KEYS.matmul, 2 * 1024 ** 3 / ms / 1e6, "GFLOP/s", `${ms.toFixed(1)} ms`);
  });
  for (const [key, n] of [[KEYS.head, V], [KEYS.headPadded, 50304]] as const) {
    await row(key, async () => {
      const x = tf.tensor2d(randomArray(1024 * 128, 1), [1024, 128]);
      const w = tf.tensor2d(randomArray(n * 128, 2), [n, 128]);
      const ms = await medianMs(tidy(() => void tf.matMul(x, w, false, true)));
      emit(
        key,
        ms / 1000,
        "s",
        `matMul(x, w, transposeB), ${(2 * 1024 * 128 * n / ms / 1e6).toFixed(1)} GFLOP/s`,
      );
    });
  }
  await row(KEYS.headRow, async () => {
    const x = tf.tensor2d(randomArray(128, 12), [1, 128]);
    const w = tf.tensor2d(randomArray(V * 128, 11), [V, 128]);
    const ms = await medianMs(tidy(() => void tf.matMul(x, w, false, true)), 9);
    emit(KEYS.headRow, ms, "ms", "matMul(x, w, transposeB), no readback");
  });
  await row(KEYS.headLoss, async () => {
    const x = tf.tensor2d(randomArray(1024 * 128, 13), [1024, 128]);
    const w = tf.tensor2d(randomArray(V * 128, 11), [V, 128]);
    const targets = tf.tensor1d(headTargets(1024), "int32");
    const step = tf.grads((a: tf.Tensor, b: tf.Tensor) => meanCrossEntropy(head(a, b), targets));
    const ms = await medianMs(tidy(() => void step([x, w])));
    emit(KEYS.headLoss, ms / 1000, "s", "matMul + softmaxCrossEntropy (one-hot), tf.grads");
  });

  const params = toParams(tinyWeights());
  const ids = tf.tensor1d(tinyIds(), "int32");
  await row(KEYS.forward, async () => {
    const ms = await medianMs(tidy(() => void head(hidden(params, ids, BATCH, SEQ), params.wte)));
    emit(
      KEYS.forward,
      BATCH * SEQ / ms * 1000,
      "tokens/s",
      `${BATCH}×${SEQ}, ${ms.toFixed(0)} ms, logits included`,
    );
  });
  await row(KEYS.trainStep, async () => {
    const targets = tf.tensor1d(tinyTargets(), "int32");
    const weights = tf.tensor1d(tinyLossWeights());
    const loss = (...list: tf.Tensor[]) => {
      const p = unflatten(list);
      return meanCrossEntropy(head(hidden(p, ids, BATCH, SEQ), p.wte), targets, weights);
    };
    const grads = tf.grads(loss);
    const flat = flatten(params).map((t) => tf.variable(t));
    const m = flat.map((t) => tf.variable(tf.zerosLike(t)));
    const v = flat.map((t) => tf.variable(tf.zerosLike(t)));
    let t = 0;
    const [lr, b1, b2, eps, wd] = [1e-5, 0.9, 0.999, 1e-8, 0.01];
    const ms = await medianMs(tidy(() => {
      t++;
      const g = grads(flat);
      flat.forEach((p, i) => {
        m[i].assign(tf.add(tf.mul(m[i], b1), tf.mul(g[i], 1 - b1)));
        v[i].assign(tf.add(tf.mul(v[i], b2), tf.mul(tf.square(g[i]), 1 - b2)));
        const update = tf.div(
          tf.div(m[i], 1 - b1 ** t),
          tf.add(tf.sqrt(tf.div(v[i], 1 - b2 ** t)), eps),
        );
        p.assign(tf.sub(tf.mul(p, 1 - lr * wd), tf.mul(update, lr)));
      });
    }));
    emit(
      KEYS.trainStep,
      BATCH * SEQ / ms * 1000,
      "tokens/s",
      `${BATCH}×${SEQ}, ${ms.toFixed(0)} ms (fwd+bwd+AdamW)`,
    );
  });
}

await main();
// Exit explicitly: the peer's worker threads would keep the process alive.
Deno.exit(0);
