/**
 * GPT-2's initialisation scheme (as HF's `GPT2PreTrainedModel._init_weights` applies it):
 * weights and embeddings N(0, 0.02²), residual output projections (`c_proj`) N(0, (0.02/√(2L))²),
 * biases 0, LayerNorm weight 1 and bias 0. Seeded, so the same seed gives the same model.
 *
 * @module
 */
import { type GPT2Config, parameterShapes, shapeSize } from "./config.ts";

/** A seeded stream of standard normal numbers (mulberry32 + Box–Muller). */
export function normalStream(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Random parameters for a configuration, by HF name.
 *
 * @example
 * ```ts
 * import { PRESETS } from "./config.ts";
 * const tensors = initParameters(PRESETS.tiny, 0);
 * console.log(tensors.get("wte.weight")!.length); // 50257 × 128
 * ```
 */
export function initParameters(config: GPT2Config, seed: number): Map<string, Float32Array> {
  const normal = normalStream(seed);
  const projStd = 0.02 / Math.sqrt(2 * config.nLayer);
  const out = new Map<string, Float32Array>();
  for (const { name, shape } of parameterShapes(config)) {
    const data = new Float32Array(shapeSize(shape));
    if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) data.fill(1);
    else if (name.endsWith(".bias")) data.fill(0);
    else {
      const std = /c_proj\.weight$/.test(name) ? projStd : 0.02;
      for (let i = 0; i < data.length; i++) data[i] = std * normal();
    }
    out.set(name, data);
  }
  return out;
}
