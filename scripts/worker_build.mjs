// The esbuild options that build a Cloudflare Worker the way Wrangler does: one ES module for the
// browser platform, resolving the `workerd` and `worker` export conditions first. The bundle
// budget, the workerd test run, the smoke consumer and the real-workerd tests all build with
// these, so what they measure and run is what a Worker user deploys.

/** esbuild options for a Worker bundle (spread them and add entry points, write, …). */
export const WORKER_BUILD = Object.freeze({
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  logLevel: "error",
});
