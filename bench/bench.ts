/**
 * tracelet's benchmarks against OpenTelemetry JS, in one process, with the same data:
 *
 * - A. span lifecycle (A-flat, A-tree) through each side's batch processor;
 * - B. encoding one 512-span batch (protobuf, JSON; alone and + gzip) and bytes per span;
 * - C. floors (bare span records; `JSON.stringify` + gzip of the same payload);
 * - end to end (A + encode + gzip) against C's floor;
 * - D. memory with the collector down;
 * - L. the local JSONL log the Node and Deno presets write by default, against a floor.
 *
 * Prints markdown; a full run also saves bench/results/<runtime>.json and rebuilds
 * bench/RESULTS.md. `--smoke` runs everything with tiny counts (for the test command; no timing
 * is judged) and writes nothing.
 *
 *   npm run bench        node (types stripped by esbuild, see _node_loader.mjs)
 *   deno task bench      deno
 *   npm run bench:bun    bun
 *   … -- --smoke | --only A,B,C,E,D,L | --no-write | --wall
 *   … -- --render        rebuild RESULTS.md from bench/results/*.json without measuring
 *
 * @module
 */
import process from "node:process";
import type { OtelSide, Side } from "./_driver.ts";
import { renderResults, renderRun, saveRun } from "./_report.ts";
import {
  atMost,
  clockLabel,
  fasterBy,
  machineLabel,
  type Mode,
  runtimeLabel,
  runtimeName,
  type Section,
  type Target,
  useClock,
} from "./_stats.ts";
import { otel2 } from "./drivers/otel2.ts";
import { tracelet } from "./drivers/tracelet.ts";
import { otel3 } from "./otel3/driver.ts";
import { runSpans, type SpansResult } from "./workload_a_spans.ts";
import { runEncode } from "./workload_b_encode.ts";
import { floorsSection, runPayloadFloors } from "./workload_c_floors.ts";
import { runMemory } from "./workload_d_memory.ts";
import { type EndToEndResult, runEndToEnd } from "./workload_e2e.ts";
import { runLocalLog } from "./workload_l_local_log.ts";

const COMMANDS: Record<string, string> = {
  node: "npm run bench",
  deno: "deno task bench",
  bun: "npm run bench:bun",
};

function parseArgs(
  argv: readonly string[],
): { mode: Mode; only: Set<string>; write: boolean } {
  if (argv.includes("--wall")) useClock("wall");
  const mode: Mode = argv.includes("--smoke") ? "smoke" : "full";
  const onlyArg = argv.find((a) => a.startsWith("--only"));
  const onlyValue = onlyArg?.includes("=")
    ? onlyArg.split("=")[1]
    : onlyArg
    ? argv[argv.indexOf(onlyArg) + 1]
    : undefined;
  const only = new Set((onlyValue ?? "A,B,C,E,D,L").toUpperCase().split(","));
  return {
    mode,
    only,
    write: mode === "full" && !argv.includes("--no-write") && onlyValue === undefined,
  };
}

/** A comparison shown for information, without a target of the issue. */
function info(target: Target): Target {
  return { ...target, need: "(no target)", met: true };
}

function log(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--render")) {
    log(`wrote ${renderResults()} from bench/results/*.json`);
    return 0;
  }
  const { mode, only, write } = parseArgs(argv);
  const started = performance.now();
  const otel: OtelSide[] = [otel2, otel3];
  const sides: Side[] = [tracelet, ...otel];
  const sections: Section[] = [];
  log(`${runtimeLabel()} · ${machineLabel()} · mode ${mode}`);

  let spans: SpansResult | undefined;
  if (only.has("A") || only.has("C")) {
    log("A: span lifecycle (with C's span floors)");
    spans = await runSpans(sides, mode);
    const [t, o2, o3] = spans.sides;
    const targets: Target[] = [
      fasterBy(`A-flat: ${o2.side.name} ÷ tracelet`, o2.flat, t.flat, 4),
      fasterBy(`A-flat: ${o3.side.name} ÷ tracelet`, o3.flat, t.flat, 3),
      atMost("A-flat: tracelet ÷ floor (C)", t.flat, spans.floorFlat, 4),
      info(fasterBy(`A-tree: ${o2.side.name} ÷ tracelet`, o2.tree, t.tree, 1)),
      info(fasterBy(`A-tree: ${o3.side.name} ÷ tracelet`, o3.tree, t.tree, 1)),
      info(atMost("A-tree: tracelet ÷ floor (C)", t.tree, spans.floorTree, Infinity)),
    ];
    if (only.has("A")) {
      sections.push({
        title: "A. Span lifecycle (batch processor, discarding exporter)",
        notes: [
          "A-flat: root span + 6 attributes (2 strings, 2 ints, a bool, a double) + 1 event + end. A-tree: a root with 10 children of 3 attributes each (parent passed explicitly on every side).",
          "Each side: its tracer/provider + its `BatchSpanProcessor` with default bounds (queue 2048, batch 512) + an exporter that discards. 1024 flat spans or 100 trees per measured call, one event-loop turn between calls; every span is checked to reach the exporter. The floor and the sides take turns, round after round.",
        ],
        stats: [
          spans.floorFlat,
          t.flat,
          o2.flat,
          o3.flat,
          spans.floorTree,
          t.tree,
          o2.tree,
          o3.tree,
        ],
        targets,
      });
    }
  }

  if (only.has("B")) {
    log("B: encoding");
    const b = await runEncode(tracelet, otel, mode);
    const size = (name: string) => b.sizes.get(name)!;
    const targets: Target[] = [
      atMost(
        "B JSON: tracelet ÷ JSON.stringify(same document)",
        b.traceletJson,
        b.stringifyDoc,
        1.1,
      ),
      atMost(
        "B JSON: tracelet ÷ (JSON.stringify + UTF-8 of same document)",
        b.traceletJson,
        b.stringifyDocUtf8,
        1.1,
      ),
    ];
    for (const o of b.otelProtobuf) {
      targets.push({
        ...fasterBy(`B protobuf: ${o.name} ÷ tracelet`, o, b.traceletProtobuf, 1),
        need: "> 1× (faster)",
      });
    }
    const pairs = [
      ["tracelet protobuf", otel.map((o) => `${o.transformer} protobuf`)],
      ["tracelet JSON", otel.map((o) => `${o.transformer} JSON`)],
    ] as const;
    for (const [ours, theirs] of pairs) {
      for (const name of theirs) {
        for (const kind of ["raw", "gz"] as const) {
          const value = size(ours)[kind] / size(name)[kind];
          targets.push({
            what: `B bytes/span ${kind}: ${ours} ÷ ${name}`,
            value,
            need: "<= 1×",
            met: value <= 1,
          });
        }
      }
    }
    sections.push({
      title: "B. Export encoding of a 512-span batch",
      notes: [
        "The batch: 44 A-trees + 28 A-flat spans recorded by each side's SDK; the OpenTelemetry spans then carry tracelet's ids, timestamps and resource, so all encoders write identical data.",
        "Encoders: tracelet `encodeTracesProtobuf` / `encodeTracesJson` vs `ProtobufTraceSerializer` / `JsonTraceSerializer` of otlp-transformer 0.223.1 (pairs with sdk-trace-base 2.12.1) and 0.301.1 (pairs with sdk-trace 3.1.1). gzip: `node:zlib` `gzipSync`, level 6, for every side. MB/s counts uncompressed output bytes.",
        "Codec rows: the same tracelet protobuf body through `gzipSync` at zlib's default level 6 and at level 2, through the Node/Deno/Bun presets' codec (async `node:zlib` gzip at level 2; thread pool, CPU time counts the pool's work) and through `CompressionStream` (the core's default seam, no level to choose).",
      ],
      stats: b.stats,
      targets,
    });
  }

  let e2e: EndToEndResult | undefined;
  if (only.has("E")) {
    log("E: end to end");
    e2e = await runEndToEnd(tracelet, otel, mode);
    sections.push({
      title: "End to end: A + encode + gzip (512 A-flat spans per batch)",
      notes: [
        "512 A-flat spans → batch processor → exporter that encodes (each side's protobuf; tracelet JSON too) + `gzipSync` at the level each side ships with (tracelet: its presets' level 2; OpenTelemetry: zlib's default 6, as its exporter's `createGzip()`), then flush. Floor: C's 512 span floors + `JSON.stringify` + gzip at tracelet's level 2. All take turns, round after round.",
      ],
      stats: e2e.stats,
      targets: [
        atMost("E2E: tracelet protobuf ÷ floor", e2e.traceletProtobuf, e2e.floor, 1.15),
        info(atMost("E2E: tracelet JSON ÷ floor", e2e.traceletJson, e2e.floor, 1.15)),
      ],
    });
  }

  if (only.has("C") && spans !== undefined) {
    log("C: payload floors");
    const floors = await runPayloadFloors(mode);
    sections.push(floorsSection(spans.floorFlat, spans.floorTree, floors, e2e?.floor));
  }

  if (only.has("D")) {
    log("D: memory");
    const d = await runMemory(mode);
    sections.push(d.section);
  }

  if (only.has("L")) {
    log("L: local JSONL log");
    const l = await runLocalLog(mode);
    sections.push({
      title: "L. Local JSONL log (the Node and Deno presets' default)",
      notes: [
        "tracelet's `JsonlSpanExporter` writing finished A-flat spans into the preset's file storage (`DenoFsStorage` on Deno, `NodeFsStorage` elsewhere): dreadnode's line (Python `json.dumps` forms, ASCII only), grouped by log, one append a log. Plain: the same flat objects (`toFlatSpan`) through `JSON.stringify` (not Python's forms), joined, `mkdir` + one `appendFile` a log. CPU time counts the file system's thread pool.",
        "One run: 512 spans of one run, one file. A trace a span: 16 spans a call, each its own trace outside any run, so each makes its directory and file (a service whose requests are plain traces).",
      ],
      stats: l.stats,
      targets: [
        info(atMost("L one run: tracelet ÷ plain", l.traceletRun, l.plainRun, Infinity)),
        info(
          atMost("L a trace a span: tracelet ÷ plain", l.traceletTraces, l.plainTraces, Infinity),
        ),
      ],
    });
  }

  const seconds = (performance.now() - started) / 1000;
  const runtime = runtimeName();
  const run = {
    runtime,
    runtimeLabel: runtimeLabel(),
    machine: machineLabel(),
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    command: COMMANDS[runtime] +
      (argv.length > 0 ? ` -- ${argv.filter((a) => a !== "--no-write").join(" ")}` : ""),
    clock: clockLabel(),
    seconds,
    sections,
  };
  console.log(renderRun(run));
  if (write) log(`wrote ${saveRun(run)}`);
  log(`done in ${seconds.toFixed(1)} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
