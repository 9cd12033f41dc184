/**
 * The report's charts as Vega-Lite specifications, rendered to SVG text by Vega's headless
 * renderer (no browser, no canvas): learning curves per arm (mean with a ±1 sd band over seeds),
 * the dev metrics per arm with their 95% intervals (the seeds as dots, the study's number as a
 * diamond, the sonnet prompt-only floor as a dashed line), and the confusion matrix of each arm.
 *
 * @module
 */
import * as vega from "npm:vega@6.4.0";
import * as vegaLite from "npm:vega-lite@6.5.0";
import { type ArmMetric, type CurvePoint, heldoutCurveMetric } from "./analysis.ts";

/** A Vega-Lite specification (plain JSON). */
export type VegaLiteSpec = Record<string, unknown>;

const CONFIG = {
  font: "Helvetica, Arial, sans-serif",
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
};

/**
 * Renders a Vega-Lite specification to an SVG string with Vega's headless renderer.
 *
 * @example
 * ```ts
 * const svg = await renderSvg({ data: { values: [{ x: 1 }] }, mark: "point", encoding: { x: { field: "x" } } });
 * svg.startsWith("<svg"); // true
 * ```
 */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vegaLite.compile({ config: CONFIG, ...spec } as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function curvePanel(
  points: CurvePoint[],
  metric: string,
  title: string,
  scale: number,
): VegaLiteSpec {
  const values = points.filter((p) => p.metric === metric).map((p) => ({
    arm: p.arm,
    epoch: p.epoch,
    mean: p.mean * scale,
    low: (p.mean - p.sd) * scale,
    high: (p.mean + p.sd) * scale,
    seeds: p.n,
  }));
  const x = {
    field: "epoch",
    type: "quantitative",
    title: "epoch",
    axis: { tickMinStep: 1, format: "d" },
  };
  return {
    title,
    width: 320,
    height: 220,
    data: { values },
    layer: [
      {
        mark: { type: "area", opacity: 0.18 },
        encoding: {
          x,
          y: { field: "low", type: "quantitative", title, scale: { zero: false } },
          y2: { field: "high" },
          color: { field: "arm", type: "nominal" },
        },
      },
      {
        mark: { type: "line", point: true },
        encoding: {
          x,
          y: { field: "mean", type: "quantitative" },
          color: { field: "arm", type: "nominal", title: "arm" },
        },
      },
    ],
  };
}

/**
 * Learning curves: the dev metric and the train loss per epoch, one line per arm (mean over
 * seeds) with a ±1 sd band; `percent` shows a share as a percentage. Arms whose runs select on
 * held-out training examples log that metric on them instead of dev (`heldout_*`): their line is
 * drawn in the same panel, named `<arm> (held-out)`, and the panel's title says so.
 *
 * @example
 * ```ts
 * // (from analyze(): mean and sd over seeds per arm, epoch and metric)
 * const curves = [1, 2].flatMap((epoch) => [
 *   { arm: "full", epoch, metric: "dev_accuracy", mean: 0.4 + 0.05 * epoch, sd: 0.01, n: 3 },
 *   { arm: "full", epoch, metric: "train_loss", mean: 1.5 - 0.2 * epoch, sd: 0.02, n: 3 },
 * ]);
 * const spec = learningCurvesSpec(curves, "dev_accuracy", "dev accuracy", true);
 * console.log((await renderSvg(spec)).startsWith("<svg")); // true
 * ```
 */
export function learningCurvesSpec(
  points: CurvePoint[],
  metric: string,
  label: string,
  percent = false,
): VegaLiteSpec {
  const heldout = heldoutCurveMetric(metric);
  const heldoutPoints = points.filter((p) => p.metric === heldout)
    .map((p) => ({ ...p, metric, arm: `${p.arm} (held-out)` }));
  const source = heldoutPoints.length > 0 ? "dev, or held-out train: (held-out)" : "dev";
  return {
    hconcat: [
      curvePanel(
        [...points, ...heldoutPoints],
        metric,
        `${label} (${source}${percent ? ", %" : ""})`,
        percent ? 100 : 1,
      ),
      curvePanel(points, "train_loss", "train loss", 1),
    ],
  };
}

function intervalPanel(rows: ArmMetric[], floor: number | undefined): VegaLiteSpec {
  const m = rows[0].metric;
  const scale = m.percent ? 100 : 1;
  const title = m.percent ? `${m.label} (%)` : m.label;
  const summary = rows.filter((r) => r.selectedStats).map((r) => ({
    arm: r.arm,
    mean: r.selectedStats!.mean * scale,
    low:
      (Number.isFinite(r.selectedStats!.ciLow) ? r.selectedStats!.ciLow : r.selectedStats!.mean) *
      scale,
    high:
      (Number.isFinite(r.selectedStats!.ciHigh) ? r.selectedStats!.ciHigh : r.selectedStats!.mean) *
      scale,
  }));
  const seeds = rows.flatMap((r) =>
    r.selected.map((v) => ({ arm: r.arm, seed: v.seed, value: v.value * scale }))
  );
  const study = rows.filter((r) => r.study !== undefined).map((r) => ({
    arm: r.arm,
    value: r.study! * scale,
    what: "study (one run)",
  }));
  const y = { field: "arm", type: "nominal", title: null, sort: rows.map((r) => r.arm) };
  const x = { type: "quantitative", title: null, scale: { zero: false } };
  const layer: VegaLiteSpec[] = [
    {
      data: { values: summary },
      mark: { type: "rule", strokeWidth: 2 },
      encoding: { y, x: { ...x, field: "low" }, x2: { field: "high" } },
    },
    {
      data: { values: seeds },
      mark: { type: "point", opacity: 0.6, size: 30 },
      encoding: { y, x: { ...x, field: "value" }, color: { value: "#888" } },
    },
    {
      data: { values: summary },
      mark: { type: "point", filled: true, size: 80 },
      encoding: { y, x: { ...x, field: "mean" }, color: { value: "#1f77b4" } },
    },
  ];
  if (study.length > 0) {
    layer.push({
      data: { values: study },
      mark: { type: "point", shape: "diamond", filled: true, size: 90 },
      encoding: { y, x: { ...x, field: "value" }, color: { value: "#d62728" } },
    });
  }
  if (floor !== undefined) {
    layer.push({
      data: { values: [{ value: floor * scale }] },
      mark: { type: "rule", strokeDash: [4, 3], color: "#555" },
      encoding: { x: { ...x, field: "value" } },
    });
  }
  return { title, width: 260, height: Math.max(60, 28 * rows.length), layer };
}

/**
 * Dev metrics per arm: the mean of the selected checkpoints' scores with its 95% t interval,
 * each seed as a grey dot, the study's number as a red diamond and, for sonnets, the prompt-only
 * floor as a dashed line; one panel per metric, three per row.
 *
 * @example
 * ```ts
 * import { describe } from "../../eval/stats/describe.ts";
 * import { taskView } from "./task_views.ts";
 * const metric = taskView("sst").metrics[0]; // dev accuracy
 * const selected = [{ seed: 11711, value: 0.5 }, { seed: 11712, value: 0.53 }];
 * const stats = describe(selected.map((s) => s.value));
 * // (from analyze(): one entry per arm and metric)
 * const arm = { arm: "full", metric, selected, selectedStats: stats, final: [], finalStats: null };
 * const spec = metricIntervalsSpec([{ ...arm, study: 0.518 }], null);
 * console.log((await renderSvg(spec)).startsWith("<svg")); // true
 * ```
 */
export function metricIntervalsSpec(
  armMetrics: ArmMetric[],
  floor: Record<string, number> | null,
): VegaLiteSpec {
  const keys = [...new Set(armMetrics.map((m) => m.metric.key))];
  return {
    columns: 3,
    concat: keys.map((k) =>
      intervalPanel(armMetrics.filter((m) => m.metric.key === k), floor?.[k])
    ),
  };
}

/**
 * Confusion matrices, one panel per arm: rows gold, columns predicted, colour the share of the
 * gold row, text the count summed over seeds.
 *
 * @example
 * ```ts
 * const spec = confusionSpec([{ arm: "full", matrix: [[3, 1], [0, 4]], seeds: 2 }]);
 * console.log((await renderSvg(spec)).startsWith("<svg")); // true
 * ```
 */
export function confusionSpec(
  confusions: { arm: string; matrix: number[][]; seeds: number }[],
): VegaLiteSpec {
  const values = confusions.flatMap(({ arm, matrix, seeds }) =>
    matrix.flatMap((row, gold) => {
      const total = row.reduce((s, v) => s + v, 0);
      return row.map((count, predicted) => ({
        arm: `${arm} (${seeds} seed${seeds === 1 ? "" : "s"})`,
        gold,
        predicted,
        count,
        share: total === 0 ? 0 : count / total,
      }));
    })
  );
  const axes = {
    x: { field: "predicted", type: "ordinal", title: "predicted" },
    y: { field: "gold", type: "ordinal", title: "gold" },
  };
  return {
    data: { values },
    facet: { column: { field: "arm", type: "nominal", title: null } },
    spec: {
      width: 36 * (confusions[0]?.matrix.length ?? 2),
      height: 36 * (confusions[0]?.matrix.length ?? 2),
      layer: [
        {
          mark: "rect",
          encoding: {
            ...axes,
            color: {
              field: "share",
              type: "quantitative",
              title: "share of gold row",
              scale: { domain: [0, 1], scheme: "blues" },
            },
          },
        },
        {
          mark: { type: "text", fontSize: 11 },
          encoding: {
            ...axes,
            text: { field: "count", type: "quantitative" },
            color: { condition: { test: "datum.share > 0.5", value: "white" }, value: "black" },
          },
        },
      ],
    },
  };
}
