/**
 * The analysis CLI from a clone of the repository (`npm run analyze`, `deno task analyze`): runs
 * `src/analyze/cli.ts`, which JSR users run as `deno run -A jsr:@tracelet/tracelet/cli` and npm
 * users as the `tracelet` bin.
 *
 * @module
 */
import process from "node:process";
import { main } from "../src/analyze/cli.ts";

process.exitCode = await main(process.argv.slice(2));
