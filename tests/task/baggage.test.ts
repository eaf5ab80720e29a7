import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../../mod.ts";
import {
  continueTask,
  getTaskContext,
  limitBaggage,
  MAX_BAGGAGE_BYTES,
  MAX_BAGGAGE_MEMBERS,
  parseBaggage,
  run,
  type TaskContext,
  taskSpan,
  validateTaskContext,
} from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

const TRACEPARENT = `00-${"0af7651916cd43dd8448eb211c80319c"}-${"b7ad6b7169203331"}-01`;

function received(baggage: unknown): TaskContext {
  return {
    task_id: "abc-123",
    task_name: "remote-job",
    project: "other",
    trace_context: { traceparent: TRACEPARENT, tracestate: "vendor=x", baggage } as never,
  };
}

describe("W3C baggage", () => {
  it("parses list members with properties, optional whitespace and percent-encoded values", () => {
    assert.deepEqual(parseBaggage("k=v"), ["k=v"]);
    assert.deepEqual(
      parseBaggage(" userId=alice , serverNode = DF%2028 ;ttl=60;secure, isProduction=false,,"),
      ["userId=alice", "serverNode = DF%2028 ;ttl=60;secure", "isProduction=false"],
    );
    assert.deepEqual(parseBaggage("empty="), ["empty="]);
    assert.deepEqual(parseBaggage(""), []);
  });

  it("rejects a header with any invalid member", () => {
    for (
      const bad of [
        "novalue",
        "=v",
        "k=v, bad key=1",
        'k="quoted"',
        "k=a b",
        "k=back\\slash",
        "k=v;=p",
        "ké=v",
        "k=v\n",
        42,
        undefined,
      ]
    ) {
      assert.equal(parseBaggage(bad), undefined, JSON.stringify(bad));
    }
  });

  it("parses crafted 200k-character headers in linear time", () => {
    // Runs of spaces once made trimming and member matching quadratic (seconds per header). The
    // 1 s bound is generous (linear parsing takes a few ms); it only guards against that.
    const spaces = " ".repeat(200_000);
    const cases: [string, string[] | undefined][] = [
      [`k=v${spaces}x`, undefined],
      [`k=v;p${spaces}=${spaces}x y`, undefined],
      [`k${spaces}=v${spaces};p`, [`k${spaces}=v${spaces};p`]],
      [`${spaces}k=v${spaces},${spaces}`, ["k=v"]],
      [`k=v${";p".repeat(100_000)}`, [`k=v${";p".repeat(100_000)}`]],
    ];
    for (const [header, expected] of cases) {
      const started = performance.now();
      assert.deepEqual(parseBaggage(header), expected);
      assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
    }
  });

  it("keeps the leading members within 64 members and 8192 bytes", () => {
    const many = Array.from({ length: 70 }, (_, i) => `k${i}=v`);
    assert.deepEqual(limitBaggage(many), {
      header: many.slice(0, MAX_BAGGAGE_MEMBERS).join(","),
      dropped: 6,
    });
    const big = Array.from({ length: 3 }, (_, i) => `k${i}=${"x".repeat(3000)}`);
    const limited = limitBaggage(big);
    assert.equal(limited.dropped, 1);
    assert.ok(limited.header!.length <= MAX_BAGGAGE_BYTES);
    assert.deepEqual(limitBaggage([]), { header: undefined, dropped: 0 });
  });
});

describe("continueTask carries baggage", () => {
  it("getTaskContext() inside a continued task returns the received baggage", async () => {
    await withTaskEnv((env) => {
      const inner = continueTask(received("k=v, tenant=acme;p=1"), () => getTaskContext());
      assert.deepEqual(inner!.trace_context, {
        traceparent: inner!.trace_context.traceparent,
        tracestate: "vendor=x",
        baggage: "k=v,tenant=acme;p=1",
      });
      assert.deepEqual(env.codes(), []);
    });
  });

  it("child tasks inherit it; tasks outside a continuation have none", async () => {
    await withTaskEnv(() => {
      continueTask(received("k=v"), (fragment) => {
        assert.equal(fragment.baggage, "k=v");
        taskSpan("child", {}, (child) => {
          assert.equal(child.baggage, "k=v");
          assert.equal(getTaskContext()!.trace_context.baggage, "k=v");
        });
      });
      run("unrelated", {}, (r) => {
        assert.equal(r.baggage, undefined);
        assert.equal("baggage" in getTaskContext()!.trace_context, false);
      });
    });
  });

  it("an invalid baggage is discarded with a diagnostic; the trace context is still used", async () => {
    for (const bad of ["not baggage", 17, { k: "v" }]) {
      await withTaskEnv((env) => {
        const fragment = continueTask(received(bad));
        fragment.end();
        assert.equal(fragment.baggage, undefined);
        assert.equal(fragment.parentSpanId, "b7ad6b7169203331");
        assert.ok(env.codes().includes("invalid_trace_context"));
      });
    }
  });

  it("members past the W3C limits are dropped with a diagnostic", async () => {
    const header = Array.from({ length: 100 }, (_, i) => `k${i}=${i}`).join(",");
    await withTaskEnv((env) => {
      const fragment = continueTask(received(header));
      fragment.end();
      assert.equal(fragment.baggage!.split(",").length, MAX_BAGGAGE_MEMBERS);
      assert.ok(env.diagnostics.some((d) => /36 member\(s\) past the W3C limits/.test(d.message)));
    });
  });

  it("a crafted 200k-character baggage in a received context does not block continueTask", async () => {
    await withTaskEnv((env) => {
      const started = performance.now();
      const fragment = continueTask(received(`k=v${" ".repeat(200_000)}x`));
      fragment.end();
      assert.ok(performance.now() - started < 1000); // Generous: linear parsing takes a few ms.
      assert.equal(fragment.baggage, undefined);
      assert.ok(env.codes().includes("invalid_trace_context"));
    });
  });

  it("validateTaskContext rejects a malformed baggage", () => {
    assert.equal(validateTaskContext(received("a=1")).trace_context.baggage, "a=1");
    assert.throws(
      () => validateTaskContext(received("a b")),
      (e: unknown) => e instanceof TracerError && e.code === "INVALID_TRACE_CONTEXT",
    );
  });

  it("an unreadable carrier field never throws", async () => {
    const carrier = { traceparent: TRACEPARENT };
    Object.defineProperty(carrier, "baggage", {
      enumerable: true,
      get() {
        throw new Error("hostile");
      },
    });
    await withTaskEnv((env) => {
      const ctx = { ...received(undefined), trace_context: carrier };
      assert.doesNotThrow(() => continueTask(ctx).end());
      assert.ok(env.codes().includes("invalid_trace_context"));
    });
  });
});
