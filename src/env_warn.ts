/**
 * The one report for an environment variable that cannot be used: `invalid_env`, naming the
 * variable and the problem, never its value.
 *
 * @module
 */
import { report } from "./diagnostics.ts";

/**
 * Reports an environment variable that cannot be used (`invalid_env`, without its value).
 *
 * @param name The variable.
 * @param problem What is wrong with it.
 * @param ignored What is ignored. Default `it` (the whole variable).
 */
export function envWarn(name: string, problem: string, ignored = "it"): void {
  report("warn", "invalid_env", `Cannot use ${name}: ${problem}; ignoring ${ignored}`);
}
