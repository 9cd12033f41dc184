/**
 * jax-js's Wasm backend on the rows of `deno task bench --peers` (run by tests/bench_peers.ts in
 * its own process; prints the rows as JSON lines). A compact GPT-2 forward of the `tiny`
 * configuration is written here with jax-js ops; its training step uses jax-js's autodiff
 * (`valueAndGrad`, under `jit`) and an AdamW update written here. Not part of the module: only
 * this script imports jax-js.
 *
 * jax-js arrays are reference-counted: every op consumes its array arguments, `.ref` keeps one.
 *
 *     deno run --no-lock -R -E -S tests/bench_peers_jax.ts
 *
 * @module
 */
import {
  blockUntilReady,
  defaultDevice,
  init,
  jit,
  nn,
  numpy as np,
  tree,
  valueAndGrad,
} from "npm:@jax-js/jax@0.1.25";
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
  tinyWeights,
} from "./bench_peers_common.ts";
import { randomArray } from "../kernels/testing.ts";

type Arr = np.Array;
type Block = {
  ln1: [Arr, Arr];
  attn: [Arr, Arr];
  proj: [Arr, Arr];
  ln2: [Arr, Arr];
  fc: [Arr, Arr];
  down: [Arr, Arr];
};
/** The `tiny` weights (a JsTree: `type`, not `interface`, as jax-js asks). */
type Params = { wte: Arr; wpe: Arr; blocks: Block[]; lnf: [Arr, Arr] };

/** A typed array as jax-js's `np.array` types it (backed by a plain ArrayBuffer, as ours are). */
function owned<A extends Float32Array | Int32Array>(a: A): Arr {
  return np.array(a as never, { dtype: a instanceof Int32Array ? np.int32 : np.float32 });
}

function matrix(data: Float32Array, shape: number[]): Arr {
  return owned(data).reshape(shape);
}

function toParams(): Params {
  const w = tinyWeights();
  const { vocabSize: V, nPositions: P, nEmbd: C } = TINY;
  const pair = ([a, b]: [Float32Array, Float32Array], rows: number): [Arr, Arr] => [
    matrix(a, rows === 1 ? [a.length] : [rows, a.length / rows]),
    owned(b),
  ];
  return {
    wte: matrix(w.wte, [V, C]),
    wpe: matrix(w.wpe, [P, C]),
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

function layerNorm(x: Arr, [g, b]: [Arr, Arr]): Arr {
  return nn.standardize(x, -1, { epsilon: 1e-5 }).mul(g).add(b);
}

function linear(x: Arr, [w, b]: [Arr, Arr]): Arr {
  return np.matmul(x, w).add(b);
}

/** Hidden states [B, T, C] after the final LayerNorm; consumes `p` (except `wte`) and `ids`. */
function hidden(p: Params, ids: Arr, B: number, T: number): Arr {
  const { nEmbd: C, nHead: H } = TINY;
  const D = C / H;
  let x = np.take(p.wte.ref, ids, 0).add(p.wpe.slice([0, T]));
  for (const b of p.blocks) {
    const qkv = linear(layerNorm(x.ref, b.ln1), b.attn);
    const [q, k, v] = np.split(qkv, 3, -1).map((t) => t.reshape([B, T, H, D]));
    const y = nn.dotProductAttention(q, k, v, { isCausal: true }).reshape([B, T, C]);
    x = x.add(linear(y, b.proj));
    x = x.add(linear(nn.gelu(linear(layerNorm(x.ref, b.ln2), b.fc)), b.down));
  }
  return layerNorm(x, p.lnf);
}

/** Logits of the tied head; consumes both. */
function head(h: Arr, wte: Arr): Arr {
  return np.matmul(h, wte.transpose());
}

/** Mean over rows of −log softmax(logits)[target], rows weighted by `weights`; consumes all. */
function crossEntropy(logits: Arr, targets: Arr, weights: Arr): Arr {
  const V = logits.shape.at(-1)!;
  const logp = nn.logSoftmax(logits.reshape([-1, V]));
  const hit = np.equal(np.arange(V).reshape([1, V]), targets.reshape([-1, 1]));
  const picked = np.where(hit, logp, 0).sum(-1);
  const total = weights.ref.sum();
  return picked.mul(weights).sum().div(total).mul(-1);
}

const refs = <T>(t: T): T => tree.map((a: Arr) => a.ref, t as never) as T;

async function row(key: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (e) {
    skip(key, `failed: ${(e as Error).message.split("\n")[0].slice(0, 160)}`);
  }
}

async function main() {
  const devices = await init();
  if (!devices.includes("wasm")) throw new Error(`jax-js: no wasm device (have ${devices})`);
  defaultDevice("wasm");
  const threads = typeof SharedArrayBuffer !== "undefined" && typeof Worker !== "undefined"
    ? `${navigator.hardwareConcurrency} worker threads`
    : "single-threaded (no SharedArrayBuffer or Worker)";
  note(`@jax-js/jax 0.1.25, device wasm, ${threads}`);
  const V = TINY.vocabSize;
  const timeIt = (fn: () => Arr | Arr[], reps = 3) =>
    medianMs(async () => {
      const out = fn();
      await blockUntilReady(out);
      tree.dispose(out);
    }, reps);

  await row(KEYS.matmul, async () => {
    const a = matrix(randomArray(1024 * 1024, 1), [1024, 1024]);
    const b = matrix(randomArray(1024 * 1024, 2), [1024, 1024]);
    const ms = await timeIt(() => np.matmul(a.ref, b.ref), 5);
    emit(KEYS.matmul, 2 * 1024 ** 3 / ms / 1e6, "GFLOP/s", `${ms.toFixed(1)} ms`);
    a.dispose(), b.dispose();
  });
  for (const [key, n] of [[KEYS.head, V], [KEYS.headPadded, 50304]] as const) {
    await row(key, async () => {
      const x = matrix(randomArray(1024 * 128, 1), [1024, 128]);
      const w = matrix(randomArray(n * 128, 2), [n, 128]);
      const ms = await timeIt(() => head(x.ref, w.ref));
      const rate = (2 * 1024 * 128 * n / ms / 1e6).toFixed(1);
      emit(key, ms / 1000, "s", `matmul(x, wᵀ), ${rate} GFLOP/s`);
      x.dispose(), w.dispose();
    });
  }
  await row(KEYS.headRow, async () => {
    const x = matrix(randomArray(128, 12), [1, 128]);
    const w = matrix(randomArray(V * 128, 11), [V, 128]);
    const ms = await timeIt(() => head(x.ref, w.ref), 9);
    emit(KEYS.headRow, ms, "ms", "matmul(x, wᵀ), no readback");
    x.dispose(), w.dispose();
  });
  await row(KEYS.headLoss, async () => {
    const x = matrix(randomArray(1024 * 128, 13), [1024, 128]);
    const w = matrix(randomArray(V * 128, 11), [V, 128]);
    const targets = owned(headTargets(1024));
    const ones = np.ones([1024]);
    const step = jit(
      valueAndGrad((a: Arr, b: Arr, t: Arr, m: Arr) => crossEntropy(head(a, b), t, m), {
        argnums: [0, 1],
      }),
    );
    const ms = await timeIt(() => step(x.ref, w.ref, targets.ref, ones.ref).flat() as Arr[]);
    emit(KEYS.headLoss, ms / 1000, "s", "matmul + logSoftmax cross-entropy, jit(valueAndGrad)");
  });

  const params = toParams();
  const ids = owned(tinyIds()).reshape([BATCH, SEQ]);
  await row(KEYS.forward, async () => {
    const forward = jit((p: Params, i: Arr) => head(hidden(p, i, BATCH, SEQ), p.wte));
    const ms = await timeIt(() => forward(refs(params), ids.ref));
    const detail = `${BATCH}×${SEQ}, ${ms.toFixed(0)} ms, logits included, jit`;
    emit(KEYS.forward, BATCH * SEQ / ms * 1000, "tokens/s", detail);
  });
  await row(KEYS.trainStep, async () => {
    const targets = owned(tinyTargets());
    const weights = owned(tinyLossWeights());
    const lossGrad = jit(
      valueAndGrad((p: Params, i: Arr, t: Arr, m: Arr) =>
        crossEntropy(head(hidden(p, i, BATCH, SEQ), p.wte), t, m)
      ),
    );
    const [lr, b1, b2, eps, wd] = [1e-5, 0.9, 0.999, 1e-8, 0.01];
    const adamw = jit((p: Arr, g: Arr, m: Arr, v: Arr, c1: Arr, c2: Arr) => {
      const m2 = m.mul(b1).add(g.ref.mul(1 - b1));
      const v2 = v.mul(b2).add(np.square(g).mul(1 - b2));
      const update = m2.ref.div(c1).div(np.sqrt(v2.ref.div(c2)).add(eps));
      return [p.mul(1 - lr * wd).sub(update.mul(lr)), m2, v2];
    });
    let p = params;
    let m = tree.map((a: Arr) => np.zerosLike(a.ref), p as never) as Params;
    let v = tree.map((a: Arr) => np.zerosLike(a.ref), p as never) as Params;
    let t = 0;
    let lastLoss = NaN;
    const ms = await medianMs(async () => {
      t++;
      const [loss, g] = lossGrad(refs(p), ids.ref, targets.ref, weights.ref);
      const [pl, def] = tree.flatten<Arr>(p as never);
      const [gl] = tree.flatten<Arr>(g as never);
      const [ml] = tree.flatten<Arr>(m as never);
      const [vl] = tree.flatten<Arr>(v as never);
      const c1 = np.array(1 - b1 ** t);
      const c2 = np.array(1 - b2 ** t);
      const out = pl.map((x, i) => adamw(x, gl[i], ml[i], vl[i], c1.ref, c2.ref));
      c1.dispose(), c2.dispose();
      p = tree.unflatten(def, out.map((o) => o[0])) as Params;
      m = tree.unflatten(def, out.map((o) => o[1])) as Params;
      v = tree.unflatten(def, out.map((o) => o[2])) as Params;
      lastLoss = (await loss.data())[0];
      await blockUntilReady([p, m, v]);
    });
    const detail = `${BATCH}×${SEQ}, ${ms.toFixed(0)} ms (fwd+bwd+AdamW), jit(valueAndGrad), loss ${
      lastLoss.toFixed(2)
    }`;
    emit(KEYS.trainStep, BATCH * SEQ / ms * 1000, "tokens/s", detail);
  });
}

await main();
// Exit explicitly: the peer's worker threads would keep the process alive.
Deno.exit(0);
