/**
 * Fine-tuning strategies: freezing, learning-rate schedules and ULMFiT (layer groups,
 * discriminative rates, gradual unfreezing).
 *
 * @example
 * ```ts
 * import { makeSchedule } from "./mod.ts";
 * const schedule = makeSchedule("cosine", { warmupSteps: 10 });
 * console.log(schedule(5, 100)); // 0.5: halfway through the warm-up
 * ```
 *
 * @module
 */

export * from "./freezing.ts";
export * from "./schedules.ts";
export * from "./ulmfit.ts";
export * from "./ulmfit_strategy.ts";
export * from "./strategy.ts";
export * from "./registry.ts";
export * from "./freezing_strategies.ts";
export * from "./layerwise_rates.ts";
export * from "./lora.ts";
export * from "./lora_peft.ts";
export * from "./unlikelihood.ts";
export * from "./prefix.ts";
export * from "./prefix_offset.ts";
export * from "./prefix_peft.ts";
export * from "./saved_adapter.ts";
