// The error a run's function throws is recorded on the run's span (`exception` event, status) with
// the run's own redaction policy applied, as its `error` is in the event line and `dra.error`: an
// EventTracer's `redaction` option (which the exporters' process-wide policy does not know) masks
// `exception.message` and `exception.stacktrace`, and a policy that finds `error` sensitive
// replaces the message whole (and the stack trace's head, its frames kept).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  activeContext,
  configure,
  MemoryStorage,
  RedactingExporter,
  RedactionPolicy,
  SimpleSpanProcessor,
  Tracer,
} from "../../mod.ts";
import type { Span, SpanRecord } from "../../mod.ts";
import { SPAN_KEY } from "../../src/context/keys.ts";
import { EventTracer } from "../../src/events/mod.ts";
import { MemoryExporter } from "../_support/collect.ts";
import { isolated } from "../_support/global_state.ts";

const R = "***REDACTED***";

/** How {@linkcode failedRunSpan} runs agent `a`. */
interface FailedRun {
  /** The EventTracer's own policy. */
  readonly redaction: RedactionPolicy;
  /** The run's request id. */
  readonly requestId: string;
  /** The run's function; it throws. */
  readonly fn: () => unknown;
  /** What the caller's rejection must match (default: any rejection). */
  readonly rejects?: RegExp;
  /** Whether its spans pass the process-wide policy, as configure's do (default true). */
  readonly viaPolicy?: boolean;
}

/** Runs agent `a`, whose function throws, under an EventTracer; returns its exported `run a` span. */
async function failedRunSpan(run: FailedRun): Promise<SpanRecord> {
  const exporter = new MemoryExporter();
  const sink = run.viaPolicy === false ? exporter : new RedactingExporter(exporter);
  const spans = new Tracer({ processors: [new SimpleSpanProcessor(sink)] });
  const tracer = new EventTracer({
    storage: new MemoryStorage(),
    enableConsole: false,
    spanTracer: spans,
    redaction: run.redaction,
  });
  try {
    const running = tracer.runCallable({ agentName: "a", requestId: run.requestId, fn: run.fn });
    await (run.rejects === undefined
      ? assert.rejects(running)
      : assert.rejects(running, run.rejects));
    await spans.forceFlush();
    return exporter.spans.find((s) => s.name === "run a")!;
  } finally {
    await spans.shutdown();
  }
}

/** The attributes of a span's `exception` event. */
function exceptionOf(span: SpanRecord): Record<string, unknown> {
  const event = span.events.find((e) => e.name === "exception");
  assert.ok(event !== undefined, JSON.stringify(span.events));
  return event.attributes as Record<string, unknown>;
}

describe("events: a run's thrown error on its span", () => {
  it("is masked with the EventTracer's own policy before it reaches an exporter (as is when disabled)", async () => {
    const span = await failedRunSpan({
      redaction: new RedactionPolicy({ extraKeys: ["session_key"] }),
      requestId: "own",
      fn: () => {
        throw new Error('run failed: {"session_key":"SECRET_OWN"}');
      },
      rejects: /SECRET_OWN/, // the caller still gets its error as thrown
    });
    const text = JSON.stringify(span);
    assert.doesNotMatch(text, /SECRET_OWN/, text);
    const exception = exceptionOf(span);
    assert.equal(exception["exception.type"], "Error");
    assert.equal(exception["exception.message"], `run failed: {"session_key":"${R}"}`);
    const stack = exception["exception.stacktrace"] as string;
    assert.ok(stack.includes(`run failed: {"session_key":"${R}"}`), stack);
    assert.match(stack, /\n\s+at /, "the frames are kept");
    assert.equal(span.status.code, "ERROR");

    // A disabled policy records the error as it is.
    const error = new Error('failed {"api_key":"VISIBLE"}');
    const recorded = exceptionOf(
      await failedRunSpan({
        redaction: new RedactionPolicy({ enabled: false }),
        requestId: "off",
        fn: () => {
          throw error;
        },
        viaPolicy: false,
      }),
    );
    assert.equal(recorded["exception.message"], error.message);
    assert.equal(recorded["exception.stacktrace"], error.stack);
  });

  it("masks a thrown value that is no error, keeping its type", async () => {
    const span = await failedRunSpan({
      redaction: new RedactionPolicy({ extraKeys: ["pin"] }),
      requestId: "str",
      fn: () => {
        throw 'denied {"pin":"SECRET_PIN"}';
      },
    });
    assert.doesNotMatch(JSON.stringify(span), /SECRET_PIN/);
    const exception = exceptionOf(span);
    assert.equal(exception["exception.type"], "string");
    assert.equal(exception["exception.message"], `denied {"pin":"${R}"}`);
  });

  it('is replaced whole in the span JSONL when configure({ redaction }) makes "error" sensitive', async () => {
    await isolated(async () => {
      const storage = new MemoryStorage();
      const tracing = configure({ storage, project: "p", redaction: { extraKeys: ["error"] } });
      const tracer = new EventTracer({ storage, enableConsole: false });
      let traceId = "";
      await assert.rejects(tracer.runCallable({
        agentName: "a",
        requestId: "key",
        fn: () => {
          traceId = (activeContext().get(SPAN_KEY) as Span).traceId;
          const error = new Error("Incorrect API key provided: sk-proj-SECRET_FIRST");
          // The stack trace keeps the message the error was made with.
          error.message = `retried: sk-proj-SECRET_SECOND (${error.message})`;
          throw error;
        },
      }));
      await tracing.shutdown();
      const lines = await storage.readLines(["projects", "p", traceId, "spans.jsonl"]);
      const text = lines.join("\n");
      assert.doesNotMatch(text, /SECRET_/, text);
      const run = lines.map((l) => JSON.parse(l)).find((l) => l.name === "run a");
      const exception = run.events.find((e: { name: string }) => e.name === "exception");
      assert.equal(exception.attributes["exception.message"], R);
      const stack: string = exception.attributes["exception.stacktrace"];
      assert.ok(stack.startsWith(`${R}\n`), stack);
      assert.match(stack, /\n\s+at /, "the frames are kept");
      assert.equal(run.attributes["dra.error"], R);
    });
  });
});
