// Exporters given what a user-written processor could hand them (odd but type-valid span records),
// storage that fails, and bad settings: they never throw, never lose the other spans of a batch,
// count every span they could not write in the flush report, and reject bad settings with
// TracerError INVALID_CONFIG when they are created instead of failing at export time.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../src/errors.ts";
import { ConsoleSpanExporter } from "../src/exporter/console.ts";
import { JsonlSpanExporter, spanLogPath } from "../src/exporter/jsonl.ts";
import { createOtlpExporter, resolveOtlpConfig } from "../src/exporter/otlp_factory.ts";
import { OtlpHttpExporter } from "../src/exporter/otlp_http.ts";
import { OtlpOutbox } from "../src/exporter/otlp_outbox.ts";
import type { OutboxLink } from "../src/exporter/otlp_outbox.ts";
import { emptyReport } from "../src/processor/report.ts";
import type { FileSystem } from "../src/storage/_fs.ts";
import { FsStorage } from "../src/storage/_fs_storage.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import type { StoragePath } from "../src/storage/types.ts";
import type { SpanRecord } from "../src/types.ts";
import { captureDiagnostics } from "./_support/collect.ts";
import { OtlpReceiver } from "./_support/otlp_receiver.ts";
import { isWorkerd } from "./_support/runtime.ts";
import { makeSpanBatch, makeSpanRecord } from "./_support/span_records.ts";

function isInvalidConfig(error: unknown): boolean {
  return error instanceof TracerError && error.code === "INVALID_CONFIG";
}

/** A value whose conversion to a string throws. */
const unprintable = (): unknown => Object.create(null);

/** Records a processor could hand an exporter: odd content, every field of the right type. */
function oddRecords(): SpanRecord[] {
  const many: Record<string, number> = {};
  for (let i = 0; i < 10_000; i++) many[`k${i}`] = i;
  return [
    makeSpanRecord({ name: "" }),
    makeSpanRecord({ name: "lone \ud800 surrogate", attributes: { s: "\udfff", e: "\u{1f389}" } }),
    makeSpanRecord({ attributes: JSON.parse('{"__proto__": "kept", "constructor": "too"}') }),
    makeSpanRecord({ attributes: { big: "x".repeat(2_000_000) } }),
    makeSpanRecord({ attributes: many }),
    makeSpanRecord({
      events: [{
        name: "",
        time: 0,
        attributes: JSON.parse('{"__proto__": 1}'),
        droppedAttributesCount: 0,
      }],
    }),
  ];
}

describe("JsonlSpanExporter given odd span records", () => {
  it("writes every span, with its content intact", async () => {
    const storage = new MemoryStorage({ maxLineBytes: 64 * 1024 * 1024 });
    const spans = oddRecords();
    const report = await new JsonlSpanExporter({ storage }).export(spans);
    assert.deepEqual(report, { ...emptyReport(), exported: spans.length });
    const lines = await Promise.all(
      spans.map((span) => storage.readLines(spanLogPath(span, "default"))),
    );
    const read = lines.map(([line]) => JSON.parse(line));
    assert.deepEqual(read.map((line) => line.span_id), spans.map((span) => span.spanId));
    assert.equal(read[1].name, "lone \ud800 surrogate");
    assert.equal(read[1].attributes.s, "\udfff");
    assert.ok(Object.hasOwn(read[2].attributes, "__proto__"));
    assert.equal(read[2].attributes.__proto__, "kept");
    assert.equal(read[3].attributes.big.length, 2_000_000);
    assert.equal(Object.keys(read[4].attributes).length, 10_000);
    assert.equal(read[5].events[0].timestamp, "1970-01-01T00:00:00+00:00");
    assert.ok(Object.hasOwn(read[5].events[0].attributes, "__proto__"));
  });

  it("keeps logs apart whose project and run ids differ only in where a NUL sits", async () => {
    const storage = new MemoryStorage();
    const first = makeSpanRecord({
      attributes: { "dreadnode.project": "a\u0000b", "dreadnode.run.id": "c" },
    });
    const second = makeSpanRecord({
      attributes: { "dreadnode.project": "a", "dreadnode.run.id": "b\u0000c" },
    });
    await new JsonlSpanExporter({ storage }).export([first, second]);
    for (const span of [first, second]) {
      const lines = await storage.readLines(spanLogPath(span, "default"));
      assert.deepEqual(lines.map((line) => JSON.parse(line).span_id), [span.spanId]);
    }
  });

  it("counts a span it cannot encode or write as failed, writes the rest, reports each kind once", async () => {
    const memory = new MemoryStorage();
    const broken = new Set(["run-1", "run-2"]);
    const storage = Object.assign(Object.create(memory), {
      appendLines(path: StoragePath, lines: readonly string[]) {
        return broken.has(path[2])
          ? Promise.reject(unprintable())
          : memory.appendLines(path, lines);
      },
    });
    const inRun = (run: string) => makeSpanRecord({ attributes: { "dreadnode.run.id": run } });
    const good = [makeSpanRecord(), inRun("run-3")];
    const spans = [
      ...good,
      makeSpanRecord({ startTime: 1e30, endTime: 1e30 }), // no calendar date: cannot be encoded
      makeSpanRecord({ startTime: Number.NaN, endTime: Number.NaN }),
      inRun("run-1"),
      inRun("run-1"),
      inRun("run-2"),
    ];
    const { result, diagnostics } = await captureDiagnostics(() =>
      new JsonlSpanExporter({ storage }).export(spans)
    );
    assert.deepEqual(result, { ...emptyReport(), exported: 2, failed: 5 });
    assert.deepEqual(diagnostics.map((d) => d.code), ["jsonl_encode_failed", "jsonl_write_failed"]);
    assert.match(diagnostics[1].message, /3 span lines to 2 logs/);
    for (const span of good) {
      assert.equal((await memory.readLines(spanLogPath(span, "default"))).length, 1);
    }
  });

  it("never holds more than 16 files open, however many logs a batch touches", async () => {
    let open = 0;
    let mostOpen = 0;
    const written = new Map<string, number>();
    const fs: FileSystem = {
      resolve: (path) => path,
      async appendFile(path) {
        mostOpen = Math.max(mostOpen, ++open);
        await new Promise((resolve) => setTimeout(resolve, 1));
        written.set(path, (written.get(path) ?? 0) + 1);
        open--;
      },
      writeFile: () => Promise.resolve(),
      readFile: () => Promise.reject(Object.assign(new Error("absent"), { code: "ENOENT" })),
      rename: () => Promise.resolve(),
      remove: () => Promise.resolve(),
      mkdirp: () => Promise.resolve(),
      readDir: () => Promise.resolve([]),
      mtime: () => Promise.resolve(0),
    };
    const storage = new FsStorage(fs, "fake-fs", { root: "/root" });
    const spans = Array.from({ length: 300 }, () => makeSpanRecord()); // 300 traces, 300 logs
    const report = await new JsonlSpanExporter({ storage }).export(spans);
    assert.equal(report.exported, 300);
    assert.equal(written.size, 300);
    assert.ok(mostOpen <= 16, `${mostOpen} files were open at once`);
  });

  it("rejects a missing storage and a project that is not a non-empty string", () => {
    const storage = new MemoryStorage();
    for (
      const options of [{}, { storage: {} }, { storage, project: "" }, { storage, project: 42 }]
    ) {
      assert.throws(() => new JsonlSpanExporter(options as never), isInvalidConfig);
    }
  });
});

describe("ConsoleSpanExporter given odd span records", () => {
  it("prints one line per span, with control characters escaped", async () => {
    const lines: string[] = [];
    const exporter = new ConsoleSpanExporter({ write: (line) => void lines.push(line) });
    const span = makeSpanRecord({
      name: "a\nb\u001b[2J",
      attributes: { "key\r\nforged": "v\u2028w", x: "\u009b31m" },
      events: [{ name: "e\u0007", time: 0, attributes: {}, droppedAttributesCount: 0 }],
    });
    const report = await exporter.export([span, ...oddRecords()]);
    assert.equal(report.exported, 7);
    assert.equal(lines.length, 7);
    for (const line of lines) {
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    }
    assert.match(lines[0], /a\\u000ab\\u001b\[2J/);
    assert.match(lines[0], /key\\u000d\\u000aforged=/);
    assert.match(lines[0], /event:e\\u0007/);
  });

  it("counts a span it cannot format as failed and prints the others", async () => {
    const lines: string[] = [];
    const exporter = new ConsoleSpanExporter({ write: (line) => void lines.push(line) });
    const report = await exporter.export([
      makeSpanRecord({ name: "before" }),
      makeSpanRecord({ startTime: Number.NaN }),
      makeSpanRecord({ name: "after" }),
    ]);
    assert.deepEqual(report, { ...emptyReport(), exported: 2, failed: 1 });
    assert.equal(lines.length, 2);
  });

  it("rejects a write that is not a function and a negative or NaN preview length", () => {
    for (const options of [{ write: "console" }, { maxValueLength: -1 }, { maxValueLength: NaN }]) {
      assert.throws(() => new ConsoleSpanExporter(options as never), isInvalidConfig);
    }
  });
});

describe("the OTLP outbox given a failing storage or bad settings", () => {
  const link: OutboxLink = {
    url: "http://127.0.0.1:9/v1/traces",
    send: () => Promise.resolve({ ok: true, attempts: 1, reason: "http_200" }),
    warn: () => {},
  };

  it("never rejects, and counts the spans as failed, when the outbox throws something unprintable", async () => {
    const storage = new MemoryStorage();
    const outbox = Object.assign(Object.create(storage.outbox), {
      enqueue: () => Promise.reject(unprintable()),
      peek: () => Promise.reject(unprintable()),
    });
    const warnings: string[] = [];
    const exporterLink = { ...link, warn: (code: string) => void warnings.push(code) };
    const box = new OtlpOutbox(Object.assign(Object.create(storage), { outbox }));
    const report = emptyReport();
    const batch = { body: new Uint8Array(3), contentType: "x", spanCount: 4, reason: "network" };
    await box.park(exporterLink, batch, undefined, report);
    await box.drain(exporterLink, Date.now() + 1000, undefined, report, true);
    assert.equal(report.failed, 4);
    assert.deepEqual(warnings, ["outbox_failed", "outbox_failed"]);
  });

  it("rejects NaN, negative or infinite backoffs, attempts below 1 and a storage without outbox", () => {
    const storage = new MemoryStorage();
    const bad = [
      { initialDelayMillis: NaN },
      { initialDelayMillis: -1 },
      { maxDelayMillis: Infinity },
      { maxAttempts: 0 },
      { maxAttempts: 2.5 },
      { maxAttempts: "3" },
    ];
    for (const options of bad) {
      assert.throws(() => new OtlpOutbox(storage, options as never), isInvalidConfig);
    }
    assert.throws(() => new OtlpOutbox({} as never), isInvalidConfig);
  });
});

describe("createOtlpExporter given bad settings", () => {
  const secret = "secret-value-1";

  it("rejects headers and credentials fetch could not send, naming no values", () => {
    const bad: Record<string, unknown>[] = [
      { headers: "x-api-key=abc" },
      { headers: ["a"] },
      { headers: { authorization: 12345678 } },
      { headers: { authorization: `Bearer ${secret}\r\nx-injected: 1` } },
      { headers: { authorization: `${secret}\u20ac` } },
      { headers: { "bad name": secret } },
      { server: "https://dn.example", organization: "acme", apiKey: 12345678 },
      { server: "https://dn.example", organization: "acme", apiKey: `${secret}\n` },
      { server: "https://dn.example", organization: "" },
      { server: "https://dn.example", organization: 42 },
    ];
    for (const options of bad) {
      assert.throws(() => createOtlpExporter(options as never), (error: unknown) => {
        assert.ok(isInvalidConfig(error), JSON.stringify(options));
        assert.ok(!(error as Error).message.includes(secret));
        return true;
      });
    }
  });

  it("skips environment headers fetch could not send, with a diagnostic", async () => {
    const env = (name: string) =>
      name === "OTEL_EXPORTER_OTLP_HEADERS" ? "good=1,newline=a%0Ab,euro=%E2%82%AC" : undefined;
    const { result, diagnostics } = await captureDiagnostics(() => resolveOtlpConfig({}, env));
    assert.deepEqual(result.headers, { good: "1" });
    assert.deepEqual(diagnostics.map((d) => d.code), ["invalid_env", "invalid_env"]);
  });

  it("keeps a header named __proto__ (from parsed JSON) as a header", () => {
    const headers = JSON.parse('{"__proto__": "value"}');
    const config = resolveOtlpConfig({ headers }, () => undefined);
    assert.ok(Object.hasOwn(config.headers, "__proto__"));
    assert.equal(config.headers.__proto__, "value");
  });

  it("rejects NaN, zero or fractional transport settings that would stall or spin the exporter", () => {
    const bad: Record<string, unknown>[] = [
      { maxConcurrentRequests: NaN },
      { maxConcurrentRequests: 0 },
      { maxConcurrentRequests: 1.5 },
      { attemptTimeoutMillis: NaN },
      { attemptTimeoutMillis: 0 },
      { retry: "fast" },
      { retry: { maxAttempts: 0 } },
      { retry: { initialDelayMillis: NaN } },
      { retry: { maxDelayMillis: -5 } },
      { retry: { multiplier: 0.5 } },
      { fetch: "fetch" },
      { compress: true },
      { storage: new MemoryStorage(), outboxRetry: { initialDelayMillis: NaN } },
      { storage: {} },
    ];
    for (const options of bad) {
      assert.throws(
        () => createOtlpExporter({ endpoint: "http://127.0.0.1:9/v1/traces", ...options }),
        isInvalidConfig,
        JSON.stringify(options),
      );
    }
  });
});

// The raw constructor takes options as given (createOtlpExporter/configure reject bad ones up
// front); a NaN or negative setting must fall back to its default, never stall or spin.
describe("OtlpHttpExporter constructed directly with bad numbers", { skip: isWorkerd }, () => {
  it("delivers with NaN, negative and infinite transport settings (their defaults apply)", async () => {
    const receiver = await OtlpReceiver.start();
    const exporter = new OtlpHttpExporter({
      endpoint: receiver.url,
      maxConcurrentRequests: NaN,
      timeoutMillis: NaN,
      attemptTimeoutMillis: -1,
      retry: { maxAttempts: NaN, initialDelayMillis: NaN, maxDelayMillis: -1, multiplier: NaN },
    });
    try {
      receiver.plan({ status: 503 });
      const spans = makeSpanBatch(3);
      const report = await exporter.export(spans);
      assert.deepEqual(report, { exported: 3, retried: 3, persisted: 0, dropped: {}, failed: 0 });
      assert.equal(receiver.requests.length, 2); // a 503, then the retry after the default backoff
      const second = await Promise.all([exporter.export(makeSpanBatch(1)), exporter.export([])]);
      assert.equal(second[0].exported, 1);
    } finally {
      await exporter.shutdown();
      await receiver.close();
    }
  });

  it("sends nothing for an export aborted while it waited for a request slot", async () => {
    const receiver = await OtlpReceiver.start();
    const exporter = new OtlpHttpExporter({
      endpoint: receiver.url,
      maxConcurrentRequests: 1,
      compression: "none",
    });
    try {
      receiver.plan({ status: 200, delayMs: 300 });
      const first = exporter.export(makeSpanBatch(2, "first"));
      const controller = new AbortController();
      const second = exporter.export(makeSpanBatch(1, "second"), { signal: controller.signal });
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort();
      assert.equal((await first).exported, 2);
      const report = await second;
      assert.equal(report.exported, 0);
      assert.equal(report.dropped.aborted, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(receiver.requests.length, 1); // the aborted batch never went out
    } finally {
      await exporter.shutdown();
      await receiver.close();
    }
  });
});
