// BackendSpanExporter redacts a record with the process-wide policy in force when the record was
// queued, so a reconfiguration between queueing and export (configure() again, setRedactionPolicy)
// does not post a secret the earlier policy masked.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { noteQueuedRedaction } from "../../src/agents/_queued_policy.ts";
import { BackendSpanExporter } from "../../src/agents/backend_exporter.ts";
import { BatchTraceProcessor } from "../../src/agents/batch_trace_processor.ts";
import type { SpanView } from "../../src/agents/processors.ts";
import { setRedactionPolicy } from "../../src/redact/global.ts";
import { isolated } from "../_support/global_state.ts";

/** A span record carrying `session_key`, which only a policy with that extra key masks. */
function secretItem() {
  return {
    export: () => ({
      object: "trace.span",
      id: "span_1",
      trace_id: "trace_1",
      span_data: { type: "custom", name: "login", data: { session_key: "sess-0123456789" } },
    }),
  };
}

/** An exporter with the process-wide policy as default, and the bodies it posts. */
function capturing(): { exporter: BackendSpanExporter; bodies: string[] } {
  const bodies: string[] = [];
  const exporter = new BackendSpanExporter({
    apiKey: "sk-test-key-123456",
    endpoint: "http://127.0.0.1:9/v1/traces/ingest",
    fetch: (_url, init) => (bodies.push(String(init.body)), Promise.resolve(new Response("{}"))),
  });
  return { exporter, bodies };
}

/** Exports `items` with the process-wide policy as default; resolves with the posted body. */
async function posted(items: object[]): Promise<string> {
  const { exporter, bodies } = capturing();
  await exporter.export(items);
  assert.equal(bodies.length, 1);
  return bodies[0];
}

describe("BackendSpanExporter's default redaction", () => {
  it("uses the policy in force when the item was queued, not a newer one", () =>
    isolated(async () => {
      setRedactionPolicy({ extraKeys: ["session_key"] });
      const item = secretItem();
      noteQueuedRedaction(item);
      setRedactionPolicy(undefined); // a reconfiguration to the default policy
      const body = await posted([item]);
      assert.ok(!body.includes("sess-0123456789"), body);
    }));

  it("a BatchTraceProcessor posts what it queued under the policy in force then", () =>
    isolated(async () => {
      const { exporter, bodies } = capturing();
      const processor = new BatchTraceProcessor(exporter, { scheduleDelay: 60_000 });
      setRedactionPolicy({ extraKeys: ["session_key"] });
      processor.onSpanEnd(secretItem() as unknown as SpanView);
      setRedactionPolicy(undefined); // configure() again, with the default policy
      await processor.forceFlush();
      await processor.shutdown();
      assert.equal(bodies.length, 1);
      assert.ok(!bodies[0].includes("sess-0123456789"), bodies[0]);
      assert.match(bodies[0], /login/, "the span itself was posted");
    }));

  it("uses the policy at export time for an item nobody queued", () =>
    isolated(async () => {
      const item = secretItem();
      setRedactionPolicy({ extraKeys: ["session_key"] });
      const body = await posted([item]);
      assert.ok(!body.includes("sess-0123456789"), body);
      setRedactionPolicy(undefined);
      assert.ok((await posted([secretItem()])).includes("sess-0123456789"));
    }));

  it("ignores what is not an object", () => {
    for (const value of [undefined, null, 1, "x"]) noteQueuedRedaction(value);
  });
});
