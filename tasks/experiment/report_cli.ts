/**
 * `deno task report EXPERIMENT_DIR`: writes the experiment's `report.md` and `report.html` from
 * its cells (missing cells are named, the rest reported).
 *
 * @module
 */
import { writeReport } from "./report.ts";

if (import.meta.main) {
  const [dir, ...rest] = Deno.args;
  if (dir === undefined || dir === "--help" || dir === "-h" || rest.length > 0) {
    console.log(
      "Usage: deno task report EXPERIMENT_DIR\n\nWrites EXPERIMENT_DIR/report.md and report.html.",
    );
    Deno.exit(dir === "--help" || dir === "-h" ? 0 : 2);
  }
  try {
    const { md, html } = await writeReport(dir);
    console.log(`${md}\n${html}`);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
