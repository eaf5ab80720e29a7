// Sampling: an unsampled span (a caller's traceparent flags 00, or a sampler's "no") reaches no
// processor and propagates flags 00; ratio sampling is decided by the trace id alone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  alwaysOff,
  alwaysOn,
  configure,
  continueTask,
  MemoryStorage,
  parentBased,
  samplerFromEnv,
  traceIdRatio,
  Tracer,
  TracerError,
} from "../mod.ts";
import type { Sampler, SpanContext } from "../mod.ts";
import { newTraceId } from "../src/ids.ts";
import { CollectingProcessor } from "./_support/collect.ts";
import { captureDiagnostics } from "./_support/otlp_helpers.ts";

const REMOTE_UNSAMPLED: SpanContext = {
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  traceFlags: 0,
};
const REMOTE_SAMPLED: SpanContext = { ...REMOTE_UNSAMPLED, traceFlags: 1 };

function tracerWith(sampler?: Sampler): [Tracer, CollectingProcessor] {
  const collect = new CollectingProcessor();
  return [new Tracer({ processors: [collect], sampler }), collect];
}

describe("sampling", () => {
  it("keeps only the defined flag bits of a caller: reserved bits are not sent on, unsampled stays 00", () => {
    const [tracer, collect] = tracerWith();
    const unsampled = tracer.startSpan("a", { parent: { ...REMOTE_UNSAMPLED, traceFlags: 0x80 } });
    const sampled = tracer.startSpan("b", { parent: { ...REMOTE_UNSAMPLED, traceFlags: 0xff } });
    const off = new Tracer({ processors: [collect], sampler: alwaysOff });
    const dropped = off.startSpan("c", { parent: { ...REMOTE_UNSAMPLED, traceFlags: 0xff } });
    assert.equal(unsampled.spanContext().traceFlags, 0);
    assert.equal(sampled.spanContext().traceFlags, 3); // sampled + random (W3C Level 2) kept
    assert.equal(dropped.spanContext().traceFlags, 2);
    sampled.end();
    assert.deepEqual(collect.ended.map((s) => [s.name, s.traceFlags]), [["b", 3]]);
  });

  it("follows a caller that did not sample (flags 00): no processor sees the span or its children", () => {
    const [tracer, collect] = tracerWith();
    const span = tracer.startSpan("handle", { parent: REMOTE_UNSAMPLED });
    const child = tracer.startSpan("db", { parent: span });
    assert.equal(span.isRecording, false);
    assert.equal(span.spanContext().traceFlags, 0); // propagated as 00 to the services it calls
    assert.equal(child.traceFlags, 0);
    child.end();
    span.end();
    assert.deepEqual(collect.started, []);
    assert.deepEqual(collect.ended, []);
    assert.deepEqual(collect.traces, []);
  });

  it("samples roots and children of sampled parents by default", () => {
    const [tracer, collect] = tracerWith();
    const root = tracer.startSpan("root");
    assert.equal(root.isRecording, true);
    tracer.startSpan("child", { parent: root }).end();
    tracer.startSpan("remote child", { parent: REMOTE_SAMPLED }).end();
    root.end();
    // A root's own trace id is random: flags 03 (W3C Level 2), inherited by its children.
    assert.deepEqual(collect.ended.map((s) => [s.name, s.traceFlags]), [
      ["child", 3],
      ["remote child", 1],
      ["root", 3],
    ]);
  });

  it("alwaysOn records a caller's unsampled trace and marks it sampled; alwaysOff records nothing", () => {
    const [on, seenOn] = tracerWith(alwaysOn);
    on.startSpan("kept", { parent: REMOTE_UNSAMPLED }).end();
    assert.deepEqual(seenOn.ended.map((s) => [s.name, s.traceFlags]), [["kept", 1]]);
    const [off, seenOff] = tracerWith(alwaysOff);
    const root = off.startSpan("dropped");
    off.startSpan("child", { parent: root }).end();
    root.end();
    assert.equal(seenOff.ended.length, 0);
  });

  it("gives the sampler the trace id, parent, name and initial attributes", () => {
    const calls: unknown[][] = [];
    const [tracer, collect] = tracerWith((traceId, parent, name, attributes) => {
      calls.push([traceId, parent?.spanId, name, { ...attributes }]);
      return attributes["http.route"] !== "/health";
    });
    tracer.startSpan("GET", { attributes: { "http.route": "/health" } }).end();
    tracer.startSpan("GET", { attributes: { "http.route": "/orders" }, parent: REMOTE_SAMPLED })
      .end();
    assert.deepEqual(collect.ended.map((s) => s.attributes["http.route"]), ["/orders"]);
    assert.equal(calls.length, 2);
    assert.match(String(calls[0][0]), /^[0-9a-f]{32}$/);
    assert.deepEqual(calls[1], [REMOTE_SAMPLED.traceId, REMOTE_SAMPLED.spanId, "GET", {
      "http.route": "/orders",
    }]);
  });

  it("a sampler that throws is reported and the span is sampled; startSpan never throws", () => {
    const capture = captureDiagnostics();
    try {
      const [tracer, collect] = tracerWith(() => {
        throw new Error("bad sampler");
      });
      tracer.startSpan("still here").end();
      assert.deepEqual(collect.ended.map((s) => s.name), ["still here"]);
      assert.ok(capture.list.some((d) => d.code === "sampler_failed"));
    } finally {
      capture.restore();
    }
  });

  it("traceIdRatio keeps about the ratio, decides by trace id alone and nests across ratios", () => {
    const ids = Array.from({ length: 20_000 }, newTraceId);
    const kept = (ratio: number) => {
      const sample = traceIdRatio(ratio);
      return new Set(ids.filter((id) => sample(id, undefined, "x", {})));
    };
    const tenth = kept(0.1);
    const half = kept(0.5);
    assert.ok(Math.abs(tenth.size / ids.length - 0.1) < 0.015, `kept ${tenth.size}`);
    assert.ok(Math.abs(half.size / ids.length - 0.5) < 0.02, `kept ${half.size}`);
    for (const id of tenth) assert.ok(half.has(id), "kept at 0.1 but not at 0.5");
    assert.equal(kept(0).size, 0);
    assert.equal(kept(1).size, ids.length);
    // The rightmost 56 bits decide: all-ones is kept at any ratio above 0, zeros only at 1.
    assert.equal(traceIdRatio(1e-9)("000000000000000000ffffffffffffff", undefined, "x", {}), true);
    assert.equal(
      traceIdRatio(0.999)("ffffffffffffffff0000000000000001", undefined, "x", {}),
      false,
    );
    // Exact at the threshold: 2^55 - 1 is below 2^55 (a 56-bit sum in a double rounds it up).
    assert.equal(traceIdRatio(0.5)("0000000000000000007fffffffffffff", undefined, "x", {}), false);
    assert.equal(traceIdRatio(0.5)("00000000000000000080000000000000", undefined, "x", {}), true);
    for (const bad of [-0.1, 1.5, NaN, "0.5" as unknown as number]) {
      assert.throws(() => traceIdRatio(bad), TracerError);
    }
  });

  it("parentBased follows local and remote parents and asks its root sampler for roots", () => {
    const [tracer, collect] = tracerWith(parentBased(alwaysOff));
    tracer.startSpan("root").end(); // root: alwaysOff
    tracer.startSpan("continued", { parent: REMOTE_SAMPLED }).end();
    tracer.startSpan("not continued", { parent: REMOTE_UNSAMPLED }).end();
    assert.deepEqual(collect.ended.map((s) => s.name), ["continued"]);
  });

  it("reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG as the specification lists them", () => {
    const id = "ffffffffffffffff00000000000000ff"; // low randomness: dropped at small ratios
    const env = (vars: Record<string, string>) => (name: string) => vars[name];
    const decide = (vars: Record<string, string>, parent?: SpanContext) =>
      samplerFromEnv(env(vars))?.(id, parent, "x", {});
    assert.equal(samplerFromEnv(env({})), undefined);
    assert.equal(samplerFromEnv(env({ OTEL_TRACES_SAMPLER: "parentbased_always_on" })), undefined);
    assert.equal(decide({ OTEL_TRACES_SAMPLER: "ALWAYS_OFF" }), false);
    assert.equal(decide({ OTEL_TRACES_SAMPLER: "always_on" }, REMOTE_UNSAMPLED), true);
    assert.equal(decide({ OTEL_TRACES_SAMPLER: "traceidratio" }), true); // ratio defaults to 1
    assert.equal(
      decide({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" }),
      false,
    );
    assert.equal(
      decide(
        { OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" },
        REMOTE_SAMPLED,
      ),
      true,
    );
    assert.equal(decide({ OTEL_TRACES_SAMPLER: "parentbased_always_off" }), false);
    const capture = captureDiagnostics();
    try {
      assert.equal(samplerFromEnv(env({ OTEL_TRACES_SAMPLER: "jaeger_remote" })), undefined);
      assert.equal(
        decide({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" }),
        true,
      );
      assert.deepEqual(capture.list.map((d) => d.code), ["invalid_env", "invalid_env"]);
    } finally {
      capture.restore();
    }
  });

  it("configure() takes a sampler option, else the environment, and checks its type", async () => {
    const storage = new MemoryStorage();
    const off = configure({
      storage,
      project: "p",
      env: (name) => name === "OTEL_TRACES_SAMPLER" ? "always_off" : undefined,
    });
    const dropped = off.tracer.startSpan("dropped");
    dropped.end();
    await off.shutdown();
    assert.deepEqual(
      await storage.readLines(["projects", "p", dropped.traceId, "spans.jsonl"]),
      [],
    );
    const on = configure({ storage, project: "p", sampler: alwaysOn });
    const kept = on.tracer.startSpan("kept", { parent: REMOTE_UNSAMPLED });
    kept.end();
    await on.shutdown();
    const lines = await storage.readLines(["projects", "p", kept.traceId, "spans.jsonl"]);
    assert.equal(lines.length, 1);
    assert.throws(
      () => configure({ storage, sampler: 0.5 as unknown as Sampler }),
      /sampler.*a function/,
    );
  });
});

describe("sampling and the task layer", () => {
  it("an unsampled task stores no artifact and no blob (nothing of it is exported or stored)", async () => {
    const storage = new MemoryStorage();
    const tracing = configure({ storage, project: "p" });
    const context = {
      task_id: "t1",
      task_name: "remote",
      project: "p",
      trace_context: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00" },
    };
    let artifact: unknown = "not called";
    await continueTask(context, async (task) => {
      assert.equal(task.span.isRecording, false);
      artifact = await task.logArtifact(new TextEncoder().encode("model output"), {
        name: "out.txt",
      });
      task.logInput("large", "x".repeat(50_000)); // would be a blob when sampled
    });
    await tracing.shutdown();
    assert.equal(artifact, undefined);
    assert.deepEqual(await storage.readLines(["projects", "p", "t1", "artifacts.jsonl"]), []);
    assert.equal(storage.stats().blobBytes, 0);
  });

  it("parentBased reads a parent without trace flags as sampled, as the tracer does", () => {
    const [tracer, collect] = tracerWith(parentBased(alwaysOff));
    const { traceId, spanId } = REMOTE_SAMPLED;
    tracer.startSpan("no flags", { parent: { traceId, spanId } as SpanContext }).end();
    assert.deepEqual(collect.ended.map((s) => [s.name, s.traceFlags]), [["no flags", 1]]);
  });
});
