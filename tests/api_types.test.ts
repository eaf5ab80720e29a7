// What the types promise users, checked by `deno check` (the test command's static checks) through
// `@ts-expect-error` lines, and at run time: `withSpan` without a function does not compile, a
// `task()` around a method keeps its `this` type, so calling it detached does not compile, and the
// exporters' `forceFlush` and `shutdown` take a limit as a bare number or as `{ deadline }`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { OtlpHttpExporter } from "../src/exporter/otlp_http.ts";
import type { WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import { RedactingExporter } from "../src/redact/redacting_exporter.ts";
import { task } from "../src/task/task_fn.ts";
import { Tracer } from "../src/tracer.ts";

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
});
