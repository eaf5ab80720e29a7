// The loopback OTLP receiver and the checks of scripts/smoke_consumers.mjs: a node:http server on
// 127.0.0.1 that records every request with its gunzipped body, and assertions on OTLP/JSON spans
// and on gzip encoding.

import http from "node:http";
import { gunzipSync } from "node:zlib";

const ARRIVAL_TIMEOUT_MS = 15_000;

/** Starts the receiver; every request is recorded with its gunzipped body. */
export function startReceiver() {
  const requests = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      let body = raw;
      let gzipped = false;
      if (req.headers["content-encoding"] === "gzip") {
        body = gunzipSync(raw);
        gzipped = true;
      }
      const entry = { path: req.url, headers: req.headers, raw, body, gzipped };
      requests.push(entry);
      for (const w of waiters.splice(0)) w();
      const json = String(req.headers["content-type"]).includes("json");
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
      res.end(json ? "{}" : "");
    });
  });
  return new Promise((ready) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      ready({
        url: `http://127.0.0.1:${port}/v1/traces`,
        requests,
        /** Resolves with the requests whose body mentions `marker`, once there are any. */
        async waitFor(marker, timeoutMs = ARRIVAL_TIMEOUT_MS) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const hits = requests.filter((r) => r.body.includes(marker));
            if (hits.length > 0) return hits;
            if (Date.now() > deadline) {
              throw new Error(`no OTLP request mentioning "${marker}" arrived`);
            }
            await new Promise((wake) => {
              waiters.push(wake);
              setTimeout(wake, 200);
            });
          }
        },
        close: () => new Promise((closed) => server.close(closed)),
      });
    });
  });
}

export function spansOfJson(request) {
  const doc = JSON.parse(request.body.toString("utf8"));
  const spans = [];
  for (const rs of doc.resourceSpans ?? []) {
    const service = rs.resource?.attributes?.find((a) => a.key === "service.name")?.value
      ?.stringValue;
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) spans.push({ ...span, service });
    }
  }
  return spans;
}

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** OTLP/JSON: names, service, parent/child, and timestamps within a day of now. */
export function checkJsonSpans(requests, { service, root, child }) {
  const spans = requests.flatMap(spansOfJson);
  const rootSpan = spans.find((s) => s.name === root);
  const childSpan = spans.find((s) => s.name === child);
  expect(
    rootSpan && childSpan,
    `spans ${root} and ${child} arrived (got ${spans.map((s) => s.name)})`,
  );
  expect(rootSpan.service === service, `service.name is ${service} (got ${rootSpan.service})`);
  expect(childSpan.parentSpanId === rootSpan.spanId, `${child} is a child of ${root}`);
  expect(childSpan.traceId === rootSpan.traceId, "one trace");
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const dayNs = 86_400_000_000_000n;
  for (const s of [rootSpan, childSpan]) {
    const start = BigInt(s.startTimeUnixNano);
    const end = BigInt(s.endTimeUnixNano);
    expect(start > nowNs - dayNs && start < nowNs + dayNs, `${s.name} starts within a day of now`);
    expect(end >= start, `${s.name} does not end before it starts`);
  }
  return spans.length;
}

export function checkGzip(requests, contentType) {
  for (const r of requests) {
    expect(r.gzipped && r.raw[0] === 0x1f && r.raw[1] === 0x8b, "the body is gzip-compressed");
    expect(
      String(r.headers["content-type"]).startsWith(contentType),
      `content-type ${contentType}`,
    );
  }
}
