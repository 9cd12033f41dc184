/**
 * The report document as one self-contained HTML page: inline CSS, charts as inline SVG (made by
 * `charts.ts`), no script, no external file, font or stylesheet, so it opens offline and prints.
 * Each section with a chart holds exactly one `<figure class="chart">`.
 *
 * @module
 */
import type { ChartKind, ReportDoc, Table } from "./report_doc.ts";

const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6rem 0 1.2rem; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
figure.chart { margin: 0.8rem 0; overflow-x: auto; }
pre { background: #f7f7f7; padding: 0.6rem; overflow-x: auto; font-size: 0.8rem; }
.side { display: grid; gap: 0.8rem; margin-bottom: 1.2rem; }
.side pre { white-space: pre-wrap; margin: 0; }
.lead p { margin: 0.2rem 0; }
.caption { font-weight: bold; margin: 0.6rem 0 0.2rem; }
`;

/**
 * Escapes text for HTML.
 *
 * @example
 * ```ts
 * escapeHtml("<a & b>"); // "&lt;a &amp; b&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

function htmlTable(table: Table): string {
  const head = `<tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  const rows = table.rows.map((r) =>
    `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`
  );
  return `<table>\n${head}\n${rows.join("\n")}\n</table>`;
}

/**
 * The whole report as HTML; `charts` holds the SVG text of each chart kind a section names.
 *
 * @example
 * ```ts
 * import type { ReportDoc } from "./report_doc.ts";
 * const table = { header: ["arm", "dev accuracy"], rows: [["full", "51.8"], ["ulmfit", "50.9"]] };
 * const doc: ReportDoc = {
 *   title: "Experiment sst",
 *   lead: ["Task sst; 2 of 2 cells done."],
 *   sections: [{
 *     id: "scores",
 *     title: "Dev scores",
 *     intro: [],
 *     chart: "intervals",
 *     tables: [{ table }],
 *     pre: [],
 *     sideBySide: [],
 *   }],
 * };
 * const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'; // see renderSvg()
 * const html = renderHtml(doc, { intervals: svg });
 * console.log(html.includes("<td>51.8</td>"), html.includes(svg)); // true true
 * ```
 */
export function renderHtml(doc: ReportDoc, charts: Partial<Record<ChartKind, string>>): string {
  const out = [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(doc.title)}</h1>`,
    `<div class="lead">${doc.lead.map((l) => `<p>${escapeHtml(l)}</p>`).join("")}</div>`,
  ];
  for (const s of doc.sections) {
    out.push(
      `<section id="${s.id}"${s.chart ? ` class="has-chart"` : ""}>`,
      `<h2>${escapeHtml(s.title)}</h2>`,
    );
    for (const p of s.intro) out.push(`<p>${escapeHtml(p)}</p>`);
    if (s.chart) {
      const svg = charts[s.chart];
      if (!svg) throw new Error(`renderHtml(): no ${s.chart} chart for section ${s.id}`);
      out.push(`<figure class="chart" data-chart="${s.chart}">${svg}</figure>`);
    }
    for (const t of s.tables) {
      if (t.caption) out.push(`<div class="caption">${escapeHtml(t.caption)}</div>`);
      out.push(htmlTable(t.table));
    }
    for (const p of s.pre) {
      out.push(
        `<div class="caption">${escapeHtml(p.caption)}</div>`,
        `<pre>${escapeHtml(p.text)}</pre>`,
      );
    }
    for (const g of s.sideBySide) {
      out.push(
        `<div class="caption">${escapeHtml(g.caption)}</div>`,
        `<div class="side" style="grid-template-columns: repeat(${g.columns.length}, 1fr)">`,
        ...g.columns.map((c) =>
          `<div><div class="caption">${escapeHtml(c.title)}</div><pre>${
            escapeHtml(c.text)
          }</pre></div>`
        ),
        "</div>",
      );
    }
    out.push("</section>");
  }
  out.push("</body></html>", "");
  return out.join("\n");
}
