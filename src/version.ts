/**
 * The library version, reported as `telemetry.sdk.version` and the instrumentation scope version.
 *
 * @module
 */

/** tracelet's version (kept equal to `deno.json`'s `version` by a test). */
export const VERSION: string = "0.1.0";
