/**
 * Steady traffic into a collector that is down, with a durable outbox: how many spans reach the
 * outbox and how many the batch queue drops meanwhile. Default pipeline (`BatchSpanProcessor`
 * defaults, `createOtlpExporter` defaults) with a `MemoryStorage` outbox roomy enough for all.
 *
 *   node --import ./bench/_node_loader.mjs bench/outage.ts [spans/s] [seconds] [refused|silent] [attemptTimeoutMillis]
 *
 * `refused`: a closed port (connection refused, as a stopped collector). `silent`: a server that
 * takes connections and never answers. Prints one JSON line with the tracer's shutdown report.
 *
 * @module
 */
import net from "node:net";
import process from "node:process";
import { setDiagnosticsHook } from "../src/diagnostics.ts";
import { createOtlpExporter } from "../src/exporter/otlp_factory.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { Tracer } from "../src/tracer.ts";

const [rate = 300, seconds = 20] = process.argv.slice(2, 4).map(Number);
const mode = process.argv[4] ?? "refused";
const attemptTimeoutMillis = process.argv[5] === undefined ? undefined : Number(process.argv[5]);

/** A port on 127.0.0.1 that refuses connections, or one that takes them and never answers. */
async function downCollector(): Promise<{ port: number; close: () => void }> {
  const server = net.createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  if (mode === "silent") return { port, close: () => server.close() };
  await new Promise((resolve) => server.close(resolve));
  return { port, close: () => {} };
}

const collector = await downCollector();
setDiagnosticsHook(() => {});
const storage = new MemoryStorage({ outboxMaxBytes: 256 * 1024 * 1024, outboxMaxEntries: 100_000 });
const exporter = createOtlpExporter({
  endpoint: `http://127.0.0.1:${collector.port}/v1/traces`,
  storage,
  attemptTimeoutMillis,
});
const tracer = new Tracer({ processors: [new BatchSpanProcessor(exporter)] });
const start = Date.now();
let made = 0;
while (Date.now() - start < seconds * 1000) {
  for (let i = 0; i < rate / 10; i++, made++) {
    tracer.startSpan("work", { attributes: { "work.item": made } }).end();
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
const report = await tracer.shutdown(15_000);
collector.close();
console.log(JSON.stringify({ rate, seconds, mode, attemptTimeoutMillis, made, report }));
process.exit(0);
