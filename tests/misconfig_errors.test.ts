// Setup mistakes that used to be accepted silently and lose spans later now fail where they are
// made: an exporter passed as a processor (it never received a span), a processor without an
// exporter, an OtlpHttpExporter endpoint that is no URL (every export retried a parse error as a
// network error), a sampler that is no function (reported per span), and an agent
// trace's run without its callback (a bare "fn is not a function", after the trace had started).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../src/errors.ts";
import { OtlpHttpExporter } from "../src/exporter/otlp_http.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { SimpleSpanProcessor } from "../src/processor/simple.ts";
import type { SpanExporter, SpanProcessor } from "../src/processor/types.ts";
import type { Sampler } from "../src/sampling.ts";
import { Tracer } from "../src/tracer.ts";
import { trace } from "../src/agents/factories.ts";
import { agentSpan } from "../src/agents/span_factories.ts";
import { configure } from "../src/portable.ts";
import { CollectingProcessor, MemoryExporter } from "./_support/collect.ts";
import { isolated } from "./_support/global_state.ts";

/** An `INVALID_CONFIG` TracerError whose message matches every pattern given. */
function invalidConfig(...patterns: RegExp[]): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TracerError, `not a TracerError: ${String(error)}`);
    assert.equal(error.code, "INVALID_CONFIG");
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  };
}

/** An exporter that records every request, so a test can see that none was made. */
function countingExporter(): { exporter: OtlpHttpExporter; posts: () => number } {
  let posts = 0;
  const exporter = new OtlpHttpExporter({
    endpoint: "http://127.0.0.1:4318/v1/traces",
    compression: "none",
    fetch: () => {
      posts++;
      return Promise.resolve(new Response(null, { status: 200 }));
    },
  });
  return { exporter, posts: () => posts };
}

describe("an exporter passed where a processor goes", () => {
  it("new Tracer({ processors: [exporter] }) throws INVALID_CONFIG saying to wrap it", async () => {
    const { exporter, posts } = countingExporter();
    assert.throws(
      () => new Tracer({ processors: [exporter as unknown as SpanProcessor] }),
      invalidConfig(/`processors`/, /exporter/, /new BatchSpanProcessor\(exporter\)/),
    );
    await exporter.shutdown();
    assert.equal(posts(), 0);
    // What it took before it still takes: wrapped exporters, processors that can also export.
    const memory = new MemoryExporter();
    const both = { onSpanEnd() {}, export: memory.export.bind(memory) } as unknown as SpanProcessor;
    // Any hook makes it a processor: a collector of started spans with an export helper.
    const starts = {
      onSpanStart() {},
      export: () => Promise.resolve(),
    } as unknown as SpanProcessor;
    const tracer = new Tracer({
      processors: [new SimpleSpanProcessor(memory), both, starts, { onSpanStart() {} }],
    });
    tracer.startSpan("a").end();
    await tracer.shutdown();
    assert.deepEqual(memory.spans.map((s) => s.name), ["a"]);
  });

  it("addProcessor / setProcessors refuse it too and keep the processors they had", () => {
    const kept = new CollectingProcessor();
    const tracer = new Tracer({ processors: [kept] });
    const plain: SpanExporter = new MemoryExporter();
    assert.throws(
      () => tracer.addProcessor(plain as unknown as SpanProcessor),
      invalidConfig(/BatchSpanProcessor/),
    );
    assert.throws(
      () => tracer.setProcessors([kept, plain as unknown as SpanProcessor]),
      invalidConfig(/BatchSpanProcessor/),
    );
    assert.deepEqual(tracer.processors, [kept]);
    tracer.startSpan("still recorded").end();
    assert.deepEqual(kept.ended.map((s) => s.name), ["still recorded"]);
  });

  it("configure({ processors: [exporter] }) throws instead of exporting nothing", () =>
    isolated(() => {
      const { exporter } = countingExporter();
      assert.throws(
        () => configure({ local: false, processors: [exporter as unknown as SpanProcessor] }),
        invalidConfig(/BatchSpanProcessor/),
      );
    }));
});

describe("a processor without an exporter", () => {
  for (
    const [name, make] of [
      ["BatchSpanProcessor", (e: unknown) => new BatchSpanProcessor(e as SpanExporter)],
      ["SimpleSpanProcessor", (e: unknown) => new SimpleSpanProcessor(e as SpanExporter)],
    ] as const
  ) {
    it(`new ${name}() throws INVALID_CONFIG at construction`, () => {
      for (
        const exporter of [undefined, null, "otlp", () => Promise.resolve({}), { exports() {} }]
      ) {
        assert.throws(
          () => make(exporter),
          invalidConfig(new RegExp(name), /exporter with an export\(spans\) method/),
          String(exporter),
        );
      }
    });
  }
});

describe("new OtlpHttpExporter({ endpoint })", () => {
  it("throws INVALID_CONFIG naming `endpoint` for what is no absolute http(s) URL", async () => {
    for (const endpoint of ["not a url", "localhost:4318", "/v1/traces", "ftp://x/v1/traces", ""]) {
      assert.throws(
        () => new OtlpHttpExporter({ endpoint }),
        invalidConfig(/`endpoint`: not an http\(s\) URL/),
        endpoint,
      );
    }
    // The default and absolute http(s) URLs are taken as before.
    for (
      const endpoint of [undefined, "http://127.0.0.1:4318/v1/traces", "https://otel.test/x?a=b"]
    ) {
      const exporter = new OtlpHttpExporter({ endpoint });
      assert.equal(exporter.url, endpoint ?? "http://localhost:4318/v1/traces");
      await exporter.shutdown();
    }
  });

  it("in a page, takes an endpoint relative to it (a same-origin collector route)", async () => {
    const scope = globalThis as { document?: unknown };
    const had = Object.hasOwn(scope, "document");
    const previous = scope.document;
    scope.document = { baseURI: "https://app.test/shop/" };
    try {
      const exporter = new OtlpHttpExporter({ endpoint: "/otel/v1/traces" });
      assert.equal(exporter.url, "/otel/v1/traces", "sent as given: fetch resolves it");
      await exporter.shutdown();
      assert.throws(
        () => new OtlpHttpExporter({ endpoint: "ftp://files.test/v1/traces" }),
        invalidConfig(/`endpoint`: not an http\(s\) URL/),
      );
    } finally {
      if (had) scope.document = previous;
      else delete scope.document;
    }
  });

  it("takes a relative endpoint against `location` (a web worker), absolute ones whatever the base", async () => {
    const scope = globalThis as { document?: unknown; location?: unknown };
    const saved = Object.getOwnPropertyDescriptors(scope);
    try {
      // A web worker: `location`, no `document`. (Deno without --location throws on reading it.)
      Object.defineProperty(scope, "location", {
        value: { href: "https://app.test/worker.js" },
        configurable: true,
        writable: true,
      });
      const relative = new OtlpHttpExporter({ endpoint: "/otel/v1/traces" });
      await relative.shutdown();
      // A page whose base is no URL at all: absolute endpoints are still taken.
      Object.defineProperty(scope, "document", {
        value: { baseURI: "" },
        configurable: true,
        writable: true,
      });
      for (const endpoint of [undefined, "https://collector.test/v1/traces"]) {
        await new OtlpHttpExporter({ endpoint }).shutdown();
      }
    } finally {
      for (const key of ["location", "document"] as const) {
        if (saved[key]) Object.defineProperty(scope, key, saved[key]);
        else delete scope[key];
      }
    }
  });

  it("refuses a user name or password without printing them", () => {
    assert.throws(
      () => new OtlpHttpExporter({ endpoint: "https://alice:s3cret-pw@collector.test/v1/traces" }),
      (error) => {
        invalidConfig(/`endpoint`: it contains a user name or password/, /headers/)(error);
        assert.doesNotMatch((error as Error).message, /alice|s3cret/);
        return true;
      },
    );
  });
});

describe("new Tracer({ sampler })", () => {
  it("throws INVALID_CONFIG for a sampler that is not a function, naming what to use", () => {
    for (const sampler of ["always_on", 0.1, { shouldSample: () => true }, null]) {
      assert.throws(
        () => new Tracer({ sampler: sampler as unknown as Sampler }),
        invalidConfig(/`sampler` must be a function/, /traceIdRatio/, /samplerFromEnv/),
        String(sampler),
      );
    }
    // A sampler function, or none, as before.
    const collect = new CollectingProcessor();
    new Tracer({ processors: [collect], sampler: () => false }).startSpan("dropped").end();
    new Tracer({ processors: [collect], sampler: undefined }).startSpan("kept").end();
    assert.deepEqual(collect.ended.map((s) => s.name), ["kept"]);
  });
});

describe("a callback left out", () => {
  it("trace(name).run() throws a TypeError naming fn, and the trace is not started", () =>
    isolated(() => {
      const workflow = trace("wf");
      assert.throws(
        () => (workflow.run as () => unknown)(),
        (error) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /^trace\.run\(fn\): fn must be a function$/);
          return true;
        },
      );
      assert.equal(workflow.started, false);
      assert.equal(workflow.finished, false);
    }));
  it("agentSpan(name).run() throws a TypeError naming fn, and the span is not started", () =>
    isolated(() => {
      // It started the span, recorded "fn is not a function" as the agent's own error and
      // finished it: the caller's mistake exported as a failed agent step.
      const span = agentSpan("planner");
      assert.throws(
        () => (span.run as () => unknown)(),
        (error) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /^span\.run\(fn\): fn must be a function$/);
          return true;
        },
      );
      assert.equal(span.startedAt, null);
      assert.equal(span.finished, false);
      assert.equal(span.error, null);
    }));
});
