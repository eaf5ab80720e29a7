/**
 * Workload C, the floors: the least work any tracer must do, measured in the same process with
 * the same data. A span floor is two random ids (pooled `crypto.getRandomValues`, table hex),
 * two clock reads and one object holding the caller's attributes, handed to a 512-entry batch.
 * The payload floor is `JSON.stringify` of such a batch (and of the very OTLP/JSON document
 * tracelet emits), plus the same `node:zlib` gzip every side uses.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { NODE_GZIP_LEVEL } from "../src/runtime/_node_gzip.ts";
import {
  BATCH_FLAT,
  BATCH_SIZE,
  BATCH_TREES,
  childAttributes,
  FLAT_EVENT,
  FLAT_NAME,
  flatAttributes,
} from "./_driver.ts";
import { type Mode, type Section, type Stat, timeGroup } from "./_stats.ts";

// The same pool size as tracelet's ids (see src/ids.ts): the floor is the cheapest way we know.
const pool = new Uint8Array(32768);
let offset = pool.length;
const HIGH = new Uint16Array(256);
const LOW = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  HIGH[i] = "0123456789abcdef".charCodeAt(i >> 4);
  LOW[i] = "0123456789abcdef".charCodeAt(i & 15);
}
const fromCharCode = String.fromCharCode;
const perf: Performance = performance;

function take(bytes: number): number {
  if (offset + bytes > pool.length) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  const at = offset;
  offset += bytes;
  return at;
}

/** 32 hex characters from 16 pooled random bytes, one string allocation. */
function traceId(): string {
  const p = pool;
  const o = take(16);
  // deno-fmt-ignore
  return fromCharCode(
    HIGH[p[o]], LOW[p[o]], HIGH[p[o + 1]], LOW[p[o + 1]], HIGH[p[o + 2]], LOW[p[o + 2]],
    HIGH[p[o + 3]], LOW[p[o + 3]], HIGH[p[o + 4]], LOW[p[o + 4]], HIGH[p[o + 5]], LOW[p[o + 5]],
    HIGH[p[o + 6]], LOW[p[o + 6]], HIGH[p[o + 7]], LOW[p[o + 7]], HIGH[p[o + 8]], LOW[p[o + 8]],
    HIGH[p[o + 9]], LOW[p[o + 9]], HIGH[p[o + 10]], LOW[p[o + 10]], HIGH[p[o + 11]], LOW[p[o + 11]],
    HIGH[p[o + 12]], LOW[p[o + 12]], HIGH[p[o + 13]], LOW[p[o + 13]], HIGH[p[o + 14]],
    LOW[p[o + 14]], HIGH[p[o + 15]], LOW[p[o + 15]],
  );
}

/** 16 hex characters from 8 pooled random bytes. */
function spanId(): string {
  const p = pool;
  const o = take(8);
  // deno-fmt-ignore
  return fromCharCode(
    HIGH[p[o]], LOW[p[o]], HIGH[p[o + 1]], LOW[p[o + 1]], HIGH[p[o + 2]], LOW[p[o + 2]],
    HIGH[p[o + 3]], LOW[p[o + 3]], HIGH[p[o + 4]], LOW[p[o + 4]], HIGH[p[o + 5]], LOW[p[o + 5]],
    HIGH[p[o + 6]], LOW[p[o + 6]], HIGH[p[o + 7]], LOW[p[o + 7]],
  );
}

/** The bare record of a span. */
export interface FloorSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  startTime: number;
  endTime: number;
  attributes: Record<string, unknown>;
  event: string | undefined;
}

let batch: FloorSpan[] = [];
/** Receives each full floor batch (the last one is kept for the payload floors). */
let lastBatch: FloorSpan[] = [];

function push(span: FloorSpan): void {
  batch.push(span);
  if (batch.length === BATCH_SIZE) {
    lastBatch = batch;
    batch = [];
  }
}

/**
 * `n` A-flat span floors.
 *
 * @param n How many.
 */
export function floorFlat(n: number): void {
  for (let i = 0; i < n; i++) {
    const span: FloorSpan = {
      traceId: traceId(),
      spanId: spanId(),
      parentSpanId: undefined,
      name: FLAT_NAME,
      startTime: perf.now(),
      endTime: 0,
      attributes: flatAttributes(),
      event: FLAT_EVENT,
    };
    span.endTime = perf.now();
    push(span);
  }
}

/**
 * `n` A-tree floors (11 spans each, one trace id per tree).
 *
 * @param n How many.
 */
export function floorTree(n: number): void {
  for (let i = 0; i < n; i++) {
    const trace = traceId();
    const root: FloorSpan = {
      traceId: trace,
      spanId: spanId(),
      parentSpanId: undefined,
      name: "handle request",
      startTime: perf.now(),
      endTime: 0,
      attributes: {},
      event: undefined,
    };
    for (let c = 0; c < 10; c++) {
      const child: FloorSpan = {
        traceId: trace,
        spanId: spanId(),
        parentSpanId: root.spanId,
        name: "db.query",
        startTime: perf.now(),
        endTime: 0,
        attributes: childAttributes(c),
        event: undefined,
      };
      child.endTime = perf.now();
      push(child);
    }
    root.endTime = perf.now();
    push(root);
  }
}

/** The floor batch of workload B's shape (44 trees + 28 flat spans = 512 records). */
export function floorBatch(): FloorSpan[] {
  batch = [];
  floorTree(BATCH_TREES);
  floorFlat(BATCH_FLAT);
  return lastBatch;
}

/** The results of workload C's payload floors, reused by the targets of B and end to end. */
export interface Floors {
  readonly stringifyRecords: Stat;
  readonly stringifyGzipRecords: Stat;
}

/**
 * The end-to-end floor: 512 A-flat span floors + `JSON.stringify` + UTF-8 + gzip, at the level
 * tracelet's presets gzip at (so the floor compresses as tracelet does).
 */
export function floorPipeline(): Uint8Array {
  batch = [];
  floorFlat(BATCH_SIZE);
  return gzipSync(new TextEncoder().encode(JSON.stringify(lastBatch)), { level: NODE_GZIP_LEVEL });
}

/**
 * Measures the payload floors of workload C.
 *
 * @param mode Full or smoke.
 * @returns The floor numbers.
 */
export async function runPayloadFloors(mode: Mode): Promise<Floors> {
  const records = floorBatch();
  const bytes = new TextEncoder().encode(JSON.stringify(records));
  const gz = gzipSync(bytes);
  const sizes = {
    "bytes/span raw": (bytes.length / BATCH_SIZE).toFixed(0),
    "bytes/span gz": (gz.length / BATCH_SIZE).toFixed(0),
  };
  const [stringifyRecords, stringifyGzipRecords] = await timeGroup([
    {
      name: "floor: JSON.stringify(512 records)",
      opts: { unit: "batch", group: "stringify", extra: sizes },
      fn: () => JSON.stringify(records),
    },
    {
      name: "floor: JSON.stringify + UTF-8 + gzip (512 records)",
      opts: { unit: "batch", group: "stringify+gzip", extra: sizes },
      fn: () => gzipSync(new TextEncoder().encode(JSON.stringify(records))),
    },
  ], mode);
  return { stringifyRecords, stringifyGzipRecords };
}

/**
 * Workload C's section.
 *
 * @param flat The A-flat span floor (measured with workload A).
 * @param tree The A-tree floor.
 * @param floors The payload floors.
 * @param pipeline The end-to-end floor (measured with the end-to-end cases), if run.
 * @returns The section.
 */
export function floorsSection(flat: Stat, tree: Stat, floors: Floors, pipeline?: Stat): Section {
  return {
    title: "C. Floors (same process, same data)",
    notes: [
      "Span floor: two pooled `crypto.getRandomValues` hex ids (one `String.fromCharCode` each, as tracelet does), two `performance.now()` reads, one object holding the caller's attribute literal (+ the event name), pushed to a 512-entry batch. Measured in the same rounds as A.",
      "Payload floor: `JSON.stringify` of a 512-record batch shaped like B (44 A-trees + 28 A-flat spans), then UTF-8 and `node:zlib` gzip (level 6, as in B's encode + gzip rows).",
      `End-to-end floor: 512 A-flat span floors + \`JSON.stringify\` + gzip of them at level ${NODE_GZIP_LEVEL}, the level tracelet's Node, Deno and Bun presets ship with.`,
    ],
    stats: [
      { ...flat, name: "floor: A-flat span", group: "c-flat" },
      { ...tree, name: "floor: A-tree", group: "c-tree" },
      floors.stringifyRecords,
      floors.stringifyGzipRecords,
      ...(pipeline === undefined ? [] : [{ ...pipeline, group: "c-e2e" }]),
    ],
    targets: [],
  };
}
