import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { configure, getConfig, getTracer, MemoryStorage } from "../mod.ts";
import type { Diagnostic } from "../mod.ts";
import { configure as configureNode } from "../src/runtime/node.ts";
import { hasFileSystem, isWorkerd } from "./_support/runtime.ts";
import { withTempDir } from "./_support/files.ts";
import { OtlpReceiver } from "./_support/otlp_receiver.ts";

describe("configure", () => {
  it("names the tracer's instrumentation scope after otelScope (dreadnode's otel_scope)", async () => {
    const scoped = configure({ storage: new MemoryStorage(), otelScope: "my-agent" });
    assert.equal(scoped.tracer.scope.name, "my-agent");
    assert.match(String(scoped.tracer.scope.version), /^\d+\.\d+\.\d+/);
    await scoped.shutdown();
    const plain = configure({ storage: new MemoryStorage() });
    assert.equal(plain.tracer.scope.name, "tracelet");
    await plain.shutdown();
    assert.throws(
      () => configure({ otelScope: 7 as unknown as string }),
      /otelScope.*non-empty string|non-empty string.*otelScope/,
    );
  });

  it("wires JSONL into the given storage and installs the tracer globally", async () => {
    const storage = new MemoryStorage();
    const tracing = configure({ storage, project: "proj", serviceName: "svc" });
    assert.equal(getTracer(), tracing.tracer);
    assert.equal(getConfig().storage, storage);
    const span = tracing.tracer.startSpan("unit");
    span.end();
    await tracing.forceFlush();
    const lines = await storage.readLines(["projects", "proj", span.traceId, "spans.jsonl"]);
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(line), [
      "trace_id",
      "span_id",
      "parent_id",
      "name",
      "kind",
      "status",
      "start_time",
      "end_time",
      "attributes",
      "events",
      "resource",
    ]);
    assert.equal(line.name, "unit");
    assert.equal(line.resource["service.name"], "svc");
    assert.match(line.start_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
    await tracing.shutdown();
  });

  it("re-configuring applies the new options and says so", async () => {
    const seen: Diagnostic[] = [];
    const first = configure({
      storage: new MemoryStorage(),
      diagnostics: (d) => void seen.push(d),
    });
    const storage = new MemoryStorage();
    const second = configure({ storage, project: "next" });
    assert.notEqual(first.tracer, second.tracer);
    assert.ok(seen.some((d) => d.code === "reconfigured"));
    const span = getTracer().startSpan("after");
    span.end();
    await second.forceFlush();
    assert.equal(
      (await storage.readLines(["projects", "next", span.traceId, "spans.jsonl"])).length,
      1,
    );
    await second.shutdown();
    configure({ storage: new MemoryStorage(), diagnostics: undefined });
  });

  it(
    "the Node preset writes JSONL under the storage root on disk",
    { skip: !hasFileSystem },
    async () => {
      await withTempDir("tracelet-cfg-", async (root) => {
        const tracing = configureNode({ storageRoot: root, project: "disk" });
        const traceId = await tracing.tracer.withSpan("outer", async (span) => {
          await tracing.tracer.withSpan("inner", async () => {});
          return span.traceId;
        });
        await tracing.shutdown();
        const text = await readFile(join(root, "projects", "disk", traceId, "spans.jsonl"), "utf8");
        const names = text.trim().split("\n").map((l) => JSON.parse(l).name);
        assert.deepEqual(names, ["inner", "outer"]);
      });
    },
  );
});

describe("configure redaction", () => {
  it("never writes a secret covered by the policy to JSONL", async () => {
    const storage = new MemoryStorage();
    const tracing = configure({ storage, redaction: { extraKeys: ["session_key"] } });
    const span = tracing.tracer.startSpan("call", {
      attributes: {
        api_key: "sk-live-123",
        "http.request.header.authorization": "Bearer abc",
        payload: JSON.stringify({ nested: { Password: "hunter2" }, ok: 1 }),
        session_key: "s3cr3t",
        model: "gpt",
      },
    });
    span.end();
    await tracing.forceFlush();
    const [line] = await storage.readLines(["projects", "default", span.traceId, "spans.jsonl"]);
    for (const secret of ["sk-live-123", "Bearer abc", "hunter2", "s3cr3t"]) {
      assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
    }
    const attrs = JSON.parse(line).attributes;
    assert.equal(attrs.api_key, "***REDACTED***");
    assert.equal(attrs.model, "gpt");
    assert.equal(JSON.parse(attrs.payload).ok, 1);
    await tracing.shutdown();
    configure({ storage: new MemoryStorage(), redaction: {} });
  });
});

describe("configure export backends", () => {
  it("explicit remote backend without credentials is a configuration error", () => {
    assert.throws(
      () =>
        configure({
          storage: new MemoryStorage(),
          traceBackend: "remote",
          server: "http://127.0.0.1:1",
        }),
      (error: unknown) => (error as { code?: string }).code === "MISSING_CREDENTIALS",
    );
  });

  it("remote dreadnode backend sends gzip protobuf with X-Api-Key to the org endpoint", {
    skip: isWorkerd,
  }, async () => {
    const receiver = await OtlpReceiver.start();
    try {
      const storage = new MemoryStorage();
      const tracing = configure({
        storage,
        server: `http://127.0.0.1:${receiver.port}`,
        apiKey: "dn-key-123",
        organization: "acme",
      });
      const span = tracing.tracer.startSpan("remote-span");
      span.end();
      const report = await tracing.forceFlush();
      assert.equal(report.exported, 2, "one JSONL line and one OTLP span");
      assert.equal(receiver.requests.length, 1);
      const request = receiver.requests[0];
      assert.equal(request.path, "/api/v1/org/acme/otel/traces");
      assert.equal(request.headers["x-api-key"], "dn-key-123");
      assert.equal(request.headers["content-encoding"], "gzip");
      assert.deepEqual(request.spanIds, [span.spanId]);
      const lines = await storage.readLines(["projects", "default", span.traceId, "spans.jsonl"]);
      assert.ok(!lines.join("").includes("dn-key-123"));
      await tracing.shutdown();
    } finally {
      await receiver.close();
    }
  });
});
