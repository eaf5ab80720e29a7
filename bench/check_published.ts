/**
 * Checks that bench/RESULTS.md and the README's benchmark block are what bench/results/*.json
 * render to, so a README edited by hand, or committed after a run whose JSON was not kept, cannot
 * publish numbers that no saved run produced. Run by the test command's static checks.
 *
 *   deno run -A bench/check_published.ts   # exit 1 and a hint when they differ
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { README_PATH, withReadmeBlock } from "./_readme_block.ts";
import { RESULTS_PATH, resultsText, savedRuns, summary } from "./_report.ts";

const runs = savedRuns();
const stale: string[] = [];
if (readFileSync(RESULTS_PATH, "utf8") !== resultsText(runs)) stale.push("bench/RESULTS.md");
const readme = readFileSync(README_PATH, "utf8");
const expected = withReadmeBlock(readme, runs, summary(runs));
if (expected === undefined) stale.push("README.md (no BENCH:START/END block)");
else if (expected !== readme) stale.push("README.md benchmark block");
if (stale.length > 0) {
  console.error(
    `stale benchmark numbers: ${stale.join(", ")} differ from bench/results/*.json.\n` +
      "Rebuild them from the saved runs: deno eval 'import { renderResults } from " +
      '"./bench/_report.ts"; renderResults();\'',
  );
  process.exit(1);
}
console.log(`benchmark numbers match bench/results/*.json (${runs.length} runs)`);
