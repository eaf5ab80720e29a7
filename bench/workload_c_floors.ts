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
import { BATCH_FLAT, BATCH_SIZE, BATCH_TREES } from "./_driver.ts";
import { type Mode, type Section, type Stat, time } from "./_stats.ts";

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const pool = new Uint8Array(4096);
let offset = pool.length;

function hexId(bytes: number): string {
  if (offset + bytes > pool.length) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  let s = "";
  for (let i = offset, end = offset + bytes; i < end; i++) s += HEX[pool[i]];
  offset += bytes;
  return s;
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
      traceId: hexId(16),
      spanId: hexId(8),
      parentSpanId: undefined,
      name: "GET /api/v1/items",
      startTime: performance.now(),
      endTime: 0,
      attributes: {
        "http.request.method": "GET",
        "url.path": "/api/v1/items",
        "http.response.status_code": 200,
        "server.port": 8080,
        "cache.hit": true,
        "sampling.ratio": 0.25,
      },
      event: "cache.lookup",
    };
    span.endTime = performance.now();
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
    const traceId = hexId(16);
    const root: FloorSpan = {
      traceId,
      spanId: hexId(8),
      parentSpanId: undefined,
      name: "handle request",
      startTime: performance.now(),
      endTime: 0,
      attributes: {},
      event: undefined,
    };
    for (let c = 0; c < 10; c++) {
      const child: FloorSpan = {
        traceId,
        spanId: hexId(8),
        parentSpanId: root.spanId,
        name: "db.query",
        startTime: performance.now(),
        endTime: 0,
        attributes: { "db.system": "postgresql", "db.rows": c, "db.cached": false },
        event: undefined,
      };
      child.endTime = performance.now();
      push(child);
    }
    root.endTime = performance.now();
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

/** The results of workload C, reused by the targets of A, B and end to end. */
export interface Floors {
  readonly section: Section;
  readonly flat: Stat;
  readonly tree: Stat;
  readonly stringifyRecords: Stat;
  readonly stringifyGzipRecords: Stat;
  readonly pipelineJson: Stat;
}

/**
 * Runs workload C.
 *
 * @param mode Full or smoke.
 * @returns The section and the floor numbers.
 */
export async function runFloors(mode: Mode): Promise<Floors> {
  const flat = await time(
    "floor: A-flat span",
    { unit: "span", perOp: 1024, group: "flat" },
    () => floorFlat(1024),
    mode,
  );
  const tree = await time(
    "floor: A-tree",
    { unit: "tree", perOp: 100, group: "tree" },
    () => floorTree(100),
    mode,
  );
  const records = floorBatch();
  const json = JSON.stringify(records);
  const bytes = new TextEncoder().encode(json);
  const gz = gzipSync(bytes);
  const sizes = {
    "bytes/span raw": (bytes.length / BATCH_SIZE).toFixed(0),
    "bytes/span gz": (gz.length / BATCH_SIZE).toFixed(0),
  };
  const stringifyRecords = await time(
    "floor: JSON.stringify(512 records)",
    { unit: "batch", group: "stringify", extra: sizes },
    () => JSON.stringify(records),
    mode,
  );
  const stringifyGzipRecords = await time(
    "floor: JSON.stringify + UTF-8 + gzip (512 records)",
    { unit: "batch", group: "stringify+gzip", extra: sizes },
    () => gzipSync(new TextEncoder().encode(JSON.stringify(records))),
    mode,
  );
  const pipelineJson = await time(
    "floor: 512 A-flat spans + JSON.stringify + gzip",
    { unit: "batch", group: "e2e" },
    () => {
      batch = [];
      floorFlat(BATCH_SIZE);
      return gzipSync(new TextEncoder().encode(JSON.stringify(lastBatch)));
    },
    mode,
  );
  return {
    flat,
    tree,
    stringifyRecords,
    stringifyGzipRecords,
    pipelineJson,
    section: {
      title: "C. Floors (same process, same data)",
      notes: [
        "Span floor: two pooled random hex ids, two `performance.now()` reads, one object holding the caller's attribute literal, pushed to a 512-entry batch.",
        "Payload floor: `JSON.stringify` of a 512-record batch shaped like B (44 A-trees + 28 A-flat spans), then UTF-8 and `node:zlib` gzip (level 6, as everywhere here).",
        "End-to-end floor: 512 A-flat span floors + `JSON.stringify` + gzip of them.",
      ],
      stats: [flat, tree, stringifyRecords, stringifyGzipRecords, pipelineJson],
      targets: [],
    },
  };
}
