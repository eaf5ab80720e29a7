// What the types promise users, checked by `deno check` (the test command's static checks) through
// `@ts-expect-error` lines, and at run time: `withSpan` without a function does not compile, a
// `task()` around a method keeps its `this` type, so calling it detached does not compile, a
// `task()`'s parameters are the function's own (a parameter with a default has the default's
// type), the exporters' `forceFlush` and `shutdown` take a limit as a bare number or as
// `{ deadline }`, an exporter given where a processor goes does not compile, and `setStatus` takes
// OpenTelemetry's numeric status codes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { SpanProcessor } from "../src/processor/types.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { SimpleSpanProcessor } from "../src/processor/simple.ts";
import { TailSamplingProcessor } from "../src/processor/tail_sampling.ts";
import type { ConfigureOptions } from "../src/configure.ts";
import type { JsonlSpanExporter } from "../src/exporter/jsonl.ts";
import type { OtlpHttpExporter } from "../src/exporter/otlp_http.ts";
import type { WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import { RedactingExporter } from "../src/redact/redacting_exporter.ts";
import { task } from "../src/task/task_fn.ts";
import { traceFetchHandler } from "../src/http/trace_fetch_handler.ts";
import { Tracer } from "../src/tracer.ts";
import { MemoryExporter } from "./_support/collect.ts";

/** True when A and B are the same type (not merely assignable both ways). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
/** Compiles only when its type argument is `true`. */
function expectType<T extends true>(): T | undefined {
  return undefined;
}

describe("API types", () => {
  it("withSpan takes a function, with or without options", () => {
    const tracer = new Tracer();
    assert.equal(tracer.withSpan("a", () => 1), 1);
    assert.equal(tracer.withSpan("b", { kind: "SERVER" }, (span) => span.name), "b");
    // @ts-expect-error: options without a function are not a call of withSpan.
    assert.throws(() => tracer.withSpan("c", { kind: "SERVER" }), TypeError);
  });

  it("a task around a method keeps its this type", () => {
    class Greeter {
      constructor(readonly greeting: string) {}
      greet = task(function (this: Greeter, name: string): string {
        return `${this.greeting}, ${name}`;
      }, { name: "greet" });
    }
    const greeter = new Greeter("hello");
    assert.equal(greeter.greet("ada"), "hello, ada");
    const detached = greeter.greet;
    // Compiled but never run: a detached call has no `this`, which the type now says.
    const callDetached = () => {
      // @ts-expect-error: `this` must be a Greeter.
      detached("ada");
    };
    assert.equal(typeof callDetached, "function");
  });

  it("exporters' forceFlush and shutdown take a timeout or a deadline, bare or as options", () => {
    // Compiled but never run: the exporters would connect.
    const limits = (exporter: OtlpHttpExporter | WebSocketSpanExporter | RedactingExporter) => {
      void exporter.forceFlush(5000);
      void exporter.forceFlush({ deadline: Date.now() + 5000 });
      void exporter.shutdown(5000);
      void exporter.shutdown({ deadline: 5000 });
      // @ts-expect-error: a limit is a number of ms, not a string.
      void exporter.shutdown("5s");
    };
    assert.equal(typeof limits, "function");
    assert.equal(
      typeof new RedactingExporter({ export: () => Promise.reject() }).shutdown,
      "function",
    );
  });

  it("a task's parameters are the function's own, defaults included", async () => {
    const repeat = task(async (text: string, n = 2) => await Promise.resolve(text.repeat(n)));
    expectType<Equal<Parameters<typeof repeat>, [text: string, n?: number]>>();
    expectType<Equal<ReturnType<typeof repeat>, Promise<string>>>();
    assert.equal(await repeat("ab"), "abab");
    assert.equal(await repeat("ab", 3), "ababab");
    const label = task((x: number, prefix = "#") => prefix + x);
    expectType<Equal<ReturnType<typeof label>, string>>();
    assert.equal(label(1), "#1");
    const named = task(function greet(name: string, greeting = "hi") {
      return `${greeting} ${name}`;
    });
    assert.equal(named("ada"), "hi ada");
    // A generic function stays generic.
    const same = task(<T>(x: T): T => x);
    expectType<Equal<ReturnType<typeof same<string>>, string>>();
    assert.equal(same("a").toUpperCase(), "A");
    const rest = task((...xs: number[]) => xs.length);
    expectType<Equal<Parameters<typeof rest>, number[]>>();
    // Scorers are typed by the function's (awaited) result.
    const scored = task(async (text: string) => (await Promise.resolve(text)).length, {
      scorers: [(n) => n > 1],
    });
    expectType<Equal<ReturnType<typeof scored>, Promise<number>>>();
    const generator = task(function* count(n: number) {
      yield n;
      return "done";
    }, { scorers: [(out) => out === "done"] });
    expectType<Equal<ReturnType<typeof generator>, Generator<number, string, unknown>>>();
    // Compiled but never run.
    const misuse = () => {
      // @ts-expect-error: `n` is a number (it has a default of 2), not unknown.
      void repeat("ab", "3");
      // @ts-expect-error: a scorer of a string result does not take a number.
      task((x: string) => x, { scorers: [(n: number) => n > 1] });
      // @ts-expect-error: a parameter with neither a type nor a default has no type to infer.
      task((x) => x);
    };
    assert.equal(typeof misuse, "function");
  });

  it("an exporter is no processor; every processor still is one", async () => {
    const exporter = new MemoryExporter();
    const processors: SpanProcessor[] = [
      new BatchSpanProcessor(exporter),
      new SimpleSpanProcessor(exporter),
      new TailSamplingProcessor(new SimpleSpanProcessor(exporter)),
      { onSpanEnd: () => {} },
      {},
    ];
    const tracer = new Tracer({ processors });
    tracer.addProcessor({ shutdown: () => {} });
    tracer.withSpan("ok", () => {});
    tracer.withSpan("failed", (span) => span.setStatus({ code: 2 }));
    await tracer.shutdown();
    // Two spans each through the batch and simple processors, and the failed one through the tail
    // sampler (which keeps failed traces; the ok one is outside its default ratio of 0).
    assert.deepEqual(exporter.spans.map((s) => s.name).sort(), [
      "failed",
      "failed",
      "failed",
      "ok",
      "ok",
    ]);
    // Compiled but never run: a tracer given an exporter would never hand it a span.
    const wrongly = (
      otlp: OtlpHttpExporter,
      socket: WebSocketSpanExporter,
      redacting: RedactingExporter,
      jsonl: JsonlSpanExporter,
      setup: (options: ConfigureOptions) => void,
    ) => {
      // @ts-expect-error: an exporter goes inside a processor: new BatchSpanProcessor(otlp).
      new Tracer({ processors: [otlp] });
      // @ts-expect-error: the same for a WebSocket exporter.
      tracer.addProcessor(socket);
      // @ts-expect-error: and for a wrapping exporter.
      tracer.setProcessors([redacting]);
      // @ts-expect-error: and through configure().
      setup({ processors: [jsonl] });
      // @ts-expect-error: an object with an export method is not a processor either.
      const custom: SpanProcessor = { export: () => Promise.resolve(), shutdown: () => {} };
      return custom;
    };
    assert.equal(typeof wrongly, "function");
  });

  it("traceFetchHandler keeps a handler's Request subtype (Bun's BunRequest of a route)", async () => {
    type RouteRequest = Request & { readonly params: { readonly id: string } };
    const traced = traceFetchHandler((request: RouteRequest) => new Response(request.params.id));
    const route: (request: RouteRequest) => Promise<Response> = traced;
    const request = Object.assign(new Request("http://x.test/u/7"), { params: { id: "7" } });
    assert.equal(await (await route(request)).text(), "7");
  });

  it("setStatus takes OpenTelemetry's numeric status codes and an undefined message", () => {
    const span = new Tracer().startSpan("s");
    const message: string | undefined = undefined;
    span.setStatus({ code: 2, message }).setStatus({ code: 1 }).setStatus({ code: 0 });
    span.setStatus({ code: "ERROR", message: "boom" });
    // Compiled but never run.
    const misuse = () => {
      // @ts-expect-error: 3 is no status code.
      span.setStatus({ code: 3 });
      // @ts-expect-error: neither is a lower-case name.
      span.setStatus({ code: "error" });
    };
    assert.equal(typeof misuse, "function");
    span.end();
    assert.equal(span.status.code, "OK");
  });
});
