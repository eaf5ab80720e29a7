/**
 * Workload L, the local JSONL log, which the Node and Deno presets' `configure()` write by
 * default: tracelet's `JsonlSpanExporter` writing a batch of finished A-flat spans into the
 * preset's file storage (`DenoFsStorage` on Deno, `NodeFsStorage` elsewhere), beside the plain
 * way of writing the same spans' lines (the same flat object, `toFlatSpan`, through
 * `JSON.stringify`, the lines joined, one `appendFile` per file, `mkdir` first where the
 * directory is new). tracelet's lines are dreadnode's (Python `json.dumps` forms, ASCII only,
 * routed by run or trace; see README "Local files").
 *
 * Two layouts: 512 spans of one run (one file, the agent case), and 16 spans each its own trace
 * outside any run (one new directory and file per span, what a service whose requests are plain
 * traces gets; each call writes new traces). Files go to a temporary directory, a fresh one
 * every 16 calls (the previous removed then, alike for every case), all removed at the end. No OpenTelemetry side: it has no
 * file exporter.
 *
 * @module
 */
import { appendFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonlSpanExporter, toFlatSpan } from "../src/exporter/jsonl.ts";
import { DenoFsStorage } from "../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../src/storage/node_fs.ts";
import type { TraceStorage } from "../src/storage/types.ts";
import { Tracer } from "../src/tracer.ts";
import type { SpanRecord } from "../src/types.ts";
import { BATCH_SIZE, FLAT_EVENT, FLAT_NAME, flatAttributes } from "./_driver.ts";
import { type Case, type Mode, type Stat, timeGroup } from "./_stats.ts";

/** Spans a call in the one-trace-per-span layout (each makes a directory). */
const TRACES_PER_CALL = 16;
/** Calls before a case moves to a fresh directory (keeps the files small). */
const CALLS_PER_DIRECTORY = 16;

/** Workload L's numbers. */
export interface LocalLogResult {
  readonly stats: Stat[];
  readonly plainRun: Stat;
  readonly traceletRun: Stat;
  readonly plainTraces: Stat;
  readonly traceletTraces: Stat;
}

/** Finished A-flat spans, of one run when `runId` is given, else each its own trace. */
async function record(n: number, runId?: string): Promise<SpanRecord[]> {
  const spans: SpanRecord[] = [];
  const tracer = new Tracer({
    serviceName: "bench",
    processors: [{ onSpanEnd: (span: SpanRecord) => void spans.push(span) }],
  });
  for (let i = 0; i < n; i++) {
    const attributes = { ...flatAttributes(), ...(runId ? { "dreadnode.run.id": runId } : {}) };
    const span = tracer.startSpan(FLAT_NAME, { attributes });
    span.addEvent(FLAT_EVENT);
    span.end();
  }
  await tracer.shutdown();
  return spans;
}

/** The plain way: `toFlatSpan` through `JSON.stringify`, lines grouped by file, `mkdir` for a new directory, one `appendFile` a file. */
async function plainWrite(root: string, spans: readonly SpanRecord[]): Promise<void> {
  const byFile = new Map<string, string[]>();
  for (const span of spans) {
    const run = span.attributes["dreadnode.run.id"];
    const dir = join(root, "projects", "default", typeof run === "string" ? run : span.traceId);
    let lines = byFile.get(dir);
    if (lines === undefined) byFile.set(dir, lines = []);
    lines.push(JSON.stringify(toFlatSpan(span)));
  }
  await Promise.all([...byFile].map(async ([dir, lines]) => {
    await mkdir(dir, { recursive: true });
    await appendFile(join(dir, "spans.jsonl"), lines.join("\n") + "\n");
  }));
}

/** A case writing into a fresh directory every few calls. */
function rotating(
  name: string,
  perOp: number,
  group: string,
  base: string,
  write: (root: string, storage: TraceStorage, call: number) => Promise<unknown>,
): Case {
  let calls = 0;
  let root = "";
  let storage: TraceStorage | undefined;
  return {
    name,
    opts: { unit: "span", perOp, group },
    fn: async () => {
      if (calls++ % CALLS_PER_DIRECTORY === 0) {
        if (root !== "") await rm(root, { recursive: true, force: true });
        root = join(base, `${group}-${name.length}-${calls}`);
        storage = "Deno" in globalThis ? new DenoFsStorage({ root }) : new NodeFsStorage({ root });
      }
      await write(root, storage!, (calls - 1) % CALLS_PER_DIRECTORY);
    },
  };
}

/**
 * Runs workload L.
 *
 * @param mode Full or smoke.
 * @returns The stats, the plain way first in each layout.
 */
export async function runLocalLog(mode: Mode): Promise<LocalLogResult> {
  const base = await mkdtemp(join(tmpdir(), "tracelet-bench-log-"));
  try {
    const run = await record(BATCH_SIZE, "bench-run");
    // A new set of traces for each call into a directory: every span makes its directory.
    const traces: SpanRecord[][] = [];
    for (let i = 0; i < CALLS_PER_DIRECTORY; i++) traces.push(await record(TRACES_PER_CALL));
    const exportAll = async (storage: TraceStorage, spans: SpanRecord[]) => {
      const report = await new JsonlSpanExporter({ storage }).export(spans);
      if (report.exported !== spans.length) {
        throw new Error(`Cannot trust workload L: ${report.exported} of ${spans.length} written`);
      }
    };
    const stats = await timeGroup([
      rotating(
        "plain: JSON.stringify lines + appendFile, one run",
        BATCH_SIZE,
        "run",
        base,
        (r) => plainWrite(r, run),
      ),
      rotating(
        "tracelet JSONL exporter, one run",
        BATCH_SIZE,
        "run",
        base,
        (_r, storage) => exportAll(storage, run),
      ),
      rotating(
        "plain: mkdir + JSON.stringify line + appendFile, a trace a span",
        TRACES_PER_CALL,
        "traces",
        base,
        (r, _storage, call) => plainWrite(r, traces[call]),
      ),
      rotating(
        "tracelet JSONL exporter, a trace a span",
        TRACES_PER_CALL,
        "traces",
        base,
        (_r, storage, call) => exportAll(storage, traces[call]),
      ),
    ], mode);
    return {
      stats,
      plainRun: stats[0],
      traceletRun: stats[1],
      plainTraces: stats[2],
      traceletTraces: stats[3],
    };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
