// instrument() given what a Worker should not pass but a test harness or framework might: no
// execution context, a request that is not a Request, a response body that cannot be observed,
// and bad options. Tracing problems never reach the handler: it runs untraced and a diagnostic
// says why; bad options fail when instrument() is called, at module load. Also the bound on the
// waitUntil promises a handler can make the flush wait for.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { TracerError } from "../../src/errors.ts";
import { WaitUntilTracker } from "../../src/runtime/_worker_wait.ts";
import { configure, instrument } from "../../src/runtime/worker.ts";
import type { FlushReport } from "../../src/types.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { isolated, RecordingContext, setup, traced } from "./_helpers.ts";

/** The codes of diagnostics above `info` (a `reconfigured` note depends on earlier tests). */
const problems = (diagnostics: readonly Diagnostic[]): string[] =>
  diagnostics.filter((d) => d.level !== "info").map((d) => d.code);

function isInvalidConfig(error: unknown): boolean {
  return error instanceof TracerError && error.code === "INVALID_CONFIG";
}

describe("instrument() given what a Worker never passes", () => {
  it("traces a handler called without an execution context (as unit tests do)", () =>
    isolated(async () => {
      let flushed!: (report: FlushReport) => void;
      const flush = new Promise<FlushReport>((resolve) => (flushed = resolve));
      const { exporter, options } = setup({}, { onFlush: (report) => flushed(report) });
      const worker = traced({ fetch: () => new Response("no ctx") }, options);
      const response = await worker.fetch(new Request("https://x.test/"), {}, undefined as never);
      assert.equal(await response.text(), "no ctx");
      assert.equal((await flush).exported, 1);
      assert.deepEqual(exporter.spans.map((s) => s.name), ["GET"]);
    }));

  it("runs the handler untraced, and says why, when the request is not a Request", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const worker = traced({ fetch: () => new Response("served") }, options);
      const ctx = new RecordingContext();
      const { diagnostics } = await captureDiagnostics(async () => {
        const response = await worker.fetch({ url: "https://x.test/" } as never, {}, ctx);
        assert.equal(await response.text(), "served");
      });
      assert.deepEqual(problems(diagnostics), ["worker_trace_failed"]);
      assert.equal(ctx.waits.length, 0);
      assert.deepEqual(exporter.spans, []);
    }));

  it("returns a response whose body cannot be observed as it is, and ends the span in error", () =>
    isolated(async () => {
      const { exporter, options } = setup();
      const locked = new Response("locked");
      const reader = locked.body!.getReader();
      const worker = traced({ fetch: () => locked }, options);
      const ctx = new RecordingContext();
      const { diagnostics } = await captureDiagnostics(async () => {
        assert.equal(await worker.fetch(new Request("https://x.test/"), {}, ctx), locked);
        await ctx.drain();
      });
      const [root] = exporter.spans;
      if (locked.bodyUsed) {
        // Bun reports a locked body as used: it is then recorded as unsendable (a 500).
        assert.equal(root.attributes["http.response.status_code"], 500);
      } else {
        // workerd sends the headers, then fails the locked body: an error, with its status code.
        assert.deepEqual(problems(diagnostics), ["worker_body_unobserved"]);
        assert.equal(root.attributes["http.response.status_code"], 200);
      }
      assert.equal(root.status.code, "ERROR");
      assert.equal(root.attributes["error.type"], "TypeError");
      assert.deepEqual(root.events.map((e) => e.name), ["exception"]);
      reader.releaseLock();
    }));
});

describe("instrument() and the Workers configure() given bad options", () => {
  it("throw INVALID_CONFIG when called, not on the first request", () => {
    const handler = { fetch: () => new Response("ok") };
    const cases: [unknown, unknown][] = [
      [null, {}],
      ["handler", {}],
      [handler, null],
      [handler, { onFlush: "log" }],
      [handler, { waitForBody: "no" }],
      [handler, { flush: 0 }],
      [handler, { configure: 42 }],
      [handler, { configure: null }],
    ];
    for (const [target, options] of cases) {
      assert.throws(
        () => instrument(target as never, options as never),
        isInvalidConfig,
        JSON.stringify(options),
      );
    }
    assert.throws(() => configure({ asyncLocalStorage: "als" as never }), isInvalidConfig);
    assert.throws(() => configure("options" as never), isInvalidConfig);
  });
});

describe("WaitUntilTracker", () => {
  it("waits for every promise, however many, and passes each on", async () => {
    const ctx = new RecordingContext();
    const tracker = new WaitUntilTracker(ctx);
    const resolvers: (() => void)[] = [];
    for (let i = 0; i < 5000; i++) {
      tracker.ctx.waitUntil(new Promise<void>((resolve) => resolvers.push(resolve)));
    }
    assert.equal(ctx.waits.length, 5000, "every promise reaches the real waitUntil");
    let settled = false;
    const done = tracker.settled().then(() => (settled = true));
    for (const resolve of resolvers.slice(0, 4999)) resolve();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(settled, false, "it waits for the last one too (the 5000th)");
    tracker.ctx.waitUntil(Promise.reject(new Error("background job failed")));
    resolvers[4999]();
    await done;
    assert.equal(settled, true);
    await tracker.settled(); // nothing pending: resolves at once
  });
});
