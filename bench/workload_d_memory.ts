/**
 * Workload D, memory with the collector down: 100,000 A-flat spans through tracelet's
 * `BatchSpanProcessor` (queue bound 2048 spans) into the real `OtlpHttpExporter` pointed at a
 * closed loopback port, with a bounded in-memory outbox (`MemoryStorage`). Spans are made in
 * chunks of 1024 every 10 ms (about 100,000 spans/s), so exports, retries and outbox writes run
 * alongside. The heap is sampled after every chunk (peak) and, at every 10,000 spans, after a
 * full GC (live). It must plateau: the live heap growth over the second half of the run stays
 * within the configured queue + outbox bounds. Finally everything is flushed and the report
 * says what was dropped (by reason) and what was persisted.
 *
 * @module
 */
import { createServer } from "node:net";
import { gzip } from "node:zlib";
import { OtlpHttpExporter } from "../src/exporter/otlp_http.ts";
import { OtlpOutbox } from "../src/exporter/otlp_outbox.ts";
import { droppedTotal, mergeReport } from "../src/processor/report.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import type { FlushReport } from "../src/types.ts";
import { traceletPipeline } from "./drivers/tracelet.ts";
import { gcFunction, heapUsed, type Mode, type Section } from "./_stats.ts";

/** The bounds under test. */
export const D_BOUNDS: {
  readonly maxQueueSize: number;
  readonly outboxMaxBytes: number;
  readonly outboxMaxEntries: number;
} = { maxQueueSize: 2048, outboxMaxBytes: 2 * 1024 * 1024, outboxMaxEntries: 64 };

/** Pause between chunks of 1024 spans: about 100,000 spans per second. */
const PACE_MS = 10;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function nodeGzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => gzip(bytes, (e, r) => (e ? reject(e) : resolve(r))));
}

/** A loopback port nobody listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const MB = 1024 * 1024;
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MiB`;

/** What workload D measured. */
export interface MemoryResult {
  readonly section: Section;
  readonly plateau: boolean;
}

/**
 * Runs workload D.
 *
 * @param mode Full (100,000 spans) or smoke (4,096 spans).
 * @returns The section.
 */
export async function runMemory(mode: Mode): Promise<MemoryResult> {
  const total = mode === "smoke" ? 4096 : 100_000;
  const checkpoint = mode === "smoke" ? 1024 : 10_000;
  const gc = gcFunction();
  const port = await closedPort();
  const storage = new MemoryStorage({
    outboxMaxBytes: D_BOUNDS.outboxMaxBytes,
    outboxMaxEntries: D_BOUNDS.outboxMaxEntries,
  });
  const exporter = new OtlpHttpExporter({
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    outbox: new OtlpOutbox(storage),
    compress: nodeGzip,
    timeoutMillis: 2_000,
    retry: { maxAttempts: 2, initialDelayMillis: 20, maxDelayMillis: 50 },
  });
  const p = traceletPipeline(exporter, { maxQueueSize: D_BOUNDS.maxQueueSize });
  const report: FlushReport = { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 };

  gc?.();
  const baseline = heapUsed();
  let peak = baseline;
  const live: Array<[number, number]> = [];
  const started = performance.now();
  let next = checkpoint;
  for (let made = 0; made < total;) {
    const n = Math.min(1024, total - made);
    p.flat(n);
    made += n;
    await pause(PACE_MS);
    peak = Math.max(peak, heapUsed());
    if (made >= next || made === total) {
      next += checkpoint;
      if (gc !== undefined) {
        gc();
        live.push([made, heapUsed()]);
      }
    }
  }
  mergeReport(report, await p.tracer.shutdown());
  const seconds = (performance.now() - started) / 1000;
  const outboxBytes = await storage.outbox.bytes();
  const stored = await storage.outbox.peek(1_000_000);
  const outboxEntries = stored.length;
  const outboxSpans = stored.reduce((sum, entry) => sum + entry.spanCount, 0);
  gc?.();
  const after = heapUsed();

  // Plateau: the live heap over the second half may grow by at most the bounds' size.
  const bound = D_BOUNDS.outboxMaxBytes + 8 * MB;
  const half = live.filter(([made]) => made >= total / 2);
  const growth = half.length >= 2 ? half[half.length - 1][1] - half[0][1] : NaN;
  const plateau = gc === undefined ? false : Math.abs(growth) <= bound;
  // Every span ends exported, still in the outbox, or dropped (outbox_full counts spans that were
  // persisted first and evicted later).
  const accounted = report.exported + outboxSpans + droppedTotal(report) + report.failed;
  const dropped = Object.entries(report.dropped).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";

  const rows: string[][] = [
    ["spans made", String(total)],
    [
      "bounds",
      `queue ${D_BOUNDS.maxQueueSize} spans; outbox ${
        mb(D_BOUNDS.outboxMaxBytes)
      } / ${D_BOUNDS.outboxMaxEntries} entries`,
    ],
    ["exported", String(report.exported)],
    ["persisted to the outbox (some evicted later)", String(report.persisted)],
    ["dropped, by reason", dropped],
    ["failed", String(report.failed)],
    ["outbox at the end", `${outboxEntries} entries, ${outboxSpans} spans, ${mb(outboxBytes)}`],
    ["accounted for (exported + in outbox + dropped + failed)", `${accounted} of ${total}`],
    ["heap at start (after GC)", mb(baseline)],
    [
      "peak heap (sampled every 1024 spans, garbage included)",
      `${mb(peak)} (+${mb(peak - baseline)})`,
    ],
    [
      "live heap after GC at checkpoints",
      gc === undefined
        ? "n/a (no gc(): run with --expose-gc)"
        : live.map(([m, h]) => `${m / 1000}k: +${mb(h - baseline)}`).join(", "),
    ],
    ["live heap after shutdown", `+${mb(after - baseline)}`],
    ["wall time", `${seconds.toFixed(1)} s`],
  ];
  return {
    plateau,
    section: {
      title: "D. Memory with the collector down",
      notes: [
        `${
          total.toLocaleString("en-US")
        } A-flat spans → \`BatchSpanProcessor\` (queue ${D_BOUNDS.maxQueueSize}, batch 512) → \`OtlpHttpExporter\` (protobuf, node:zlib gzip, 2 attempts, 2 s deadline) → \`http://127.0.0.1:${port}\` (closed port: connection refused) with a \`MemoryStorage\` outbox bounded at ${
          mb(D_BOUNDS.outboxMaxBytes)
        } / ${D_BOUNDS.outboxMaxEntries} entries.`,
        `Spans are made 1024 at a time every ${PACE_MS} ms (about 100,000 spans/s); the heap is sampled after every chunk and, after a full GC, about every ${
          checkpoint.toLocaleString("en-US")
        } spans.`,
        `Plateau: live-heap change over the second half of the run must stay within the outbox bound + 8 MiB (queue and in-flight batches): measured ${
          Number.isFinite(growth) ? mb(growth) : "n/a"
        } → ${plateau ? "plateaus" : "**does not plateau**"}.`,
      ],
      stats: [],
      targets: [],
      table: { header: ["measure", "value"], rows },
    },
  };
}
