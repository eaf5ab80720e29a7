#!/usr/bin/env node
// Smoke-tests the packed npm tarball in fresh consumer projects, one per runtime:
//
//   node   imports it and exports spans (OTLP protobuf, gzip) to a loopback receiver
//   deno   imports it (package.json + node_modules) and exports spans (OTLP/JSON, gzip)
//   bun    imports it and exports spans (OTLP/JSON, gzip)
//   workerd  a Worker bundled with esbuild FROM THE TARBALL runs in Miniflare with NO compatibility
//          flag; its spans arrive gzip-compressed at the loopback receiver (fetched from workerd)
//   browser  an esbuild `--platform=browser` bundle of `./auto` (no workerd condition)
//   node-bundled  `./node` and `./auto` bundled (esbuild, bun build) run without configure()
//   web-types, node-types  tsc type-checks the shipped declarations (DOM lib without
//          @types/node; @types/node without the DOM lib)
//
// Every consumer imports `@tracelet/tracelet/auto` and prints the preset it picked; the expected
// picks are node→node, deno→deno, bun→node, workerd→worker, browser→web. The receiver is a
// node:http server on 127.0.0.1 in this process. Needs `npm/` (run scripts/build_npm.ts first).
//
//   node scripts/smoke_consumers.mjs            # prints `smoke: N passed, N failed, N skipped`

import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { WORKER_BUILD } from "./worker_build.mjs";
import {
  checkGzip,
  checkJsonSpans,
  expect,
  spansOfJson,
  startReceiver,
} from "./_smoke_receiver.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const PKG = "@tracelet/tracelet";
const STEP_TIMEOUT_MS = 90_000;

const env = {
  ...process.env,
  PATH: [join(ROOT, "node_modules", ".bin"), join(ROOT, "node_modules", "deno"), process.env.PATH]
    .join(delimiter),
  DENO_DIR: process.env.DENO_DIR ?? join(ROOT, ".deno_dir"),
  DENO_NO_UPDATE_CHECK: "1",
  NO_COLOR: "1",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

/** Runs a command; resolves {code, output}; kills it after STEP_TIMEOUT_MS. */
function run(cmd, args, options = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? ROOT,
      env: { ...env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), STEP_TIMEOUT_MS);
    child.on("error", (err) => (output += `cannot start ${cmd}: ${err.message}\n`));
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code: code ?? 1, output });
    });
  });
}

async function mustRun(cmd, args, options) {
  const { code, output } = await run(cmd, args, options);
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${code}\n${output}`);
  return output;
}

// ---- consumers ---------------------------------------------------------------------------------

async function makeProject(base, name, tarball) {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({
      name: `smoke-${name}`,
      private: true,
      type: "module",
      dependencies: { [PKG]: `file:${tarball}` },
    }),
  );
  await mustRun("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    "--prefer-offline",
  ], { cwd: dir });
  return dir;
}

/** The program Node, Deno and Bun run: pick ./auto, configure the explicit preset, export. */
function runtimeProgram(presetPath, protocol) {
  return `import { preset } from "${PKG}/auto";
import { configure } from "${PKG}/${presetPath}";
const service = process.env.SMOKE_SERVICE;
const tracing = configure({
  serviceName: service,
  local: false,
  otlp: { endpoint: process.env.SMOKE_OTLP, protocol: "${protocol}" },
});
await tracing.tracer.withSpan(service + "-root", async () => {
  tracing.tracer.startSpan(service + "-child").end();
});
const report = await tracing.shutdown();
console.log(JSON.stringify({ preset, exported: report.exported }));
`;
}

function lastJson(output) {
  const line = output.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  expect(line, `the program printed its result\n${output}`);
  return JSON.parse(line);
}

async function runtimeConsumer(ctx, { name, cmd, args, presetPath, protocol, expectPreset }) {
  const dir = await makeProject(ctx.base, name, ctx.tarball);
  writeFileSync(join(dir, "main.mjs"), runtimeProgram(presetPath, protocol));
  const service = `smoke-${name}`;
  const output = await mustRun(cmd, [...args, "main.mjs"], {
    cwd: dir,
    env: { SMOKE_OTLP: ctx.receiver.url, SMOKE_SERVICE: service },
  });
  const result = lastJson(output);
  expect(
    result.preset === expectPreset,
    `./auto picked "${result.preset}", expected "${expectPreset}"`,
  );
  expect(result.exported === 2, `2 spans exported (report: ${result.exported})`);
  const requests = await ctx.receiver.waitFor(`${service}-child`);
  if (protocol === "http/json") {
    checkGzip(requests, "application/json");
    checkJsonSpans(requests, { service, root: `${service}-root`, child: `${service}-child` });
  } else {
    checkGzip(requests, "application/x-protobuf");
    expect(requests.some((r) => r.body.includes(service)), "the protobuf body names the service");
  }
  const cli = name === "node" ? await runCli(dir) : "";
  return `auto → ${result.preset}; 2 spans arrived (${protocol}, gzip)${cli}`;
}

/** Runs the package's `tracelet` bin (the analysis CLI) through npm's .bin link, if it has one. */
async function runCli(dir) {
  const installed = join(dir, "node_modules", ...PKG.split("/"), "package.json");
  const bins = Object.values(JSON.parse(readFileSync(installed, "utf8")).bin ?? {});
  if (bins.length === 0) return "";
  // `npm publish` "auto-corrects" a bin path written with a leading "./" by removing the bin.
  expect(bins.every((path) => !path.startsWith("./")), `bin paths have no leading ./: ${bins}`);
  const bin = join(dir, "node_modules", ".bin", "tracelet");
  expect(existsSync(bin), "npm linked the tracelet bin");
  const traces = join(dir, "traces");
  mkdirSync(traces, { recursive: true });
  writeFileSync(join(traces, "run_smoke.jsonl"), "not json\n");
  const output = await mustRun(bin, ["--trace-dir", traces, "--json"], { cwd: dir });
  const report = JSON.parse(output);
  expect(typeof report === "object" && report !== null, "the tracelet bin printed a JSON report");
  return "; bin tracelet ran";
}

const WORKER_SOURCE = `import { getTracer, instrument, invocationSpan } from "${PKG}/worker";
import { preset } from "${PKG}/auto";
const diagnostics = [];
export default instrument({
  async fetch(request, env, ctx) {
    const span = getTracer().startSpan("smoke-worker-child", { parent: invocationSpan(ctx) });
    await fetch(env.SMOKE_OTLP.replace("/v1/traces", "/ping"), { method: "POST", body: "x" });
    span.end();
    return Response.json({ preset, diagnostics });
  },
}, {
  configure: (env) => ({
    serviceName: "smoke-worker",
    local: false,
    diagnostics: (d) => void diagnostics.push(d.level + " " + d.code),
    otlp: { endpoint: env.SMOKE_OTLP, protocol: "http/json" },
  }),
});
`;

async function workerConsumer(ctx) {
  const dir = await makeProject(ctx.base, "workerd", ctx.tarball);
  writeFileSync(join(dir, "worker.mjs"), WORKER_SOURCE);
  const result = await esbuild.build({
    entryPoints: [join(dir, "worker.mjs")],
    absWorkingDir: dir,
    ...WORKER_BUILD,
    write: false,
  });
  const script = result.outputFiles[0].text;
  expect(!/from\s*["']node:/.test(script), "the Worker bundle imports nothing from node:*");
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2026-04-01", // no compatibility flags: the preset must not need nodejs_compat
    bindings: { SMOKE_OTLP: ctx.receiver.url },
  });
  try {
    const response = await mf.dispatchFetch("http://smoke.test/hello", {
      headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    });
    const body = await response.json();
    expect(
      body.preset === "worker",
      `./auto picked "${body.preset}" in workerd, expected "worker"`,
    );
    const bad = body.diagnostics.filter((d) => /^(warn|error) /.test(d));
    expect(bad.length === 0, `no warnings or errors from tracelet in workerd (got ${bad})`);
    const requests = await ctx.receiver.waitFor("smoke-worker-child");
    checkGzip(requests, "application/json");
    const spans = requests.flatMap(spansOfJson);
    checkJsonSpans(requests, { service: "smoke-worker", root: "GET", child: "smoke-worker-child" });
    const root = spans.find((s) => s.name === "GET");
    expect(
      root.traceId === "0af7651916cd43dd8448eb211c80319c",
      "the root continued the traceparent",
    );
    const path = root.attributes.find((a) => a.key === "url.path")?.value?.stringValue;
    expect(path === "/hello", `url.path is /hello (got ${path})`);
    return `auto → worker; ${spans.length} spans arrived gzip-compressed from workerd (bundle ${
      (script.length / 1024).toFixed(1)
    } kB)`;
  } finally {
    await mf.dispose();
  }
}

/** Bundles a project's `entry` (`entry.mjs`) with esbuild into `bundle`; returns its path. */
async function bundleEntry(dir, platform, entry = "entry.mjs", bundle = join(dir, "bundle.mjs")) {
  await esbuild.build({
    entryPoints: [join(dir, entry)],
    absWorkingDir: dir,
    bundle: true,
    format: "esm",
    platform,
    outfile: bundle,
    logLevel: "error",
  });
  return bundle;
}

async function browserConsumer(ctx) {
  const dir = await makeProject(ctx.base, "browser", ctx.tarball);
  writeFileSync(
    join(dir, "entry.mjs"),
    `import { preset } from "${PKG}/auto";\nconsole.log(JSON.stringify({ preset }));\n`,
  );
  const bundle = await bundleEntry(dir, "browser");
  const result = lastJson(await mustRun("node", [bundle], { cwd: dir }));
  expect(
    result.preset === "web",
    `./auto picked "${result.preset}" for a browser bundle, expected "web"`,
  );
  return "auto → web (esbuild --platform=browser)";
}

/** A program that uses tracelet without calling configure(): `run()` must still write its JSONL. */
const RUN_PROGRAM = (subpath) =>
  `import { logMetric, run } from "${PKG}/${subpath}";
await run("bundled", { project: "smoke" }, async () => {
  logMetric("answer", 42);
});
`;

/**
 * Node programs bundled by esbuild and by `bun build --target=node` that use the node preset, or
 * `./auto`, without calling configure(): the preset's import-time registration (listed in the
 * package's `sideEffects`, with every module importing it) must survive bundling, so the run's
 * JSONL is still written.
 */
async function bundledNodeConsumer(ctx) {
  const dir = await makeProject(ctx.base, "node-bundled", ctx.tarball);
  const cases = [["node", "esbuild"], ["auto", "esbuild"], ["auto", "bun"]];
  for (const [subpath, bundler] of cases) {
    const name = `${subpath}-${bundler}`;
    writeFileSync(join(dir, `${name}.mjs`), RUN_PROGRAM(subpath));
    const bundle = join(dir, `${name}.bundle.mjs`);
    if (bundler === "bun") {
      await mustRun("bun", ["build", `${name}.mjs`, "--target=node", "--outfile", bundle], {
        cwd: dir,
      });
    } else await bundleEntry(dir, "node", `${name}.mjs`, bundle);
    const home = join(dir, `home-${name}`);
    await mustRun("node", [bundle], { cwd: dir, env: { TRACELET_HOME: home } });
    const projects = join(home, "projects", "smoke");
    const runs = existsSync(projects) ? readdirSync(projects) : [];
    expect(runs.length === 1, `the ${bundler} bundle of ./${subpath} wrote its run under ${home}`);
    const lines = readFileSync(join(projects, runs[0], "spans.jsonl"), "utf8").trim().split("\n");
    expect(lines.some((l) => l.includes("answer")), "the run's spans.jsonl holds the metric");
  }
  return `bundles without configure() wrote their runs (${
    cases.map(([subpath, bundler]) => `./${subpath} by ${bundler}`).join(", ")
  })`;
}

/**
 * A TypeScript user of the web preset with the common browser settings (`lib: ["es2022", "dom"]`,
 * no `@types/node`, `skipLibCheck: false`): the shipped declarations must type-check there too
 * (they use `Symbol.dispose`, which those libs lack, so the build references the lib it needs).
 */
async function webTypesConsumer(ctx) {
  const dir = await makeProject(ctx.base, "web-types", ctx.tarball);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        lib: ["es2022", "dom"],
        module: "esnext",
        moduleResolution: "bundler",
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: ["check.ts"],
    }),
  );
  writeFileSync(
    join(dir, "check.ts"),
    `import { configure, Tracer } from "${PKG}/web";
const tracer: Tracer = configure({ serviceName: "web" }).tracer;
tracer.startSpan("load", { attributes: { rows: 1 } }).end();
`,
  );
  await mustRun("tsc", ["-p", "."], { cwd: dir });
  return 'tsc with lib ["es2022", "dom"], no @types/node, skipLibCheck false';
}

/**
 * A TypeScript Node project without the DOM lib (`lib: ["es2022"]`, `@types/node`, strict,
 * `exactOptionalPropertyTypes`, `skipLibCheck: false`): every entry point's declarations must
 * type-check there (no DOM-only names such as `RequestInfo`), options given as `undefined` must
 * be accepted (options.ts), and so must the README's Workers
 * `startSpan`/`tracedFetch({ parent: invocationSpan(ctx) })` (a `Span | undefined`) and `./auto`'s
 * `configure()` given the Workers preset's `asyncLocalStorage` option.
 */
async function nodeTypesConsumer(ctx) {
  const dir = await makeProject(ctx.base, "node-types", ctx.tarball);
  const pkg = join(dir, "node_modules", ...PKG.split("/"), "package.json");
  const subpaths = Object.keys(JSON.parse(readFileSync(pkg, "utf8")).exports);
  const files = {
    "entries.ts": subpaths.map((subpath, i) =>
      `export * as m${i} from "${PKG}${subpath.slice(1)}";\n`
    ).join(""),
    "worker.ts": `import { type ExecutionContextLike, invocationSpan } from "${PKG}/worker";
import { getTracer, instrument, tracedFetch } from "${PKG}/worker";
export const worker = instrument({
  fetch(request: Request, _env: unknown, ctx: ExecutionContextLike): Promise<Response> {
    getTracer().startSpan("lookup", { parent: invocationSpan(ctx) }).end();
    const fetch = tracedFetch({ parent: invocationSpan(ctx) });
    return fetch(\`https://origin.example\${new URL(request.url).pathname}\`);
  },
});
`,
    // An option read from an unset environment variable is \`undefined\`, which every options
    // type takes (with exactOptionalPropertyTypes, \`?: T\` alone refuses it).
    "options.ts":
      `import { BatchSpanProcessor, configure, OtlpHttpExporter, run, task, Tracer } from "${PKG}";
declare const maybe: string | undefined;
declare const maybeNumber: number | undefined;
export const tracer = new Tracer({ serviceName: maybe });
export const tracing = configure({ project: maybe, serviceName: maybe });
export const span = tracer.startSpan("a", { label: maybe });
export const result = run("r", { project: maybe }, () => 1);
export const traced = task(() => 1, { name: maybe });
const exporter = new OtlpHttpExporter({ endpoint: maybe, timeoutMillis: maybeNumber });
export const batch = new BatchSpanProcessor(exporter, { maxExportBatchSize: maybeNumber });
`,
    "auto.ts": `import { AsyncLocalStorage } from "node:async_hooks";
import { configure } from "${PKG}/auto";
export const tracing = configure({ serviceName: "edge", asyncLocalStorage: AsyncLocalStorage });
`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        lib: ["es2022"],
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        skipLibCheck: false,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules", "@types")], // the repository's @types/node
      },
      files: Object.keys(files),
    }),
  );
  await mustRun("tsc", ["-p", "."], { cwd: dir });
  const options = "exactOptionalPropertyTypes, skipLibCheck false";
  return `tsc with lib ["es2022"], @types/node, ${options} (${subpaths.length} entry points)`;
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(join(ROOT, "npm", "package.json"))) {
    await mustRun("node", ["--import", "tsx", "scripts/build_npm.ts"]);
  }
  const base = mkdtempSync(join(tmpdir(), "tracelet-smoke-"));
  const receiver = await startReceiver();
  const counts = { passed: 0, failed: 0, skipped: 0 };
  try {
    const packed = await mustRun("npm", ["pack", "--pack-destination", base, "--silent"], {
      cwd: join(ROOT, "npm"),
    });
    const tarball = join(base, packed.trim().split("\n").pop());
    console.log(`smoke: packed ${tarball}`);
    const ctx = { base, tarball, receiver };
    const consumers = [
      ["node", () =>
        runtimeConsumer(ctx, {
          name: "node",
          cmd: "node",
          args: [],
          presetPath: "node",
          protocol: "http/protobuf",
          expectPreset: "node",
        })],
      ["deno", () =>
        runtimeConsumer(ctx, {
          name: "deno",
          cmd: "deno",
          args: ["run", "-A"],
          presetPath: "deno",
          protocol: "http/json",
          expectPreset: "deno",
        })],
      ["bun", () =>
        runtimeConsumer(ctx, {
          name: "bun",
          cmd: "bun",
          args: [],
          presetPath: "node",
          protocol: "http/json",
          expectPreset: "node",
        })],
      ["workerd", () => workerConsumer(ctx)],
      ["browser", () => browserConsumer(ctx)],
      ["node-bundled", () => bundledNodeConsumer(ctx)],
      ["web-types", () => webTypesConsumer(ctx)],
      ["node-types", () => nodeTypesConsumer(ctx)],
    ];
    for (const [name, check] of consumers) {
      const started = Date.now();
      try {
        const note = await check();
        counts.passed++;
        console.log(`ok     ${name.padEnd(8)} ${note} (${Date.now() - started} ms)`);
      } catch (error) {
        counts.failed++;
        console.log(
          `FAILED ${name.padEnd(8)} ${String(error?.stack ?? error).replace(/\n/g, "\n         ")}`,
        );
      }
    }
  } finally {
    await receiver.close();
    rmSync(base, { recursive: true, force: true });
  }
  console.log(`smoke: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`smoke: ${error?.stack ?? error}`);
    console.log("smoke: 0 passed, 1 failed, 0 skipped");
    process.exit(1);
  },
);
