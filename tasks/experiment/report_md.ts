/**
 * The report document as Markdown: plain pipe tables, logs in fenced blocks, generations one
 * after another (a Markdown table cannot hold a sonnet). Charts are in `report.html` only; every
 * number they show is in a table here.
 *
 * @module
 */
import type { ReportDoc, Table } from "./report_doc.ts";

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/**
 * A table as Markdown.
 *
 * @example
 * ```ts
 * markdownTable({ header: ["a", "b"], rows: [["1", "2"]] }); // "| a | b |\n| --- | --- |\n| 1 | 2 |"
 * ```
 */
export function markdownTable(table: Table): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(table.header), line(table.header.map(() => "---")), ...table.rows.map(line)].join(
    "\n",
  );
}

/**
 * The whole report as Markdown.
 *
 * @example
 * ```ts
 * import type { ReportDoc } from "./report_doc.ts";
 * const table = { header: ["arm", "dev accuracy"], rows: [["full", "51.8"], ["ulmfit", "50.9"]] };
 * const doc: ReportDoc = {
 *   title: "Experiment sst",
 *   lead: ["Task sst; 2 of 2 cells done."],
 *   sections: [{ id: "scores", title: "Dev scores", intro: [], tables: [{ table }], pre: [], sideBySide: [] }],
 * };
 * console.log(renderMarkdown(doc)); // "# Experiment sst", the lead, "## Dev scores" and the table
 * ```
 */
export function renderMarkdown(doc: ReportDoc): string {
  const out = [`# ${doc.title}`, "", ...doc.lead.map((l) => `${l}  `), ""];
  for (const s of doc.sections) {
    out.push(`## ${s.title}`, "");
    for (const p of s.intro) out.push(p, "");
    if (s.chart) out.push(`(Chart in report.html.)`, "");
    for (const t of s.tables) {
      if (t.caption) out.push(`**${t.caption}**`, "");
      out.push(markdownTable(t.table), "");
    }
    for (const p of s.pre) out.push(`**${p.caption}**`, "", "```", p.text, "```", "");
    for (const group of s.sideBySide) {
      out.push(`### ${group.caption}`, "");
      for (const c of group.columns) out.push(`**${c.title}**`, "", "```", c.text, "```", "");
    }
  }
  return out.join("\n").replace(/\n{3,}/g, "\n\n");
}
