// The OTLP exporter with an outbox whose storage does not answer, or answers late (a Durable Object
// that hangs or takes 15 s, a hung network mount), while the receiver is healthy. Before, an
// export awaited every outbox call without a deadline: a hung read held the batch forever (no
// report, no warning, no span delivered), and a slow one sent it past its time. Now each export
// and flush returns within its time (the `timeoutMillis` of the export, with at most a second more
// for parking a batch), the fresh batch reaches the receiver, one `outbox_failed` warning says
// why, and an answer that comes late neither delivers an entry twice nor loses an ack.
//
// A real loopback receiver on Deno, Node and Bun; in workerd (no node:http server there) a fetch
// that decodes and counts the requests the same way stands in for it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Diagnostic, setDiagnosticsHook } from "../../src/diagnostics.ts";
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import type { FetchLike, OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { Outbox } from "../../src/storage/types.ts";
import { Tracer } from "../../src/tracer.ts";
import type { SpanRecord } from "../../src/types.ts";
import { OtlpReceiver } from "../_support/otlp_receiver.ts";
import { spanIdsOf } from "../_support/otlp_proto.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The export timeout of these tests: each export and flush must end well within 5 times it. */
const TIMEOUT = 600;
const LIMIT = 5 * TIMEOUT;

/** Where the exporter sends, and what arrived there. */
interface Collector {
  /** The exporter options that reach it. */
  readonly options: { endpoint: string; fetch?: FetchLike };
  /** Answers the next `count` requests 503. */
  refuse(count: number): void;
  /** Leaves the next `count` requests unanswered. */
  stall(count: number): void;
  /** How many times each span id arrived (was answered 2xx). */
  arrivals(): Map<string, number>;
  /** Stops it. */
  close(): Promise<void>;
}

/** The loopback receiver as a {@linkcode Collector}. */
async function loopbackCollector(): Promise<Collector> {
  const receiver = await OtlpReceiver.start();
  return {
    options: { endpoint: receiver.url },
    refuse: (count) => receiver.plan(...Array(count).fill({ status: 503 })),
    stall: (count) => receiver.plan(...Array(count).fill({ stall: true })),
    arrivals: () => receiver.acceptedCounts(),
    close: () => receiver.close(),
  };
}

/** A fetch that decodes OTLP/JSON requests (gzip or not) and answers as planned (workerd). */
function fetchCollector(): Collector {
  const counts = new Map<string, number>();
  const plan: ("refuse" | "stall")[] = [];
  const fetch: FetchLike = async (_url, init) => {
    const behavior = plan.shift();
    if (behavior == "stall") return await new Promise<never>(() => {});
    if (behavior == "refuse") return new Response("", { status: 503 });
    let body = new Response(init?.body as Uint8Array<ArrayBuffer>).body!;
    const headers = init?.headers as Record<string, string>;
    if (headers["content-encoding"] == "gzip") {
      body = body.pipeThrough(new DecompressionStream("gzip"));
    }
    for (const id of spanIdsOf(JSON.parse(await new Response(body).text()))) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
  };
  return {
    options: { endpoint: "http://collector.test/v1/traces", fetch },
    refuse: (count) => plan.push(...Array<"refuse">(count).fill("refuse")),
    stall: (count) => plan.push(...Array<"stall">(count).fill("stall")),
    arrivals: () => counts,
    close: () => Promise.resolve(),
  };
}

/** The outbox calls a test can make misbehave. */
type Method = "peek" | "enqueue" | "ack";

/** Controls of an outbox whose calls answer late. */
interface LateAnswers {
  /** Makes `method` answer `ms` late (made at once), or never (`Infinity`: never made either). */
  delay(method: Method, ms: number): void;
  /** Calls answer at once again (the late ones still come late). */
  restore(): void;
  /** Resolves once every late answer was given. */
  given(): Promise<unknown>;
}

/**
 * Makes the calls of `outbox` answer late on demand.
 *
 * @param outbox The outbox (its methods are replaced on the object).
 * @returns The controls.
 */
function lateAnswers(outbox: Outbox): LateAnswers {
  type Call = (...args: unknown[]) => Promise<unknown>;
  const calls = outbox as unknown as Record<Method, Call>;
  const original: Record<Method, Call> = {
    peek: calls.peek.bind(outbox),
    enqueue: calls.enqueue.bind(outbox),
    ack: calls.ack.bind(outbox),
  };
  const late: Promise<unknown>[] = [];
  return {
    delay(method, ms) {
      calls[method] = (...args) => {
        if (ms == Infinity) return new Promise(() => {});
        const answered = original[method](...args).then((value) => delay(ms).then(() => value));
        late.push(answered.catch(() => {}));
        return answered;
      };
    },
    restore: () => void Object.assign(outbox, original),
    given: () => Promise.all(late),
  };
}

/**
 * Resolves with `promise`'s value, or rejects when it takes longer than `ms`.
 *
 * @param promise What to wait for.
 * @param ms The limit.
 * @param what What it is, for the failure message.
 * @returns Its value.
 */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a test works with. */
interface Setup {
  readonly collector: Collector;
  readonly storage: MemoryStorage;
  readonly exporter: OtlpHttpExporter;
  readonly outbox: LateAnswers;
  /** Messages of the diagnostics with `code`. */
  readonly messages: (code: string) => string[];
}

/**
 * Runs `fn` with a collector, a memory storage whose outbox can answer late, and an OTLP/JSON
 * exporter with an outbox there (timeout {@linkcode TIMEOUT}, outbox entries due again after 10 ms).
 */
async function withHungStorage(fn: (setup: Setup) => Promise<void>): Promise<void> {
  const collector = isWorkerd ? fetchCollector() : await loopbackCollector();
  const diagnostics: Diagnostic[] = [];
  const previous = setDiagnosticsHook((d) => void diagnostics.push(d));
  const storage = new MemoryStorage();
  const exporter = createOtlpExporter({
    ...collector.options,
    protocol: "http/json",
    storage,
    timeoutMillis: TIMEOUT,
    retry: { initialDelayMillis: 5, maxDelayMillis: 20 },
    outboxRetry: { initialDelayMillis: 10 },
  });
  try {
    await fn({
      collector,
      storage,
      exporter,
      outbox: lateAnswers(storage.outbox),
      messages: (code) => diagnostics.filter((d) => d.code == code).map((d) => d.message),
    });
    await within(exporter.shutdown(), LIMIT, "shutdown");
  } finally {
    setDiagnosticsHook(previous);
    await collector.close();
  }
}

/** Exports `spans` through the exporter, failing when it takes more than {@linkcode LIMIT}. */
function exportIn(exporter: OtlpHttpExporter, spans: SpanRecord[]) {
  return within(exporter.export(spans), LIMIT, "the export");
}

/** Parks a batch of `count` spans in the outbox (the collector refuses it), due 10 ms later. */
async function parkBatch(setup: Setup, count: number): Promise<SpanRecord[]> {
  const batch = makeSpanBatch(count, "parked");
  setup.collector.refuse(2); // the two attempts an export with an outbox makes
  assert.equal((await exportIn(setup.exporter, batch)).persisted, count);
  await delay(30); // due
  return batch;
}

/** Asserts that each of `spans` arrived exactly once. */
function assertArrivedOnce(collector: Collector, spans: readonly SpanRecord[]): void {
  const arrivals = collector.arrivals();
  assert.deepEqual(
    spans.filter((s) => arrivals.get(s.spanId) !== 1).map((s) => [s.name, arrivals.get(s.spanId)]),
    [],
    "every span arrives exactly once",
  );
}

describe("OTLP exporter with an outbox whose storage hangs or answers late", () => {
  it("sends the batch when an outbox read never answers, and warns once", () =>
    withHungStorage(async (setup) => {
      const { exporter, collector, outbox } = setup;
      outbox.delay("peek", Infinity);
      const batch = makeSpanBatch(3);
      const report = await exportIn(exporter, batch);
      assert.deepEqual([report.exported, report.failed, report.persisted], [3, 0, 0]);
      assertArrivedOnce(collector, batch);
      assert.equal(setup.messages("outbox_failed").length, 1);
      assert.match(setup.messages("outbox_failed")[0], /did not answer within/);
      // The next export does not wait behind the drain given up on, nor does a flush.
      const next = makeSpanBatch(2, "next");
      assert.equal((await exportIn(exporter, next)).exported, 2);
      assertArrivedOnce(collector, next);
      assert.equal((await within(exporter.forceFlush(), LIMIT, "the flush")).failed, 0);
      assert.equal(setup.messages("outbox_failed").length, 1, "one warning");
    }));

  it("exports through a processor's flush while every outbox call hangs (the Workers flush)", () =>
    withHungStorage(async ({ exporter, collector, outbox }) => {
      for (const method of ["peek", "enqueue", "ack"] as const) outbox.delay(method, Infinity);
      const tracer = new Tracer({
        serviceName: "hung-storage",
        processors: [new BatchSpanProcessor(exporter, { timers: false })],
      });
      tracer.startSpan("work").end();
      tracer.startSpan("more work").end();
      const report = await within(tracer.forceFlush(), LIMIT, "the flush");
      assert.equal(report.exported, 2);
      assert.equal([...collector.arrivals().values()].reduce((a, b) => a + b, 0), 2);
    }));

  it("sends the batch when a read answers late; the entry it read is delivered once, later", () =>
    withHungStorage(async (setup) => {
      const { exporter, collector, outbox, storage } = setup;
      const parked = await parkBatch(setup, 2);
      outbox.delay("peek", 3 * TIMEOUT);
      const batch = makeSpanBatch(3);
      const report = await exportIn(exporter, batch);
      assert.deepEqual([report.exported, report.failed, report.persisted], [3, 0, 0]);
      assertArrivedOnce(collector, batch);
      // The late read's page is not delivered (its drain was given up), and the next drain, once
      // the outbox answers again, delivers it.
      await outbox.given();
      outbox.restore();
      await delay(50);
      assert.equal((await within(exporter.forceFlush(), LIMIT, "the flush")).exported, 2);
      assertArrivedOnce(collector, [...parked, ...batch]);
      assert.equal((await storage.outbox.peek(10)).length, 0);
    }));

  it("sends the batch when an ack answers late, and does not deliver the acked entry again", () =>
    withHungStorage(async (setup) => {
      const { exporter, collector, outbox, storage } = setup;
      const parked = await parkBatch(setup, 2);
      outbox.delay("ack", 3 * TIMEOUT);
      const batch = makeSpanBatch(3);
      const report = await exportIn(exporter, batch);
      assert.equal(report.failed, 0);
      assert.ok(report.exported >= 3, `exported ${report.exported}`);
      assertArrivedOnce(collector, [...parked, ...batch]);
      await outbox.given();
      outbox.restore();
      await within(exporter.forceFlush(), LIMIT, "the flush");
      assertArrivedOnce(collector, [...parked, ...batch]);
      assert.equal((await storage.outbox.peek(10)).length, 0);
    }));

  it("waits for a slow outbox write; counts the batch failed when the write never answers", () =>
    withHungStorage(async (setup) => {
      const { exporter, collector, outbox, storage } = setup;
      // A write that is slow but answers within the export's time is waited for: parked.
      outbox.delay("enqueue", TIMEOUT / 4);
      collector.refuse(2);
      const slow = await exportIn(exporter, makeSpanBatch(2, "slow"));
      assert.deepEqual([slow.failed, slow.persisted], [0, 2]);
      assert.equal((await storage.outbox.peek(10)).length, 1);
      assert.deepEqual(setup.messages("outbox_failed"), []);
      // One that never answers is not: the batch is counted failed, with a warning.
      outbox.delay("enqueue", Infinity);
      collector.refuse(2); // the parked batch's redelivery, then the batch's one attempt
      const report = await exportIn(exporter, makeSpanBatch(2));
      assert.deepEqual([report.exported, report.failed, report.persisted], [0, 2, 0]);
      assert.match(setup.messages("outbox_failed").join("\n"), /write 2 spans.*did not answer/);
      // Also after a request the receiver left unanswered until the deadline (the redelivery's too):
      // at most a second more for the write.
      collector.stall(2);
      const stalled = await exportIn(exporter, makeSpanBatch(2, "stalled"));
      assert.deepEqual([stalled.exported, stalled.failed, stalled.persisted], [0, 2, 0]);
    }));
});
