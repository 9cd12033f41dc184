/**
 * Writes an experiment's `report.md` and `report.html` (see `report_doc.ts` for what they hold).
 *
 * @module
 */
import { join } from "node:path";
import { writeTextAtomic } from "../data/writers.ts";
import { type AnalysisOptions, analyze } from "./analysis.ts";
import { confusionSpec, learningCurvesSpec, metricIntervalsSpec, renderSvg } from "./charts.ts";
import { collectExperiment } from "./collect.ts";
import { EXPERIMENT_FILES } from "./layout.ts";
import { buildReportDoc, type ChartKind } from "./report_doc.ts";
import { renderHtml } from "./report_html.ts";
import { renderMarkdown } from "./report_md.ts";

/** Options of {@linkcode writeReport}. */
export interface ReportOptions extends AnalysisOptions {
  /** Messages (missing cells; default stderr). */
  log?: (message: string) => void;
}

/**
 * Reads the experiment in `dir`, computes its statistics and writes `report.md` and
 * `report.html` into it (atomically). Cells that are not done are named in the report and in
 * `log`; the rest are reported. Returns the two paths.
 *
 * @example
 * ```ts
 * import { saveExperimentPlan } from "./layout.ts";
 * import { planFromArms } from "./plan.ts";
 * const dir = await Deno.makeTempDir(); // an experiment whose cells have not run yet
 * await saveExperimentPlan(dir, planFromArms("sst", "full,last-linear", { seeds: "2" }));
 * const { md, html } = await writeReport(dir); // logs the 4 missing cells
 * console.log(md, html); // <dir>/report.md <dir>/report.html
 * ```
 */
export async function writeReport(
  dir: string,
  options: ReportOptions = {},
): Promise<{ md: string; html: string }> {
  const log = options.log ?? ((m: string) => console.error(m));
  const data = await collectExperiment(dir);
  const missing = data.cells.filter((c) => c.status !== "done");
  if (missing.length > 0) {
    log(
      `report: ${missing.length} cell(s) missing: ${
        missing.map((c) => `${c.arm} seed ${c.seed} (${c.status})`).join(", ")
      }`,
    );
  }
  const analysis = await analyze(data, options);
  const doc = buildReportDoc(data, analysis);
  const charts: Partial<Record<ChartKind, string>> = {};
  const wanted = new Set(
    doc.sections.map((s) => s.chart).filter((k): k is ChartKind => k !== undefined),
  );
  const curveSpec = data.view.metrics.find((m) => m.key === data.view.curveMetric);
  if (wanted.has("intervals")) {
    charts.intervals = await renderSvg(metricIntervalsSpec(analysis.armMetrics, analysis.floor));
  }
  if (wanted.has("curves")) {
    charts.curves = await renderSvg(
      learningCurvesSpec(
        analysis.curves,
        data.view.curveMetric,
        curveSpec?.label ?? data.view.curveMetric,
        curveSpec?.percent ?? false,
      ),
    );
  }
  if (wanted.has("confusion")) {
    charts.confusion = await renderSvg(confusionSpec(analysis.confusions));
  }
  const md = join(dir, EXPERIMENT_FILES.reportMd);
  const html = join(dir, EXPERIMENT_FILES.reportHtml);
  await writeTextAtomic(md, renderMarkdown(doc));
  await writeTextAtomic(html, renderHtml(doc, charts));
  return { md, html };
}
