/**
 * Run by tests/websocket_node_websocket.test.ts in `node --experimental-websocket` (Node 20: its
 * global WebSocket is undici 6, the one Node 22 ships): the exporter with the global WebSocket
 * meets a refused connection, then a server that never answers the upgrade (connect timeout),
 * then a normal server on the same port. Writes one JSON line to stderr: the undici version, the
 * first two reports, the summed reports of the exports made once the server is up, and how many
 * messages and connections it got.
 *
 * @module
 */
import process from "node:process";
import { WebSocketSpanExporter } from "../../src/exporter/websocket.ts";
import type { FlushReport } from "../../src/types.ts";
import { captureDiagnostics, delay } from "./otlp_helpers.ts";
import { makeSpanBatch } from "./span_records.ts";
import { startRawServer, startWsServer } from "./ws_test_servers.ts";

const diagnostics = captureDiagnostics();
const probe = await startWsServer("record");
const port = probe.port;
await probe.stop(); // nothing listens there now: the first attempt is refused
const exporter = new WebSocketSpanExporter({ runId: "r", port, connectTimeoutMillis: 200 });
const refused = await exporter.export(makeSpanBatch(1, "refused"));
await delay(150); // the first backoff is at most 100 ms
const hole = await startRawServer("black-hole", { port });
const blackHole = await exporter.export(makeSpanBatch(1, "black-hole"));
await hole.stop();
const server = await startWsServer("record", port);
const later: FlushReport = { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 };
for (let i = 0; i < 100 && server.messages.length === 0; i++) {
  const report = await exporter.export(makeSpanBatch(1, `up-${i}`));
  later.exported += report.exported;
  later.failed += report.failed;
  for (const [reason, n] of Object.entries(report.dropped)) {
    later.dropped[reason] = (later.dropped[reason] ?? 0) + n;
  }
  await delay(50);
}
await exporter.shutdown({ deadline: Date.now() + 1000 });
await server.stop();
diagnostics.restore();
process.stderr.write(
  JSON.stringify({
    undici: process.versions.undici,
    refused,
    blackHole,
    later,
    messages: server.messages.length,
    connections: server.connections,
  }) + "\n",
);
process.exit(0);
