#!/usr/bin/env node
/**
 * Builds the npm package into `npm/`:
 *
 * 1. `tsc -p tsconfig.build.json` (TypeScript 7) compiles `mod.ts` and `src/**` to ESM `.js` and
 *    `.d.ts` in `npm/esm/`, rewriting relative `.ts` imports to `.js` in the JavaScript, and
 *    `tsc -p tsconfig.build_js.json` (the same with `removeComments`, no declarations and no type
 *    check) compiles the JavaScript again without comments, into a temporary directory, at the
 *    same time;
 * 2. the comment-free JavaScript replaces the commented one, with the comments tools read carried
 *    over (license comments and bundler annotations such as `@__PURE__`, which `removeComments`
 *    drops too): the JSDoc stays in the `.d.ts` files, where editors read it, and leaves the `.js`
 *    files, which nothing reads it from (half the package's size);
 * 3. relative `.ts` imports are rewritten to `.js` in the `.d.ts` files (tsc leaves `.ts` there,
 *    which TypeScript before 5.0 rejects);
 * 4. `npm/package.json` is generated from `deno.json` (name, version, license, exports): ESM only,
 *    `sideEffects` listing only the modules with an effect at import
 *    (`scripts/side_effect_modules.json`: the presets, which register their runtime as the fallback
 *    configuration, and the modules importing them), `engines.node >= 20`, `{ types, default }`
 *    for every `deno.json` export, plus the npm-only `./auto` entry chosen by export conditions,
 *    and a `tracelet` bin (a launcher in `esm/bin/`) for the analysis CLI when
 *    `src/analyze/cli.ts` exists;
 * 5. README.md, LICENSE and the documents the README links to (DOCS) are copied.
 *
 * Run: `node --import tsx scripts/build_npm.ts` (or `deno run -A scripts/build_npm.ts`).
 *
 * @module
 */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { carryKeptComments } from "./_carry_comments.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "npm");
/**
 * The documents the package carries: the README, the license, and the documents the README links
 * to (relative links; deno.json's `publish.include` lists the same ones for JSR).
 */
const DOCS = [
  "README.md",
  "CHANGELOG.md",
  "LICENSE",
  "docs/dreadnode_compat.md",
  "bench/README.md",
  "bench/RESULTS.md",
];
const ESM = join(OUT, "esm");

/** The `./auto` entry: condition → preset module (keys in precedence order; `types` first). */
export const AUTO_CONDITIONS: readonly (readonly [string, string])[] = [
  ["types", "src/runtime/auto_default"],
  ["workerd", "src/runtime/auto_worker"],
  ["worker", "src/runtime/auto_web"],
  ["browser", "src/runtime/auto_web"],
  ["deno", "src/runtime/auto_deno"],
  ["bun", "src/runtime/auto_node"],
  ["node", "src/runtime/auto_node"],
  ["default", "src/runtime/auto_default"],
];

/**
 * The modules with an effect at import: the Node, Deno and Workers presets register their runtime
 * parts as the fallback configuration (so `run()` works without `configure()`), and every module
 * that imports one of them, directly or not, has that effect too (the `./auto` variants). The
 * portable parts (`mod.ts`, `web.ts`) are registered on first use instead, so the package entry
 * stays side-effect free and tree-shakes. A
 * bundler drops a module marked side-effect free whose exports go unused, and with it the imports
 * that registered. Every other module is side-effect free. The bundle-budget script reads the
 * same list.
 */
const SIDE_EFFECT_MODULES: readonly string[] = JSON.parse(
  readFileSync(join(ROOT, "scripts", "side_effect_modules.json"), "utf8"),
);

/**
 * A static value import: `import … from`, `export … from` (group 1 is set for `import type` and
 * `export type`, which import nothing at run time) or `import "…"`; group 2 is the relative path.
 */
const VALUE_IMPORT = new RegExp(
  String.raw`^(?:(?:import|export)(\s+type)?\s+(?:[\w$]+\s*,?\s*)?` +
    String.raw`(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?)?\s*from|import)\s*["'](\.{1,2}\/[^"']+)["']`,
  "gm",
);

/**
 * The source modules with an effect at import: those that register default parts at their top
 * level, and every module that imports one of them (following value imports only).
 *
 * @param root The repository root (holding `mod.ts` and `src/`).
 * @returns Their paths relative to `root`, sorted.
 */
export function importEffectModules(root: string): string[] {
  const files = [join(root, "mod.ts"), ...walk(join(root, "src")).filter((f) => f.endsWith(".ts"))];
  const effects = new Set<string>();
  const imports = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (/^registerDefaultParts\(/m.test(text)) effects.add(file);
    imports.set(
      file,
      [...text.matchAll(VALUE_IMPORT)].filter((m) => m[1] === undefined)
        .map((m) => resolve(dirname(file), m[2])),
    );
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [file, deps] of imports) {
      if (effects.has(file) || !deps.some((dep) => effects.has(dep))) continue;
      effects.add(file);
      grew = true;
    }
  }
  return [...effects].map((file) => relative(root, file).split("\\").join("/")).sort();
}

/**
 * The package's `sideEffects` list, checked against the sources: a module with an effect at
 * import must be listed, or bundlers would drop the registration; a listed module must have one.
 *
 * @returns The built paths of the side-effect modules.
 */
function sideEffects(): string[] {
  const found = importEffectModules(ROOT);
  const missing = found.filter((module) => !SIDE_EFFECT_MODULES.includes(module));
  const extra = SIDE_EFFECT_MODULES.filter((module) => !found.includes(module));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      "Cannot build npm package: scripts/side_effect_modules.json must list exactly the modules " +
        `that register default parts at import or import one that does: add [${missing}], ` +
        `remove [${extra}]`,
    );
  }
  return SIDE_EFFECT_MODULES.map((module) => builtPath(`./${module}`, "js"));
}

/** The analysis CLI, published as a `bin` when present. */
const CLI_SOURCE = "src/analyze/cli.ts";

interface DenoJson {
  name: string;
  version: string;
  license?: string;
  description?: string;
  exports: Record<string, string>;
}

/** A conditional export: `{ types, default }` or the `./auto` condition map. */
export type ExportTarget = Record<string, string>;

/**
 * Maps a source module (`./src/x.ts`) to its built file (`./esm/src/x.js` or `.d.ts`).
 *
 * @param source The `deno.json` export target.
 * @param kind `js` or `d.ts`.
 * @returns The path inside the npm package.
 */
export function builtPath(source: string, kind: "js" | "d.ts"): string {
  const bare = source.replace(/^\.\//, "").replace(/\.ts$/, "");
  return `./esm/${bare}.${kind}`;
}

/**
 * The npm `exports` map for a `deno.json` export map (plus `./auto`).
 *
 * @param exports The `deno.json` exports.
 * @returns The npm exports.
 */
export function npmExports(exports: Record<string, string>): Record<string, ExportTarget> {
  const out: Record<string, ExportTarget> = {};
  for (const [subpath, source] of Object.entries(exports)) {
    out[subpath] = { types: builtPath(source, "d.ts"), default: builtPath(source, "js") };
  }
  const auto: ExportTarget = {};
  for (const [condition, module] of AUTO_CONDITIONS) {
    auto[condition] = builtPath(`./${module}.ts`, condition === "types" ? "d.ts" : "js");
  }
  out["./auto"] = auto;
  return out;
}

/** Prepended to declarations that use `Symbol.dispose`, so any `lib` setting type-checks them. */
const DISPOSABLE_LIB = '/// <reference lib="esnext.disposable" />\n';

/**
 * Rewrites relative `.ts` specifiers to `.js` in declaration text (`from`, `import()`, `export`).
 *
 * @param text A `.d.ts` file's text.
 * @returns The rewritten text.
 */
export function fixDeclarationSpecifiers(text: string): string {
  return text.replace(
    /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)\.ts(["'])/g,
    (_whole, head: string, path: string, quote: string) => `${head}${path}.js${quote}`,
  );
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/**
 * Runs the pinned TypeScript compiler on a build configuration.
 *
 * @param config The tsconfig file name, in the repository root.
 * @param extra More command-line options (`--outDir`).
 * @returns When tsc has exited successfully.
 */
function compile(config: string, extra: readonly string[] = []): Promise<void> {
  const tsc = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tsc.cmd" : "tsc");
  return new Promise((resolveCompile, reject) => {
    const child = spawn(tsc, ["-p", join(ROOT, config), ...extra], { cwd: ROOT, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (status, signal) => {
      if (status === 0) return resolveCompile();
      const how = status ?? signal;
      reject(new Error(`Cannot build npm package: tsc -p ${config} exited with ${how}`));
    });
  });
}

/**
 * Replaces every `.js` file in `npm/esm/` with its comment-free build from `dir`, keeping the
 * comments tools read ({@linkcode carryKeptComments}).
 *
 * @param dir The output directory of `tsconfig.build_js.json`.
 * @returns How many files were replaced and how many comments were kept in them.
 */
function removeJsComments(dir: string): { files: number; kept: number } {
  let files = 0;
  let kept = 0;
  for (const file of walk(ESM)) {
    if (!file.endsWith(".js")) continue;
    const name = relative(ESM, file);
    const uncommented = join(dir, name);
    if (!existsSync(uncommented)) {
      throw new Error(`Cannot build npm package: tsconfig.build_js.json did not emit ${name}`);
    }
    let result;
    try {
      result = carryKeptComments(readFileSync(file, "utf8"), readFileSync(uncommented, "utf8"));
    } catch (error) {
      throw new Error(`Cannot build npm package: ${name}: ${(error as Error).message}`);
    }
    writeFileSync(file, result.text);
    files++;
    kept += result.kept;
  }
  return { files, kept };
}

function packageJson(deno: DenoJson): Record<string, unknown> {
  const exports = npmExports(deno.exports);
  for (const [subpath, target] of Object.entries(exports)) {
    for (const file of Object.values(target)) {
      if (!existsSync(join(OUT, file))) {
        throw new Error(`Cannot build npm package: export "${subpath}" points at missing ${file}`);
      }
    }
  }
  const pkg: Record<string, unknown> = {
    name: deno.name,
    version: deno.version,
    description: deno.description ??
      "Portable tracing for AI agents and services on Deno, Node, Bun and Cloudflare Workers, with zero runtime dependencies",
    license: deno.license ?? "MIT",
    type: "module",
    sideEffects: sideEffects(),
    engines: { node: ">=20" },
    files: ["esm", ...DOCS],
    types: exports["."]?.types,
    exports,
  };
  // npm's bin paths have no leading "./": `npm publish` "auto-corrects" (removes) one that has.
  if (existsSync(join(ROOT, CLI_SOURCE))) pkg.bin = { tracelet: writeCliBin().slice(2) };
  return pkg;
}

/**
 * Writes the `bin` launcher of the analysis CLI (the `tracelet` command, also the `./cli` export):
 * a shebang module that calls the compiled CLI's `main()` (the CLI's own "am I the main module"
 * check fails behind npm's `.bin` symlink). Like every published `.js` file it has no comments.
 *
 * @returns The launcher's path inside the package.
 */
function writeCliBin(): string {
  const cli = builtPath(`./${CLI_SOURCE}`, "js");
  if (!existsSync(join(OUT, cli))) {
    throw new Error(`Cannot build npm package: ${CLI_SOURCE} was not compiled to ${cli}`);
  }
  const launcher = "./esm/bin/tracelet.js";
  mkdirSync(join(OUT, "esm", "bin"), { recursive: true });
  writeFileSync(
    join(OUT, launcher),
    [
      "#!/usr/bin/env node",
      'import process from "node:process";',
      `import { main } from "../${cli.slice("./esm/".length)}";`,
      "process.exitCode = await main(process.argv.slice(2));",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return launcher;
}

async function main(): Promise<void> {
  const started = performance.now();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const uncommented = mkdtempSync(join(tmpdir(), "tracelet-npm-js-"));
  let stripped;
  try {
    // Both passes run at once; each is waited for, so a failed one leaves no tsc writing.
    const passes = await Promise.allSettled([
      compile("tsconfig.build.json"),
      compile("tsconfig.build_js.json", ["--outDir", uncommented]),
    ]);
    for (const pass of passes) if (pass.status === "rejected") throw pass.reason;
    stripped = removeJsComments(uncommented);
  } finally {
    rmSync(uncommented, { recursive: true, force: true });
  }
  let fixed = 0;
  for (const file of walk(ESM)) {
    if (!file.endsWith(".d.ts")) continue;
    const text = readFileSync(file, "utf8");
    // `[Symbol.dispose]` needs the disposable lib, which `lib: ["es2022", "dom"]` lacks.
    const next = (text.includes("Symbol.dispose") ? DISPOSABLE_LIB : "") +
      fixDeclarationSpecifiers(text);
    if (next !== text) {
      writeFileSync(file, next);
      fixed++;
    }
  }
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as DenoJson;
  const pkg = packageJson(deno);
  writeFileSync(join(OUT, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  for (const file of DOCS) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(OUT, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(OUT, file));
  }
  const files = walk(ESM).length;
  const ms = Math.round(performance.now() - started);
  console.log(
    `build_npm: ${pkg.name}@${pkg.version}: ${files} files in npm/esm, ${stripped.files} .js ` +
      `without comments (${stripped.kept} license or bundler comments kept), ${fixed} .d.ts fixed, ` +
      `${Object.keys(pkg.exports as object).length} exports${
        pkg.bin ? ", bin tracelet" : ""
      } (${ms} ms)`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
