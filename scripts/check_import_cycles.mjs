// Fails when the package's runtime module graph has an import cycle. Bundlers warn about each
// one (Rollup prints "Circular dependency" for every program importing the package root), the
// evaluation order inside a cycle depends on which module is imported first, and Node 20.17/20.18
// `require()` of ESM overflows the stack on one. Type-only imports (`import type`) are erased and
// do not count. The graph is Deno's own (`deno info --json`) from every entry of deno.json's
// export map.
//
//   node scripts/check_import_cycles.mjs
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const entries = [
  ...new Set(Object.values(JSON.parse(readFileSync(`${ROOT}deno.json`, "utf8")).exports)),
];

/** Runtime (value) imports of each local module, from `deno info --json`. */
const edges = new Map();
for (const entry of entries) {
  const info = JSON.parse(
    execFileSync("deno", ["info", "--json", entry], { cwd: ROOT, maxBuffer: 64 << 20 }),
  );
  for (const module of info.modules) {
    if (!module.specifier.startsWith("file:") || edges.has(module.specifier)) continue;
    const code = (module.dependencies ?? []).map((d) => d.code?.specifier).filter(Boolean);
    edges.set(module.specifier, code.filter((s) => s.startsWith("file:")));
  }
}

/** Strongly connected components of more than one module (or a module importing itself). */
function cycles(graph) {
  const index = new Map(), low = new Map(), stack = [], onStack = new Set(), found = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next), low.set(v, next++), stack.push(v), onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) visit(w), low.set(v, Math.min(low.get(v), low.get(w)));
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do (w = stack.pop()), onStack.delete(w), component.push(w); while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const found = cycles(edges);
const relative = (s) => fileURLToPath(s).slice(ROOT.length);
for (const component of found) {
  console.error(`import cycle: ${component.map(relative).sort().join(" <-> ")}`);
}
console.log(
  `${edges.size} modules from ${entries.length} entry points, ${found.length} import cycle(s)`,
);
process.exit(found.length === 0 ? 0 : 1);
