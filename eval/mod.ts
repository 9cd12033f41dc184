/**
 * Metrics as pure functions: chrF, distinct-n, rhyme and meter, perplexity (also of a model),
 * every sonnet metric of a file, and classification reports.
 *
 * @example
 * ```ts
 * import { chrF } from "./mod.ts";
 * console.log(chrF(["Shall I compare thee"], ["Shall I compare thee"])); // 100
 * ```
 *
 * @module
 */

export * from "./chrf.ts";
export * from "./distinct.ts";
export * from "./rhyme.ts";
export * from "./study_rhyme.ts";
export * from "./meter.ts";
export * from "./iambic.ts";
export * from "./continuation.ts";
export * from "./perplexity.ts";
export * from "./study_perplexity.ts";
export * from "./classification.ts";
export * from "./model_perplexity.ts";
// Statistics over seeds and over dev examples (`mean` of numbers stays out: `mean` is the tensor op).
export { describe, type Description, sampleSd } from "./stats/describe.ts";
export * from "./stats/paired_tests.ts";
export * from "./stats/bootstrap.ts";
export * from "./stats/mcnemar.ts";
export * from "./sonnet_scores.ts";
export * from "./sonnet_samples.ts";
