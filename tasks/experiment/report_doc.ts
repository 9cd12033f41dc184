/**
 * The report as a document independent of its format: a title, lead lines and sections of plain
 * tables, preformatted text, side-by-side texts and at most one chart each. `report_md.ts` and
 * `report_html.ts` render it; both show the same numbers.
 *
 * @module
 */
import {
  type Analysis,
  type ArmMetric,
  heldoutCurveMetric,
  type SeedComparison,
} from "./analysis.ts";
import type { ExperimentData } from "./collect.ts";
import { formatMetric, type MetricSpec } from "./task_views.ts";

/** A plain table of strings. */
export interface Table {
  /** Column headings. */
  header: string[];
  /** Rows (same length as the header). */
  rows: string[][];
}

/** The charts a section may hold. */
export type ChartKind = "curves" | "intervals" | "confusion";

/** One section of the report. */
export interface Section {
  /** Anchor id. */
  id: string;
  /** Heading. */
  title: string;
  /** Paragraphs before the content. */
  intro: string[];
  /** The section's chart (HTML only; the tables carry the same numbers). */
  chart?: ChartKind;
  /** Tables, each with an optional caption. */
  tables: { caption?: string; table: Table }[];
  /** Preformatted blocks (logs). */
  pre: { caption: string; text: string }[];
  /** Texts shown side by side (generations), one group per row. */
  sideBySide: { caption: string; columns: { title: string; text: string }[] }[];
}

/** The whole report. */
export interface ReportDoc {
  /** Title. */
  title: string;
  /** Lines under the title. */
  lead: string[];
  /** Sections in order. */
  sections: Section[];
}

function section(id: string, title: string, rest: Partial<Section> = {}): Section {
  return { id, title, intro: [], tables: [], pre: [], sideBySide: [], ...rest };
}

/**
 * A p-value as printed: three decimals, "<0.001" below that, "–" when undefined.
 *
 * @example
 * ```ts
 * formatP(0.00004); // "<0.001"
 * ```
 */
export function formatP(p: number | undefined | null): string {
  if (p === undefined || p === null || !Number.isFinite(p)) return "–";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

/** A difference in the metric's units (percentage points for shares), signed. */
function formatDiff(spec: MetricSpec, d: number | undefined): string {
  if (d === undefined || !Number.isFinite(d)) return "–";
  const text = spec.percent
    ? (d * 100).toFixed(1)
    : Math.abs(d) >= 10
    ? d.toFixed(1)
    : d.toFixed(3);
  return d > 0 ? `+${text}` : text;
}

function meanSd(spec: MetricSpec, m: ArmMetric, which: "selectedStats" | "finalStats"): string {
  const s = m[which];
  if (!s) return "–";
  return s.n < 2
    ? formatMetric(spec, s.mean)
    : `${formatMetric(spec, s.mean)} ± ${formatMetric(spec, s.sd)}`;
}

function ci(spec: MetricSpec, low: number, high: number): string {
  return Number.isFinite(low) ? `[${formatMetric(spec, low)}, ${formatMetric(spec, high)}]` : "–";
}

function metricsTable(a: Analysis): Table {
  const floor = a.floor;
  const header = [
    "metric",
    "arm",
    "seeds",
    "selected: mean ± sd",
    "95% CI",
    "final epoch: mean ± sd",
    "study",
  ];
  if (floor) header.push("prompt-only floor");
  const rows = a.armMetrics.map((m) => {
    const s = m.selectedStats;
    const row = [
      m.metric.label + (m.metric.percent ? " (%)" : ""),
      m.arm,
      String(m.selected.length),
      meanSd(m.metric, m, "selectedStats"),
      s ? ci(m.metric, s.ciLow, s.ciHigh) : "–",
      meanSd(m.metric, m, "finalStats"),
      m.study === undefined ? "" : formatMetric(m.metric, m.study),
    ];
    if (floor) row.push(m.metric.key in floor ? formatMetric(m.metric, floor[m.metric.key]) : "");
    return row;
  });
  return { header, rows };
}

function seedTestsTable(comparisons: SeedComparison[]): Table {
  return {
    header: [
      "metric",
      "scores",
      "A − B",
      "seeds",
      "mean diff",
      "95% CI",
      "t-test p",
      "Cohen's d_z",
      "Wilcoxon p",
      "rank-biserial r",
      "sign-flip p (min)",
    ],
    rows: comparisons.map((c) => [
      c.metric.label,
      c.scores,
      `${c.a} − ${c.b}`,
      String(c.seeds.length),
      formatDiff(c.metric, c.tTest?.meanDiff ?? c.signFlip?.meanDiff),
      c.tTest
        ? `[${formatDiff(c.metric, c.tTest.ciLow)}, ${formatDiff(c.metric, c.tTest.ciHigh)}]`
        : "–",
      formatP(c.tTest?.p),
      c.tTest && Number.isFinite(c.tTest.cohenDz) ? c.tTest.cohenDz.toFixed(2) : "–",
      formatP(c.wilcoxon?.p),
      c.wilcoxon ? c.wilcoxon.rankBiserial.toFixed(2) : "–",
      c.signFlip ? `${formatP(c.signFlip.p)} (${formatP(c.signFlip.minP)})` : "–",
    ]),
  };
}

function exampleTestsTable(a: Analysis): Table {
  const pct: MetricSpec = { key: "dev_accuracy", label: "", percent: true, higherIsBetter: true };
  const boot = (r: { diff: number; ciLow: number; ciHigh: number }) =>
    `${formatDiff(pct, r.diff)} [${formatDiff(pct, r.ciLow)}, ${formatDiff(pct, r.ciHigh)}]`;
  return {
    header: [
      "A − B",
      "seed",
      "examples",
      "Δ accuracy (points) [95% CI]",
      "bootstrap p",
      "Δ macro F1 (points) [95% CI]",
      "bootstrap p",
      "McNemar b / c",
      "McNemar exact p",
      "odds ratio b/c",
    ],
    rows: a.exampleComparisons.map((c) => [
      `${c.a} − ${c.b}`,
      String(c.seed),
      String(c.accuracy.n),
      boot(c.accuracy),
      formatP(c.accuracy.p),
      boot(c.macroF1),
      formatP(c.macroF1.p),
      `${c.mcnemar.b} / ${c.mcnemar.c}`,
      formatP(c.mcnemar.pExact),
      Number.isFinite(c.mcnemar.oddsRatio)
        ? c.mcnemar.oddsRatio.toFixed(2)
        : String(c.mcnemar.oddsRatio),
    ]),
  };
}

function curvesTable(a: Analysis, metric: string, spec: MetricSpec | undefined): Table {
  const points = a.curves.filter((p) => p.metric === metric);
  const epochs = [...new Set(points.map((p) => p.epoch))].sort((x, y) => x - y);
  const fmt = (v: number) => spec ? formatMetric(spec, v) : v.toFixed(4);
  return {
    header: ["epoch", ...a.arms],
    rows: epochs.map((e) => [
      String(e),
      ...a.arms.map((arm) => {
        const p = points.find((q) => q.arm === arm && q.epoch === e);
        return p ? (p.n > 1 ? `${fmt(p.mean)} ± ${fmt(p.sd)}` : fmt(p.mean)) : "–";
      }),
    ]),
  };
}

function cellsTable(data: ExperimentData): Table {
  const select = (c: ExperimentData["cells"][number]) => {
    const metric = (c.config?.select as { metric?: string } | undefined)?.metric;
    const v = metric ? c.final?.[metric] : undefined;
    return metric && v !== undefined ? `${metric} ${Number(v).toFixed(4)}` : "–";
  };
  return {
    header: ["arm", "seed", "status", "epochs logged", "best epoch", "selected", "folder"],
    rows: data.cells.map((c) => [
      c.arm,
      String(c.seed),
      c.status,
      String(c.metrics.length),
      String(c.metrics.filter((r) => r.best === true).at(-1)?.epoch ?? "–"),
      select(c),
      c.dir,
    ]),
  };
}

/**
 * Builds the report document of an analysed experiment.
 *
 * @example
 * ```ts
 * import { analyze } from "./analysis.ts";
 * import { collectExperiment } from "./collect.ts";
 * import { saveExperimentPlan } from "./layout.ts";
 * import { planFromArms } from "./plan.ts";
 * const dir = await Deno.makeTempDir(); // an experiment whose cells have not run yet
 * await saveExperimentPlan(dir, planFromArms("sst", "full,last-linear", { seeds: "2" }));
 * const data = await collectExperiment(dir);
 * const doc = buildReportDoc(data, await analyze(data));
 * console.log(doc.lead[1]); // Task sst; …; 0 of 4 cells done.
 * console.log(doc.sections.map((s) => s.title)); // the missing cells are listed in a section
 * ```
 */
export function buildReportDoc(data: ExperimentData, a: Analysis): ReportDoc {
  const { plan, view } = data;
  const done = data.cells.filter((c) => c.status === "done").length;
  const lead = [
    plan.description,
    `Task ${plan.task}; plan ${plan.source}; seeds ${
      plan.seeds.join(", ")
    }; ${done} of ${data.cells.length} cells done.`,
    ...plan.arms.map((arm) =>
      `Arm ${arm.name}: --strategy=${arm.strategy} ${arm.flags.join(" ")}`.trim()
    ),
    plan.studySource ? `Study numbers: ${plan.studySource}.` : "",
  ].filter((l) => l !== "");
  const sections: Section[] = [];
  const missing = data.cells.filter((c) => c.status !== "done");
  if (missing.length > 0) {
    sections.push(section("missing", "Missing cells", {
      intro: [`${missing.length} cell(s) have no result; the statistics below use the others.`],
      tables: [{
        table: {
          header: ["arm", "seed", "status", "error"],
          rows: missing.map((c) => [c.arm, String(c.seed), c.status, c.problem?.error ?? ""]),
        },
      }],
      pre: missing.filter((c) => c.problem?.logTail).map((c) => ({
        caption: `${c.arm} seed ${c.seed}: last lines of train.log`,
        text: c.problem!.logTail,
      })),
    }));
  }
  sections.push(section("metrics", "Dev metrics per arm", {
    intro: [
      "Selected: the checkpoint chosen by the run's selection metric (on dev for arms that select on dev, so optimistic there; on held-out training examples otherwise); final epoch: the weights after the last epoch, scored on dev. Mean ± sample sd over seeds; 95% CI of the mean from Student's t.",
      "Chart: blue dot the mean of the selected scores, black line its 95% CI, grey dots the seeds, red diamond the study's single run" +
      (a.floor ? ", dashed line the prompt-only floor." : "."),
      ...(a.floor
        ? [
          "Prompt-only floor: the three given lines of each dev sonnet alone, scored against the gold sonnets.",
        ]
        : []),
    ],
    chart: "intervals",
    tables: [{ table: metricsTable(a) }],
  }));
  const curveSpec = view.metrics.find((m) => m.key === view.curveMetric);
  const heldout = heldoutCurveMetric(view.curveMetric);
  const heldoutCurves = heldout !== null && a.curves.some((p) => p.metric === heldout);
  const devCurves = !heldoutCurves || a.curves.some((p) => p.metric === view.curveMetric);
  const curveLabel = curveSpec?.label ?? view.curveMetric;
  sections.push(section("curves", "Learning curves", {
    intro: [
      "Mean over seeds per epoch, the band ±1 sd." +
      (heldoutCurves
        ? ` Arms that choose their epoch on held-out training examples log ${heldout} per epoch instead of dev (dev is scored once, at the end): their curves are on those examples, marked (held-out).`
        : ""),
    ],
    chart: "curves",
    tables: [
      ...(devCurves
        ? [{ caption: `${curveLabel} (dev)`, table: curvesTable(a, view.curveMetric, curveSpec) }]
        : []),
      ...(heldoutCurves
        ? [{
          caption: `${curveLabel} (held-out training examples, ${heldout})`,
          table: curvesTable(a, heldout!, curveSpec),
        }]
        : []),
      { caption: "train loss", table: curvesTable(a, "train_loss", undefined) },
    ],
  }));
  if (view.kind === "classification" && a.confusions.length > 0) {
    sections.push(section("confusion", "Confusion matrices", {
      intro: [
        "Rows gold, columns predicted; counts summed over seeds (dev predictions of the selected checkpoint).",
      ],
      chart: "confusion",
      tables: a.confusions.map((c) => ({
        caption: `${c.arm} (${c.seeds} seeds)`,
        table: {
          header: ["gold \\ predicted", ...c.matrix.map((_, k) => String(k))],
          rows: c.matrix.map((row, g) => [String(g), ...row.map(String)]),
        },
      })),
    }));
  }
  sections.push(section("seed-tests", "Arms compared over seeds", {
    intro: [
      "Paired by seed (A − B). With n seeds the smallest sign-flip p is 2/2ⁿ (0.25 for 3 seeds): a rank or permutation test cannot reach 0.05 with fewer than 6 seeds.",
    ],
    tables: [{ table: seedTestsTable(a.seedComparisons) }],
  }));
  if (a.exampleComparisons.length > 0) {
    sections.push(section("example-tests", "Arms compared over dev examples, per seed", {
      intro: [
        "Paired bootstrap over dev examples (the same resampled examples for both arms, 95% percentile interval) and McNemar's exact test (b: A right and B wrong; c: the reverse), on the dev predictions of each selected checkpoint.",
      ],
      tables: [{ table: exampleTestsTable(a) }],
    }));
  }
  if (a.samples) {
    sections.push(section("generations", `Example generations (seed ${a.samples.seed})`, {
      intro: ["Each dev sonnet's first three lines are the prompt; the rest is generated."],
      sideBySide: a.samples.sonnets.map((s) => ({
        caption: `Sonnet ${s.number}`,
        columns: [
          { title: "gold", text: s.gold },
          ...a.arms.map((arm) => ({ title: arm, text: s.byArm[arm] ?? "–" })),
        ],
      })),
    }));
  }
  sections.push(
    section("cells", "Cells", { tables: [{ table: cellsTable(data) }], intro: a.notes }),
  );
  return { title: `Experiment ${plan.name}`, lead, sections };
}
