/**
 * AdamW with PyTorch's `torch.optim.AdamW` update (decoupled weight decay, bias-corrected
 * moments, eps added to the bias-corrected √v), parameter groups with mutable learning rates,
 * moments kept on the GPU and one fused, chunked vec4 update kernel per parameter. State
 * export/import for resumable checkpoints. A plain f64 CPU reference is exported beside it.
 *
 * @module
 */
import { grid1d, LINEAR_INDEX } from "./dispatch_util.ts";
import { fill } from "./elementwise.ts";
import {
  empty,
  expectDtype,
  expectSameGpu,
  expectShape,
  shapeString,
  type Tensor,
} from "./tensor.ts";
import { bindPiece, kernelPair, pieceItems, pieces } from "./vec4_stream.ts";

/**
 * One fused update of a piece: p ← p·decay; m ← lerp(m, g, 1−β1); v ← β2·v + (1−β2)·g²;
 * p ← p − stepSize · m / (√v / bc2Sqrt + eps), with stepSize = lr / (1 − β1ᵗ) and
 * bc2Sqrt = √(1 − β2ᵗ) computed on the host (the order of PyTorch's single-tensor AdamW).
 */
const ADAMW_UPDATE = kernelPair("adamw_update", (type) => ({
  params: [
    ["n", "u32"],
    ["s_p", "u32"],
    ["s_g", "u32"],
    ["s_m", "u32"],
    ["s_v", "u32"],
    ["decay", "f32"],
    ["oneMinusBeta1", "f32"],
    ["beta2", "f32"],
    ["oneMinusBeta2", "f32"],
    ["stepSize", "f32"],
    ["bc2Sqrt", "f32"],
    ["eps", "f32"],
  ],
  buffers: [
    { name: "param", type, access: "read_write" },
    { name: "grad", type, access: "read" },
    { name: "m1", type, access: "read_write" },
    { name: "m2", type, access: "read_write" },
  ],
  workgroupSize: [256, 1, 1],
  body: `  let i = ${LINEAR_INDEX};
  if (i >= p.n) { return; }
  let g = grad[i + p.s_g];
  let w = param[i + p.s_p] * p.decay;
  let m0 = m1[i + p.s_m];
  let m = m0 + p.oneMinusBeta1 * (g - m0);
  let v = m2[i + p.s_v] * p.beta2 + p.oneMinusBeta2 * (g * g);
  m1[i + p.s_m] = m;
  m2[i + p.s_v] = v;
  let denom = sqrt(v) / p.bc2Sqrt + V(p.eps);
  param[i + p.s_p] = w - p.stepSize * (m / denom);`,
}));

/** One parameter group: its tensors and hyperparameters (`lr` may be changed between steps). */
export interface ParamGroup {
  /** The tensors this group updates. */
  params: Tensor[];
  /** Learning rate; set it before each step to follow a schedule. */
  lr: number;
  /** Decoupled weight decay coefficient (PyTorch's `weight_decay`). */
  weightDecay: number;
  /** Optional name, used in messages and as the prefix of unnamed parameters' state keys. */
  name?: string;
}

/** Options shared by all groups. */
export interface AdamWOptions {
  /** (β1, β2), default (0.9, 0.999). */
  betas?: readonly [number, number];
  /** Added to the bias-corrected √v, default 1e-8. */
  eps?: number;
}

/** Host copy of one parameter's moments. */
export interface MomentState {
  /** First moment (exp_avg). */
  m: Float32Array;
  /** Second moment (exp_avg_sq). */
  v: Float32Array;
  /** This parameter's own step count (PyTorch keeps one per parameter); defaults to `step`. */
  step?: number;
}

/** Everything needed to resume an {@link AdamW} run. */
export interface AdamWState {
  /** Number of `step()` calls made. */
  step: number;
  /** Group hyperparameters in group order; `params` lists each group's state keys. */
  groups: { lr: number; weightDecay: number; params?: string[] }[];
  /** Moments by parameter name (only parameters that have been updated at least once). */
  moments: Map<string, MomentState>;
}

interface ParamState {
  m: Tensor;
  v: Tensor;
  step: number;
}

/**
 * PyTorch-compatible AdamW over parameter groups. Parameters without a `.grad` at `step()` are
 * skipped and get no state (frozen parameters cost nothing). Each parameter counts its own steps,
 * as PyTorch does, so a parameter unfrozen later starts with a full-size bias correction; while
 * every parameter gets a gradient on every step this equals the optimizer's {@link stepCount}.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * import { backward } from "./autograd.ts";
 * import { sum } from "./reduce.ts";
 * const w = tensorFrom(gpu, [1, 2, 3], [3], { requiresGrad: true, name: "w" });
 * const b = tensorFrom(gpu, [0.5], [1], { requiresGrad: true, name: "b" });
 * const opt = new AdamW([
 *   { params: [w], lr: 0.1, weightDecay: 0.01, name: "decay" },
 *   { params: [b], lr: 0.1, weightDecay: 0, name: "no_decay" },
 * ]);
 * backward(sum(w)); // b gets no gradient: it does not move
 * opt.groups[0].lr = 0.05; // e.g. from a schedule, before each step
 * opt.step();
 * console.log(await w.readFloat(), await b.readFloat()); // ≈ [0.95, 1.95, 2.95] [0.5]
 * ```
 */
export class AdamW {
  /** The parameter groups; `lr` and `weightDecay` are read at every step. */
  readonly groups: ParamGroup[];
  /** (β1, β2). */
  readonly betas: readonly [number, number];
  /** eps. */
  readonly eps: number;
  /** Number of completed `step()` calls. */
  stepCount = 0;
  readonly #state = new Map<Tensor, ParamState>();
  readonly #keys = new Map<string, Tensor>();
  readonly #keyOf = new Map<Tensor, string>();

  /** Creates the optimizer; no GPU memory is allocated until a parameter first gets updated. */
  constructor(groups: ParamGroup[], { betas = [0.9, 0.999], eps = 1e-8 }: AdamWOptions = {}) {
    if (groups.length === 0) throw new Error("AdamW: no parameter groups given");
    const [b1, b2] = betas;
    for (const [label, b] of [["beta1", b1], ["beta2", b2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`AdamW: ${label} must be in [0, 1), got ${b}`);
    }
    if (!(eps >= 0)) throw new Error(`AdamW: eps must be ≥ 0, got ${eps}`);
    groups.forEach((g, gi) => {
      checkHyper(g, gi);
      g.params.forEach((p, pi) => {
        const where = `group ${g.name ?? gi} parameter ${pi} (${p.label()})`;
        expectDtype("AdamW", where, p, "f32");
        if (this.#keyOf.has(p)) {
          throw new Error(`AdamW: ${where} appears in more than one place in the groups`);
        }
        const key = p.name || `${g.name ?? `group${gi}`}[${pi}]`;
        if (this.#keys.has(key)) {
          throw new Error(`AdamW: two parameters share the name "${key}"; names key the state`);
        }
        this.#keys.set(key, p);
        this.#keyOf.set(p, key);
      });
    });
    this.groups = groups;
    this.betas = [b1, b2];
    this.eps = eps;
  }

  /**
   * Applies one AdamW update to every parameter that has a gradient. Records GPU work only; no
   * readback. Allocates zeroed moments for a parameter the first time it is updated.
   */
  step(): void {
    const [b1, b2] = this.betas;
    const work: [Tensor, Tensor, ParamGroup][] = [];
    this.groups.forEach((group, gi) => {
      checkHyper(group, gi);
      for (const p of group.params) {
        const g = p.grad;
        if (!g) continue;
        if (!this.#keyOf.has(p)) {
          throw new Error(
            `AdamW.step: ${p.label()} joined group ${group.name ?? gi} after construction; ` +
              "create a new optimizer",
          );
        }
        expectSameGpu("AdamW.step", p, g);
        expectDtype("AdamW.step", `gradient of ${p.label()}`, g, "f32");
        expectShape("AdamW.step", `gradient of ${p.label()}`, g, p.shape);
        work.push([p, g, group]);
      }
    });
    for (const [p, g, group] of work) {
      const s = this.#stateFor(p);
      s.step += 1;
      const stepSize = group.lr / (1 - b1 ** s.step);
      const bc2Sqrt = Math.sqrt(1 - b2 ** s.step);
      const decay = 1 - group.lr * group.weightDecay;
      const gpu = p.gpu;
      for (const piece of pieces(gpu, p.size)) {
        const w = [p, g, s.m, s.v].map((t) => bindPiece(t, piece));
        const hyper = [decay, 1 - b1, b2, 1 - b2, stepSize, bc2Sqrt, this.eps];
        gpu.dispatch(
          piece.vec ? ADAMW_UPDATE.vec : ADAMW_UPDATE.scalar,
          [pieceItems(piece), ...w.map((x) => x.shift), ...hyper],
          w.map((x) => x.window),
          grid1d(gpu, pieceItems(piece)),
        );
      }
    }
    this.stepCount += 1;
  }

  /** Whether the parameter has moments (it has been updated at least once). */
  hasState(param: Tensor): boolean {
    return this.#state.has(param);
  }

  /** Bytes of GPU memory the moments occupy. */
  stateBytes(): number {
    let n = 0;
    for (const s of this.#state.values()) n += 8 * s.m.size;
    return n;
  }

  #stateFor(p: Tensor): ParamState {
    let s = this.#state.get(p);
    if (!s) {
      s = { m: this.#zeros(p), v: this.#zeros(p), step: 0 };
      this.#state.set(p, s);
    }
    return s;
  }

  #zeros(p: Tensor): Tensor {
    const t = fill(empty(p.gpu, p.shape), 0);
    p.gpu.keep(t);
    return t;
  }

  /**
   * Copies the step count, the group hyperparameters and every parameter's moments to the host,
   * keyed by parameter name (or `<group name>[<index>]` for unnamed parameters).
   */
  async exportState(): Promise<AdamWState> {
    const moments = new Map<string, MomentState>();
    for (const [p, s] of this.#state) {
      const m = await s.m.readFloat();
      const v = await s.v.readFloat();
      moments.set(this.#keyOf.get(p)!, { m, v, step: s.step });
    }
    return {
      step: this.stepCount,
      groups: this.groups.map((g) => ({
        lr: g.lr,
        weightDecay: g.weightDecay,
        params: g.params.map((p) => this.#keyOf.get(p)!),
      })),
      moments,
    };
  }

  /**
   * Restores a state from {@link exportState}: step count, group hyperparameters and moments.
   * Parameters without an entry start fresh (as frozen parameters do). Checks everything before
   * changing anything; throws naming the parameter and shapes on a mismatch.
   */
  importState(state: AdamWState): void {
    const op = "AdamW.importState";
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new Error(`${op}: step must be a non-negative integer, got ${state.step}`);
    }
    if (state.groups.length !== this.groups.length) {
      throw new Error(
        `${op}: the state has ${state.groups.length} parameter groups, this optimizer has ` +
          `${this.groups.length}`,
      );
    }
    state.groups.forEach((sg, gi) => {
      const mine = this.groups[gi].params.map((p) => this.#keyOf.get(p)!);
      if (sg.params && sg.params.join("\n") !== mine.join("\n")) {
        throw new Error(
          `${op}: group ${this.groups[gi].name ?? gi} holds [${mine.join(", ")}] here but ` +
            `[${sg.params.join(", ")}] in the state`,
        );
      }
      checkHyper({ ...this.groups[gi], lr: sg.lr, weightDecay: sg.weightDecay }, gi);
    });
    for (const [key, entry] of state.moments) {
      const p = this.#keys.get(key);
      if (!p) {
        const known = [...this.#keys.keys()];
        throw new Error(
          `${op}: the state has moments for "${key}", which is not a parameter of this ` +
            `optimizer (it has ${known.length}: ${known.slice(0, 8).join(", ")}` +
            `${known.length > 8 ? ", …" : ""})`,
        );
      }
      if (!entry || !entry.m || !entry.v) {
        throw new Error(`${op}: the entry for "${key}" lacks ${entry?.m ? "v" : "m"}`);
      }
      if (entry.m.length !== p.size || entry.v.length !== p.size) {
        throw new Error(
          `${op}: moments of "${key}" have m of ${entry.m.length} and v of ${entry.v.length} ` +
            `values, but the parameter is ${shapeString(p.shape)} (${p.size} values)`,
        );
      }
      const step = entry.step ?? state.step;
      if (!Number.isInteger(step) || step < 1) {
        throw new Error(`${op}: "${key}" has step ${step}; a stored moment needs step ≥ 1`);
      }
    }
    this.#clear();
    for (const [key, entry] of state.moments) {
      const p = this.#keys.get(key)!;
      this.#state.set(p, {
        m: this.#upload(p, entry.m),
        v: this.#upload(p, entry.v),
        step: entry.step ?? state.step,
      });
    }
    state.groups.forEach((sg, gi) => {
      this.groups[gi].lr = sg.lr;
      this.groups[gi].weightDecay = sg.weightDecay;
    });
    this.stepCount = state.step;
  }

  #upload(p: Tensor, data: Float32Array): Tensor {
    const t = empty(p.gpu, p.shape);
    p.gpu.keep(t);
    if (p.size > 0) p.gpu.write(t.buffer, 0, Float32Array.from(data));
    return t;
  }

  #clear(): void {
    for (const s of this.#state.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.#state.clear();
  }

  /** Frees the moments (GPU memory). The optimizer may be used again; it starts fresh. */
  dispose(): void {
    this.#clear();
  }
}

function checkHyper(g: ParamGroup, gi: number): void {
  const name = `AdamW: group ${g.name ?? gi}`;
  if (!(Number.isFinite(g.lr) && g.lr >= 0)) {
    throw new Error(`${name}: lr must be a finite number ≥ 0, got ${g.lr}`);
  }
  if (!(Number.isFinite(g.weightDecay) && g.weightDecay >= 0)) {
    throw new Error(`${name}: weightDecay must be a finite number ≥ 0, got ${g.weightDecay}`);
  }
}

/** Hyperparameters of {@link adamwStepCpu}. */
export interface AdamWCpuOptions {
  /** Learning rate. */
  lr: number;
  /** Decoupled weight decay. */
  wd: number;
  /** (β1, β2). */
  betas: readonly [number, number];
  /** eps. */
  eps: number;
}

/**
 * CPU reference (f64) of one AdamW step at 1-based `step`, updating `params`, `m` and `v` in
 * place (arrays in matching order).
 *
 * @example
 * ```ts
 * const [w, m, v] = [Float64Array.of(1, 2), new Float64Array(2), new Float64Array(2)];
 * adamwStepCpu([w], [[0.5, -0.5]], [m], [v], 1, { lr: 1e-3, wd: 0, betas: [0.9, 0.999], eps: 1e-8 });
 * console.log(w); // ≈ [0.999, 2.001]: the first step moves each weight by lr against its gradient
 * ```
 */
export function adamwStepCpu(
  params: Float64Array[],
  grads: ArrayLike<number>[],
  m: Float64Array[],
  v: Float64Array[],
  step: number,
  { lr, wd, betas, eps }: AdamWCpuOptions,
): void {
  const [b1, b2] = betas;
  const bc1 = 1 - b1 ** step;
  const bc2 = 1 - b2 ** step;
  params.forEach((p, k) => {
    const g = grads[k];
    for (let i = 0; i < p.length; i++) {
      p[i] *= 1 - lr * wd;
      m[k][i] = b1 * m[k][i] + (1 - b1) * g[i];
      v[k][i] = b2 * v[k][i] + (1 - b2) * g[i] * g[i];
      p[i] -= (lr / bc1) * m[k][i] / (Math.sqrt(v[k][i] / bc2) + eps);
    }
  });
}
