// configure() and the OpenTelemetry SDK variables a user migrating from OpenTelemetry JS expects:
// OTEL_TRACES_EXPORTER (otlp without an endpoint variable exports to localhost:4318; unknown
// entries are ignored, not taken as "no OTLP"), OTEL_BSP_* (batch options), the attribute and
// span limit variables (limits), and OTEL_PROPAGATORS (what tracelet lacks is reported). Explicit
// options win field by field; invalid values are reported once (invalid_env) and ignored.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../src/diagnostics.ts";
import { configure } from "../src/portable.ts";
import type { Configured, ConfigureOptions } from "../src/configure.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import type { SpanRecord } from "../src/types.ts";
import { isolated } from "./_support/global_state.ts";
import { OtlpReceiver } from "./_support/otlp_receiver.ts";
import { isWorkerd } from "./_support/runtime.ts";

type Vars = Record<string, unknown>;

/** A variable value standing for one Deno denies (its reader throws). */
const THROW = Symbol("denied");

/** What a configure() with these variables reported as invalid_env, and its pipeline. */
interface Setup {
  readonly tracing: Configured;
  readonly invalid: Diagnostic[];
}

/**
 * Configures with an `env` reader over `vars` (a value that is not a string stands for a
 * Workers binding; a value `THROW` for a variable Deno denies) and collects invalid_env reports.
 */
function setUp(vars: Vars, options: ConfigureOptions = {}): Setup {
  const invalid: Diagnostic[] = [];
  const tracing = configure({
    storage: new MemoryStorage(),
    diagnostics: (d) => void (d.code === "invalid_env" && invalid.push(d)),
    env: (name) => {
      if (vars[name] === THROW) throw new Error(`Requires env access to "${name}"`);
      return vars[name] as string | undefined;
    },
    ...options,
  });
  return { tracing, invalid };
}

/** Ends `count` spans named s0, s1, …. */
function endSpans({ tracing }: Setup, count: number): void {
  for (let i = 0; i < count; i++) tracing.tracer.startSpan(`s${i}`).end();
}

/** Replaces the global fetch (answering 200) for `fn`, collecting the URLs requested. */
async function withFetch(fn: (urls: string[]) => Promise<void>): Promise<void> {
  const saved = globalThis.fetch;
  const urls: string[] = [];
  globalThis.fetch = ((input: string | URL | Request) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return Promise.resolve(new Response(null, { status: 200 }));
  }) as typeof fetch;
  try {
    await fn(urls);
  } finally {
    globalThis.fetch = saved;
  }
}

/** Configures with `vars`, ends one span and shuts down (so every export has happened). */
async function exportOne(vars: Vars, options?: ConfigureOptions): Promise<Setup> {
  const setup = setUp(vars, options);
  endSpans(setup, 1);
  await setup.tracing.shutdown();
  return setup;
}

/** Runs `fn` with a loopback receiver and the variables pointing OTLP export at it. */
async function withReceiver(fn: (receiver: OtlpReceiver, vars: Vars) => Promise<void>) {
  const receiver = await OtlpReceiver.start();
  try {
    await fn(receiver, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` });
  } finally {
    await receiver.close();
  }
}

/** Span counts of the receiver's requests, in order. */
const batchSizes = (receiver: OtlpReceiver): number[] =>
  receiver.requests.map((request) => request.spanIds.length);

/** Waits until `done()` or `ms` pass. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe("OTLP export asked for by the environment on a runtime without fetch", () => {
  // An operator's fleet-wide variable made configure() throw WRONG_RUNTIME (a locked-down runtime
  // trial: Node with --no-experimental-fetch); the option itself still throws.
  it("is reported as invalid_env and left out; the local log still works", () =>
    isolated(async () => {
      const saved = globalThis.fetch;
      (globalThis as { fetch?: unknown }).fetch = undefined;
      try {
        for (
          const vars of [
            { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" },
            { OTEL_TRACES_EXPORTER: "otlp" },
          ]
        ) {
          const storage = new MemoryStorage();
          const setup = await exportOne(vars, { storage, project: "p" });
          assert.deepEqual(setup.invalid.map((d) => d.message), [
            `Cannot use ${Object.keys(vars)[0].replace("_ENDPOINT", "_(TRACES_)ENDPOINT")}: ` +
            "this runtime has no fetch; ignoring OTLP export",
          ]);
          assert.ok(storage.stats().lineBytes > 0, "the span is in the local log");
        }
        assert.throws(
          () => configure({ storage: new MemoryStorage(), otlp: true }),
          /WRONG_RUNTIME|no fetch/,
        );
      } finally {
        globalThis.fetch = saved;
      }
    }));
});

describe("OTEL_TRACES_EXPORTER", () => {
  it("otlp without an endpoint variable exports to http://localhost:4318/v1/traces", () =>
    isolated(() =>
      withFetch(async (urls) => {
        const setup = await exportOne({ OTEL_TRACES_EXPORTER: "otlp" }, { local: false });
        assert.deepEqual(urls, ["http://localhost:4318/v1/traces"]);
        assert.deepEqual(setup.invalid, []);
        // Listed with console, in any case; OTEL_SDK_DISABLED still turns it off.
        urls.length = 0;
        await exportOne({ OTEL_TRACES_EXPORTER: " Console , OTLP" }, {
          console: false,
        });
        assert.deepEqual(urls, ["http://localhost:4318/v1/traces"]);
        urls.length = 0;
        await exportOne({
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_SDK_DISABLED: "true",
        });
        assert.deepEqual(urls, []);
      })
    ));

  it("otlp with an endpoint variable exports there; an unusable one means the default", () =>
    isolated(() =>
      withFetch(async (urls) => {
        await exportOne({
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://collector.example/custom",
        });
        assert.deepEqual(urls, ["https://collector.example/custom"]);
        urls.length = 0;
        const unusable = await exportOne({
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
        });
        assert.deepEqual(urls, ["http://localhost:4318/v1/traces"]);
        assert.equal(unusable.invalid.length, 1, "the endpoint, reported once");
        assert.match(unusable.invalid[0].message, /OTEL_EXPORTER_OTLP_ENDPOINT/);
      })
    ));

  it("unknown entries are reported once and ignored: zipkin alone counts as unset", {
    skip: isWorkerd,
  }, () =>
    isolated(() =>
      withReceiver(async (receiver, endpoint) => {
        const zipkin = setUp({ ...endpoint, OTEL_TRACES_EXPORTER: "zipkin" });
        endSpans(zipkin, 2);
        await zipkin.tracing.shutdown();
        assert.deepEqual(batchSizes(receiver), [2], "OTLP stays on, as with the variable unset");
        assert.equal(zipkin.invalid.length, 1);
        assert.match(zipkin.invalid[0].message, /OTEL_TRACES_EXPORTER/);
        assert.doesNotMatch(zipkin.invalid[0].message, /zipkin/, "never the value");
        // Unknown entries beside known ones: as if only the known ones were listed.
        const withNone = await exportOne({ ...endpoint, OTEL_TRACES_EXPORTER: "zipkin,none" });
        assert.deepEqual(batchSizes(receiver), [2], "none: nothing more sent");
        assert.equal(withNone.invalid.length, 1);
        const mixed = await exportOne({ ...endpoint, OTEL_TRACES_EXPORTER: "zipkin,none,otlp" });
        assert.deepEqual(batchSizes(receiver), [2], "none still wins over otlp");
        assert.equal(mixed.invalid.length, 1, "both problems in one report");
      })
    ));

  it("unknown entries beside otlp: otlp is on without an endpoint variable", () =>
    isolated(() =>
      withFetch(async (urls) => {
        const setup = await exportOne({ OTEL_TRACES_EXPORTER: "jaeger, otlp, logging" });
        assert.deepEqual(urls, ["http://localhost:4318/v1/traces"]);
        assert.equal(setup.invalid.length, 1);
        // Explicit options still win.
        urls.length = 0;
        await exportOne({ OTEL_TRACES_EXPORTER: "zipkin,otlp" }, { otlp: false });
        assert.deepEqual(urls, []);
      })
    ));
});

describe("OTEL_BSP_* variables", { skip: isWorkerd }, () => {
  it("MAX_EXPORT_BATCH_SIZE sets the batch size; an explicit option wins", () =>
    isolated(() =>
      withReceiver(async (receiver, endpoint) => {
        // Read through a reader that throws for other names (Deno without --allow-env for them).
        const vars = {
          ...endpoint,
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "2",
          OTEL_BSP_MAX_QUEUE_SIZE: THROW,
        };
        const env = setUp(vars, { local: false });
        endSpans(env, 5);
        await env.tracing.shutdown();
        assert.deepEqual(batchSizes(receiver), [2, 2, 1]);
        assert.deepEqual(env.invalid, []);
        receiver.requests.length = 0;
        const explicit = setUp(vars, { local: false, batch: { maxExportBatchSize: 5 } });
        endSpans(explicit, 5);
        await explicit.tracing.shutdown();
        assert.deepEqual(batchSizes(receiver), [5]);
      })
    ));

  it("MAX_QUEUE_SIZE bounds the queue; a larger batch size is lowered to it", () =>
    isolated(() =>
      withReceiver(async (receiver, endpoint) => {
        const setup = setUp({
          ...endpoint,
          OTEL_BSP_MAX_QUEUE_SIZE: "3",
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "10",
        }, { local: false });
        endSpans(setup, 5);
        const report = await setup.tracing.shutdown();
        assert.equal(report.dropped.queue_full, 2);
        assert.deepEqual(batchSizes(receiver), [3]);
        assert.deepEqual(setup.invalid, [], "not reported: handled as the option is");
      })
    ));

  it("SCHEDULE_DELAY sets the delay before queued spans are exported", () =>
    isolated(() =>
      withReceiver(async (receiver, endpoint) => {
        const setup = setUp({ ...endpoint, OTEL_BSP_SCHEDULE_DELAY: "30" }, {
          local: false,
        });
        endSpans(setup, 1);
        await until(() => receiver.requests.length > 0, 2_000);
        assert.deepEqual(batchSizes(receiver), [1], "sent by the timer, not the default 5 s");
        await setup.tracing.shutdown();
      })
    ));

  it("EXPORT_TIMEOUT bounds a flush", () =>
    isolated(() =>
      withReceiver(async (receiver, endpoint) => {
        receiver.plan({ stall: true });
        const setup = setUp({ ...endpoint, OTEL_BSP_EXPORT_TIMEOUT: "300" }, {
          local: false,
        });
        endSpans(setup, 1);
        const start = Date.now();
        const report = await setup.tracing.forceFlush();
        const took = Date.now() - start;
        assert.ok(took < 3_000, `gave up after ${took} ms, not the exporter's 10 s`);
        assert.equal(report.exported, 0);
        assert.equal(receiver.requests.length, 1, "the request was sent");
        await setup.tracing.shutdown(Date.now() + 2_000);
      })
    ));

  it("invalid values are reported once each and ignored", () =>
    isolated(() =>
      withReceiver(async (receiver, endpoint) => {
        const setup = setUp({
          ...endpoint,
          OTEL_BSP_SCHEDULE_DELAY: "1e3",
          OTEL_BSP_EXPORT_TIMEOUT: "-5",
          OTEL_BSP_MAX_QUEUE_SIZE: "0",
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "2.5",
        }, { local: false });
        endSpans(setup, 5);
        await setup.tracing.shutdown();
        assert.deepEqual(batchSizes(receiver), [5], "the defaults");
        const names = setup.invalid.map((d) => d.message.split(":")[0]).sort();
        assert.deepEqual(names, [
          "Cannot use OTEL_BSP_EXPORT_TIMEOUT",
          "Cannot use OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
          "Cannot use OTEL_BSP_MAX_QUEUE_SIZE",
          "Cannot use OTEL_BSP_SCHEDULE_DELAY",
        ]);
      })
    ));
});

/** A processor keeping every ended span. */
function collector(): { spans: SpanRecord[]; onSpanEnd(span: SpanRecord): void } {
  const spans: SpanRecord[] = [];
  return { spans, onSpanEnd: (span) => void spans.push(span) };
}

const LINKED = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };

describe("attribute and span limit variables", () => {
  it("set the limits, the span ones winning over the general ones", () =>
    isolated(async () => {
      const kept = collector();
      const setup = setUp({
        OTEL_ATTRIBUTE_COUNT_LIMIT: "5",
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "2",
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "4",
        OTEL_SPAN_EVENT_COUNT_LIMIT: "1",
        OTEL_SPAN_LINK_COUNT_LIMIT: "0",
        OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: "3",
        OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: "2",
      }, { local: false, processors: [kept] });
      assert.deepEqual({ ...setup.tracing.tracer.limits }, {
        attributeCountLimit: 2,
        attributeValueLengthLimit: 4,
        eventCountLimit: 1,
        linkCountLimit: 0,
        attributePerEventCountLimit: 2, // the smaller of the event and link variables
      });
      const span = setup.tracing.tracer.startSpan("s", {
        attributes: { a: "abcdefgh", b: 1, c: 2 },
      });
      span.addEvent("e1", { x: 1, y: 2, z: 3 }).addEvent("e2");
      span.addLink({ context: { ...LINKED, traceFlags: 1 } });
      span.end();
      await setup.tracing.shutdown();
      const [record] = kept.spans;
      assert.deepEqual(record.attributes, { a: "abcd", b: 1 });
      assert.equal(record.events.length, 1);
      assert.deepEqual(record.events[0].attributes, { x: 1, y: 2 });
      assert.equal(record.droppedEventsCount, 1);
      assert.equal(record.droppedLinksCount, 1);
      assert.deepEqual(setup.invalid, []);
    }));

  it("explicit limits win field by field; invalid values are reported and ignored", () =>
    isolated(async () => {
      const setup = setUp({
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "abc", // invalid: the general one applies
        OTEL_ATTRIBUTE_COUNT_LIMIT: "7",
        OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "-1", // invalid, and no general one
        OTEL_SPAN_EVENT_COUNT_LIMIT: "bad", // not read: the option is given
        OTEL_SPAN_LINK_COUNT_LIMIT: { binding: true }, // a Workers binding, not a string
        OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: "9", // alone: sets the per-event/link limit
      }, { limits: { eventCountLimit: 50 } });
      assert.deepEqual({ ...setup.tracing.tracer.limits }, {
        attributeCountLimit: 7,
        attributeValueLengthLimit: Infinity,
        eventCountLimit: 50,
        linkCountLimit: 128,
        attributePerEventCountLimit: 9,
      });
      const names = setup.invalid.map((d) => d.message.split(":")[0]).sort();
      assert.deepEqual(names, [
        "Cannot use OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "Cannot use OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
      ]);
      await setup.tracing.shutdown();
    }));
});

describe("OTEL_PROPAGATORS", () => {
  it("a propagator tracelet does not have is reported once; tracecontext, baggage, none are not", () =>
    isolated(async () => {
      const other = setUp({ OTEL_PROPAGATORS: "tracecontext, B3multi, jaeger,xray" });
      assert.equal(other.invalid.length, 1);
      assert.match(other.invalid[0].message, /OTEL_PROPAGATORS/);
      assert.match(other.invalid[0].message, /only tracecontext .* and baggage/);
      await other.tracing.shutdown();
      for (const value of ["tracecontext,baggage", "TraceContext", "none", " , "]) {
        const known = setUp({ OTEL_PROPAGATORS: value });
        assert.deepEqual(known.invalid, [], value);
        await known.tracing.shutdown();
      }
    }));
});
