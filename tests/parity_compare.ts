/**
 * The comparison the parity tests apply to every tensor: error statistics against a PyTorch
 * reference and a pass/fail verdict under a stated tolerance.
 *
 * A tolerance has two parts, both must hold:
 * - `scaled`: max |actual − expected| ≤ scaled · max |expected| (the tensor's largest magnitude);
 * - `rtol` with `atolScaled` (optional): every element |a − e| ≤ rtol · |e| + atolScaled · max |e|,
 *   so that typical elements, not only the largest, are held to a relative bound.
 *
 * @module
 */

/** A tolerance for {@linkcode compareToReference} (see the module doc). */
export interface ParityTolerance {
  /** Bound on the largest error as a fraction of the tensor's largest |expected|. */
  scaled: number;
  /** Per-element relative bound (omit to check only `scaled`). */
  rtol?: number;
  /** Per-element absolute slack as a fraction of the tensor's largest |expected| (default 0). */
  atolScaled?: number;
}

/** Error statistics of one tensor and the verdict. */
export interface ParityComparison {
  /** Name printed in reports and failures. */
  label: string;
  /** Elements compared. */
  count: number;
  /** max |actual − expected|. */
  maxAbsDiff: number;
  /** Median |actual − expected|. */
  medianAbsDiff: number;
  /** max |expected|. */
  scale: number;
  /** Whether both parts of the tolerance hold. */
  ok: boolean;
  /** Why it failed (the first violated bound, with the element), "" when `ok`. */
  failure: string;
}

function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Compares `actual` with the reference `expected` under `tol`. Throws when the lengths differ or
 * a value is not finite in `expected`; a non-finite `actual` value fails the comparison.
 *
 * @example
 * ```ts
 * const c = compareToReference("g", [1, 2.00001], [1, 2], { scaled: 1e-5 });
 * c.ok; // true: 1e-5 ≤ 1e-5 · 2
 * compareToReference("g", [1, 2.02], [1, 2], { scaled: 1e-5 }).ok; // false
 * ```
 */
export function compareToReference(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: ParityTolerance,
): ParityComparison {
  if (actual.length !== expected.length) {
    throw new RangeError(
      `${label}: ${actual.length} values against ${expected.length} in the reference`,
    );
  }
  const n = expected.length;
  const diffs = new Float64Array(n);
  let scale = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(expected[i])) {
      throw new RangeError(`${label}: reference value ${i} is ${expected[i]}`);
    }
    scale = Math.max(scale, Math.abs(expected[i]));
    const d = Math.abs(actual[i] - expected[i]);
    diffs[i] = Number.isNaN(d) ? Infinity : d;
  }
  let maxAbsDiff = 0;
  let worst = 0;
  diffs.forEach((d, i) => {
    if (d > maxAbsDiff) [maxAbsDiff, worst] = [d, i];
  });
  let failure = "";
  if (!(maxAbsDiff <= tol.scaled * scale)) {
    failure = `${label}: max |diff| ${maxAbsDiff.toExponential(3)} at element ${worst} ` +
      `(got ${actual[worst]}, want ${expected[worst]}) exceeds ${tol.scaled} × max |want| ` +
      `${scale.toExponential(3)}`;
  } else if (tol.rtol !== undefined) {
    const atol = (tol.atolScaled ?? 0) * scale;
    for (let i = 0; i < n; i++) {
      const bound = tol.rtol * Math.abs(expected[i]) + atol;
      if (!(diffs[i] <= bound)) {
        failure = `${label}: element ${i} is ${actual[i]}, want ${expected[i]}: |diff| ` +
          `${diffs[i].toExponential(3)} exceeds ${tol.rtol} × |want| + ${atol.toExponential(3)}`;
        break;
      }
    }
  }
  return {
    label,
    count: n,
    maxAbsDiff,
    medianAbsDiff: median(diffs),
    scale,
    ok: failure === "",
    failure,
  };
}

/**
 * One report line: label, max and median |diff|, and the largest |expected|.
 *
 * @example
 * ```ts
 * formatComparison(compareToReference("ln_f.bias", [1], [1], { scaled: 1e-5 }));
 * // "  ln_f.bias: max |diff| 0.00e+0, median 0.00e+0 (max |want| 1.00, 1 values)"
 * ```
 */
export function formatComparison(c: ParityComparison): string {
  return `  ${c.label}: max |diff| ${c.maxAbsDiff.toExponential(2)}, median ` +
    `${c.medianAbsDiff.toExponential(2)} (max |want| ${c.scale.toPrecision(3)}, ${c.count} values)`;
}
