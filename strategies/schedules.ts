/**
 * Learning-rate schedules as pure functions of `(step, totalSteps, options)` returning a
 * multiplier of the base learning rate (so parameter groups with different base rates, as in
 * discriminative fine-tuning, are scaled together): lr(step) = baseLr · multiplier.
 *
 * `step` is the 0-based index of the optimizer step about to be taken and `totalSteps` the number
 * of optimizer steps of the whole run (PyTorch `LambdaLR` convention: the first step uses
 * `multiplier(0)`).
 *
 * - `constant`: 1, after an optional linear warm-up.
 * - `linear`: warm-up t/w for t < w, then (T − t)/(T − w) down to 0 (Hugging Face's
 *   `get_linear_schedule_with_warmup`; with warm-up the first step has rate 0, as there).
 * - `cosine`: PyTorch `CosineAnnealingLR` with `T_max` = T and `eta_min` = minLrRatio · baseLr:
 *   m(t) = r + (1 − r)(1 + cos(π t / T)) / 2; with a warm-up w the cosine runs over
 *   progress (t − w)/(T − w) instead. Held at r from T on (PyTorch's would rise again).
 * - `slanted`: slanted triangular (Howard & Ruder 2018, eq. 3): cut = ⌊T · cutFrac⌋,
 *   p = t/cut if t < cut else 1 − (t − cut)/(cut · (1/cutFrac − 1)), m = (1 + p(ratio − 1))/ratio.
 *   When T · cutFrac < 1, cut is taken as 1; p is floored at 0 past the end.
 *
 * @module
 */

/** Names accepted by {@linkcode makeSchedule}. */
export type ScheduleName = "constant" | "linear" | "cosine" | "slanted";

/** Every schedule name, in the order `--help` lists them. */
export const SCHEDULE_NAMES: readonly ScheduleName[] = ["constant", "linear", "cosine", "slanted"];

/** Options of the schedules; each schedule reads only the ones it documents. */
export interface ScheduleOptions {
  /** Linear warm-up steps for `constant`, `linear` and `cosine` (default 0; `slanted`: must be 0). */
  warmupSteps?: number;
  /** `cosine`: final rate as a fraction of the base rate (`eta_min / lr`, default 0). */
  minLrRatio?: number;
  /** `slanted`: fraction of the steps spent increasing the rate (default 0.1). */
  cutFrac?: number;
  /** `slanted`: how much smaller the lowest rate is than the highest (default 32). */
  ratio?: number;
}

/** A schedule bound to its options: the multiplier of the base rate at `step` of `totalSteps`. */
export type Schedule = (step: number, totalSteps: number) => number;

function checkStep(name: string, step: number, totalSteps: number): void {
  if (!Number.isInteger(totalSteps) || totalSteps < 1) {
    throw new Error(`${name} schedule: totalSteps must be an integer ≥ 1, got ${totalSteps}`);
  }
  if (!Number.isInteger(step) || step < 0) {
    throw new Error(`${name} schedule: step must be an integer ≥ 0, got ${step}`);
  }
}

function warmupOf(name: string, options: ScheduleOptions): number {
  const w = options.warmupSteps ?? 0;
  if (!Number.isInteger(w) || w < 0) {
    throw new Error(`${name} schedule: warmupSteps must be an integer ≥ 0, got ${w}`);
  }
  return w;
}

/**
 * Constant multiplier 1, after `warmupSteps` steps of linear warm-up (t / w).
 *
 * @example
 * ```ts
 * import { constantSchedule } from "./schedules.ts";
 * console.log(constantSchedule(5, 100)); // 1
 * console.log(constantSchedule(2, 100, { warmupSteps: 4 })); // 0.5
 * ```
 */
export function constantSchedule(
  step: number,
  totalSteps: number,
  options: ScheduleOptions = {},
): number {
  checkStep("constant", step, totalSteps);
  const w = warmupOf("constant", options);
  return step < w ? step / w : 1;
}

/**
 * Linear warm-up over `warmupSteps`, then linear decay to 0 at `totalSteps`.
 *
 * @example
 * ```ts
 * import { linearSchedule } from "./schedules.ts";
 * console.log(linearSchedule(60, 110, { warmupSteps: 10 })); // (110 - 60) / 100 = 0.5
 * ```
 */
export function linearSchedule(
  step: number,
  totalSteps: number,
  options: ScheduleOptions = {},
): number {
  checkStep("linear", step, totalSteps);
  const w = warmupOf("linear", options);
  if (step < w) return step / w;
  return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - w));
}

/**
 * Cosine annealing from 1 to `minLrRatio` over `totalSteps` (after an optional warm-up).
 *
 * @example
 * ```ts
 * import { cosineSchedule } from "./schedules.ts";
 * console.log(cosineSchedule(50, 100)); // (1 + cos(π/2)) / 2 = 0.5
 * ```
 */
export function cosineSchedule(
  step: number,
  totalSteps: number,
  options: ScheduleOptions = {},
): number {
  checkStep("cosine", step, totalSteps);
  const w = warmupOf("cosine", options);
  const r = options.minLrRatio ?? 0;
  if (!(r >= 0 && r <= 1)) {
    throw new Error(`cosine schedule: minLrRatio must be in [0, 1], got ${r}`);
  }
  if (step < w) return step / w;
  const progress = Math.min(1, (step - w) / Math.max(1, totalSteps - w));
  return r + (1 - r) * (1 + Math.cos(Math.PI * progress)) / 2;
}

/**
 * Slanted triangular multiplier (Howard & Ruder 2018): a short linear rise over the first
 * `cutFrac` of the steps from 1/ratio to 1, then a long linear decay back towards 1/ratio.
 *
 * @example
 * ```ts
 * import { slantedTriangular } from "./schedules.ts";
 * console.log(slantedTriangular(10, 100)); // peak: cut = 10, p = 1 → 1
 * console.log(slantedTriangular(0, 100)); // 1 / 32
 * ```
 */
export function slantedTriangular(
  step: number,
  totalSteps: number,
  options: ScheduleOptions = {},
): number {
  checkStep("slanted", step, totalSteps);
  if ((options.warmupSteps ?? 0) !== 0) {
    throw new Error(
      `slanted schedule: warmupSteps must be 0 (its rise is set by cutFrac), ` +
        `got ${options.warmupSteps}`,
    );
  }
  const cutFrac = options.cutFrac ?? 0.1;
  const ratio = options.ratio ?? 32;
  if (!(cutFrac > 0 && cutFrac < 1)) {
    throw new Error(`slanted schedule: cutFrac must be in (0, 1), got ${cutFrac}`);
  }
  if (!(ratio >= 1)) throw new Error(`slanted schedule: ratio must be ≥ 1, got ${ratio}`);
  const cut = Math.max(1, Math.floor(totalSteps * cutFrac));
  const p = step < cut ? step / cut : 1 - (step - cut) / (cut * (1 / cutFrac - 1));
  return (1 + Math.max(0, p) * (ratio - 1)) / ratio;
}

const SCHEDULES: Readonly<
  Record<ScheduleName, (step: number, total: number, options: ScheduleOptions) => number>
> = Object.freeze({
  constant: constantSchedule,
  linear: linearSchedule,
  cosine: cosineSchedule,
  slanted: slantedTriangular,
});

/**
 * Whether `name` is a schedule name.
 *
 * @example
 * ```ts
 * import { isScheduleName } from "./schedules.ts";
 * console.log(isScheduleName("cosine"), isScheduleName("step")); // true false
 * ```
 */
export function isScheduleName(name: string): name is ScheduleName {
  return Object.hasOwn(SCHEDULES, name);
}

/**
 * The schedule `name` bound to `options`. Throws naming the schedule when the name is unknown or
 * an option is out of range (checked once here, with a probe at step 0 of 1 step).
 *
 * @example
 * ```ts
 * import { makeSchedule } from "./schedules.ts";
 * const schedule = makeSchedule("slanted", { cutFrac: 0.1, ratio: 32 });
 * const lr = 1e-3 * schedule(0, 1000); // 1e-3 / 32
 * ```
 */
export function makeSchedule(name: string, options: ScheduleOptions = {}): Schedule {
  if (!isScheduleName(name)) {
    throw new Error(
      `schedule: unknown name ${JSON.stringify(name)}; expected one of ${
        SCHEDULE_NAMES.join(", ")
      }`,
    );
  }
  const fn = SCHEDULES[name];
  const bound = { ...options };
  fn(0, 1, bound); // validates the options now rather than at the first step
  return (step, totalSteps) => fn(step, totalSteps, bound);
}
