// Node 20 cannot run TypeScript; tsx can, but it compiles with esbuild's `keepNames`, which
// wraps every function expression in a `__name(fn, "name")` call at run time. That adds work to
// tracelet's hot paths (closures, arrow functions) that the published JavaScript does not have,
// while the OpenTelemetry packages run as shipped JavaScript. This loader strips the types with
// the same pinned esbuild and nothing else, so Node runs tracelet the way users run it.
//
//   node --import ./bench/_node_loader.mjs bench/bench.ts
import { register } from "node:module";

register("./_node_loader_hooks.mjs", import.meta.url);
