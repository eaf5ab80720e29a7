// RedactingExporter.forceFlush(limit) and shutdown(limit) take what the OTLP exporter's take (the
// one rule of every public flush and shutdown): a timeout in ms (below 10^12) or an epoch-ms
// deadline, bare or as `{ deadline }`. They took only options and passed them on unchanged, so
// `new RedactingExporter(exporter).shutdown(5000)` did not compile, and an exporter that reads
// `options.deadline` in epoch ms (the SpanExporter interface) got a bare number (no deadline) or
// `{ deadline: 5000 }` (a deadline in 1970). It now hands on options with an epoch-ms deadline.
// Skipped in workerd (no node:http server there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createOtlpExporter } from "../src/exporter/otlp_factory.ts";
import type { ExportOptions, SpanExporter } from "../src/processor/types.ts";
import { RedactingExporter } from "../src/redact/redacting_exporter.ts";
import type { FlushReport, SpanRecord } from "../src/types.ts";
import { withDiagnostics } from "./_support/otlp_helpers.ts";
import { withReceiver } from "./_support/otlp_receiver.ts";
import { isWorkerd } from "./_support/runtime.ts";
import { makeSpanBatch } from "./_support/span_records.ts";
import { until } from "./_support/ws_test_servers.ts";

/** An exporter written to the SpanExporter interface: it keeps the options it is handed. */
class OptionsRecorder implements SpanExporter {
  readonly seen: (ExportOptions | undefined)[] = [];
  export(spans: readonly SpanRecord[]): Promise<FlushReport> {
    const report = { exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 };
    return Promise.resolve(report);
  }
  forceFlush(options?: ExportOptions): Promise<FlushReport> {
    this.seen.push(options);
    return this.export([]);
  }
  shutdown(options?: ExportOptions): Promise<void> {
    this.seen.push(options);
    return Promise.resolve();
  }
}

describe("RedactingExporter flush and shutdown limits", () => {
  it("shutdown(5000) of an OTLP exporter waits for its slow export", {
    skip: isWorkerd,
  }, () =>
    withReceiver((receiver) =>
      withDiagnostics(async () => {
        const otlp = createOtlpExporter({ endpoint: receiver.url, compression: "none" });
        const exporter = new RedactingExporter(otlp);
        receiver.plan({ status: 200, delayMs: 400 });
        let settled = false;
        const pending = exporter.export(makeSpanBatch(2)).finally(() => settled = true);
        // Sent: the receiver holds its answer 400 ms.
        await until(() => receiver.requests.length === 1, "the request");
        const started = Date.now();
        await exporter.shutdown(5000);
        assert.ok(settled, "the export settled before shutdown returned");
        assert.ok(Date.now() - started >= 200, `shutdown took ${Date.now() - started} ms`);
        assert.equal((await pending).exported, 2);
      })
    ));

  it("hands the wrapped exporter options with an epoch-ms deadline", async () => {
    const inner = new OptionsRecorder();
    const exporter = new RedactingExporter(inner);
    const signal = new AbortController().signal;
    const deadline = Date.now() + 60_000;
    const before = Date.now();
    await exporter.forceFlush(300);
    await exporter.shutdown({ deadline: 5000, signal });
    await exporter.forceFlush(deadline);
    await exporter.shutdown({ deadline, signal });
    await exporter.forceFlush();
    const after = Date.now();
    const [timeout, timeoutOption, bare, option, none] = inner.seen;
    assert.ok(timeout!.deadline! >= before + 300 && timeout!.deadline! <= after + 300);
    assert.ok(
      timeoutOption!.deadline! >= before + 5000 && timeoutOption!.deadline! <= after + 5000,
    );
    assert.equal(timeoutOption!.signal, signal);
    assert.deepEqual(bare, { deadline });
    assert.deepEqual(option, { deadline, signal });
    assert.equal(none, undefined);
  });
});
