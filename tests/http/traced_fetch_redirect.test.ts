// tracedFetch() and redirects, against a real loopback server (node:http; not in workerd): a
// `propagate` function is asked again for every URL a request is redirected to, so
// `traceparent` does not follow a redirect to a host it excludes, while the response, the
// methods and bodies sent, and the failures are those of an untraced fetch.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tracedFetch } from "../../src/http/traced_fetch.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { withTracing } from "./_helpers.ts";

/** One request as the server saw it. */
interface Seen {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly traceparent?: string;
  readonly authorization?: string;
  readonly contentType?: string;
}

/**
 * Runs `fn` with a server reachable as 127.0.0.1 (traced) and as localhost (excluded):
 * `/<status>?to=<url>` redirects there, `/loop/<n>` redirects to `/loop/<n - 1>` down to 0, anything else
 * answers `ok <path>`.
 */
async function withServer(fn: (port: number, seen: Seen[]) => Promise<void>): Promise<void> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
      seen.push({
        host: url.hostname,
        method: req.method ?? "",
        path: url.pathname,
        body: Buffer.concat(chunks).toString(),
        traceparent: req.headers.traceparent as string | undefined,
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
      });
      const status = /^\/(30[1-8])$/.exec(url.pathname);
      const loop = /^\/loop\/(\d+)$/.exec(url.pathname);
      if (status !== null) {
        res.writeHead(Number(status[1]), { location: url.searchParams.get("to")! });
        res.end("moved");
      } else if (loop !== null && Number(loop[1]) > 0) {
        res.writeHead(302, { location: `/loop/${Number(loop[1]) - 1}` });
        res.end();
      } else {
        res.end(`ok ${url.pathname}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await fn((server.address() as AddressInfo).port, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Only 127.0.0.1 gets the trace headers. */
const propagate = (url: URL) => url.hostname === "127.0.0.1";

describe("tracedFetch() and redirects", { skip: isWorkerd && "no node:http in workerd" }, () => {
  it("asks propagate again for every URL it is redirected to", () =>
    withServer((port, seen) =>
      withTracing(async ({ tracer, collected }) => {
        const traced = tracedFetch({ tracer, propagate });
        const back = `http://127.0.0.1:${port}/back`;
        const away = `http://localhost:${port}/302?to=${encodeURIComponent(back)}`;
        const start = `http://127.0.0.1:${port}/307?to=${encodeURIComponent(away)}`;
        const response = await traced(start, { headers: { authorization: "secret" } });
        assert.equal(await response.text(), "ok /back");
        assert.equal(response.status, 200);
        assert.equal(response.redirected, true);
        assert.equal(response.url, back);
        assert.deepEqual(seen.map((s) => [s.host, s.path, s.traceparent !== undefined]), [
          ["127.0.0.1", "/307", true],
          ["localhost", "/302", false],
          ["127.0.0.1", "/back", true],
        ]);
        assert.deepEqual(seen.map((s) => s.authorization), ["secret", undefined, undefined]);
        assert.equal(collected.ended.length, 1, "one span for the whole request");
        assert.equal(collected.ended[0].attributes["http.response.status_code"], 200);
      })
    ));

  it("turns a POST into a GET on 302 and 303, and sends the body again on 307 and 308", () =>
    withServer((port, seen) =>
      withTracing(async ({ tracer }) => {
        const traced = tracedFetch({ tracer, propagate });
        const end = encodeURIComponent(`http://localhost:${port}/end`);
        for (const status of [301, 302, 303, 307, 308]) {
          const response = await traced(`http://127.0.0.1:${port}/${status}?to=${end}`, {
            method: "POST",
            body: "payload",
            headers: { "content-type": "text/x-test" },
          });
          assert.equal(await response.text(), "ok /end");
        }
        const hops = seen.filter((s) => s.path === "/end");
        assert.deepEqual(hops.map((s) => [s.method, s.body, s.contentType, s.traceparent]), [
          ["GET", "", undefined, undefined],
          ["GET", "", undefined, undefined],
          ["GET", "", undefined, undefined],
          ["POST", "payload", "text/x-test", undefined],
          ["POST", "payload", "text/x-test", undefined],
        ]);
      })
    ));

  it("fails as fetch does on a streamed body to send again, and after 20 redirects", () =>
    withServer((port) =>
      withTracing(async ({ tracer, collected }) => {
        const traced = tracedFetch({ tracer, propagate });
        const to = encodeURIComponent(`http://localhost:${port}/end`);
        // Not only on a 307: a 301/302 must not turn the POST into a GET that succeeds
        // without the body (fetch itself rejects all three).
        for (const status of [301, 302, 307]) {
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("streamed"));
              controller.close();
            },
          });
          await assert.rejects(
            traced(`http://127.0.0.1:${port}/${status}?to=${to}`, {
              method: "POST",
              body: stream,
              duplex: "half",
            } as RequestInit),
            TypeError,
            `${status}`,
          );
        }
        // As many redirects as this runtime's fetch follows (20; Bun 126), and one more.
        const outcome = (promise: Promise<Response>) =>
          promise.then((r) => r.text(), (error: Error) => error.name);
        for (const n of [20, 21, 126, 127]) {
          const url = `http://127.0.0.1:${port}/loop/${n}`;
          assert.equal(await outcome(traced(url)), await outcome(fetch(url)), `${n} redirects`);
        }
        assert.equal(collected.ended[0].attributes["error.type"], "TypeError");
      })
    ));

  it("keeps a Request's own headers on every hop, as fetch does", () =>
    withServer((port, seen) =>
      withTracing(async ({ tracer }) => {
        const traced = tracedFetch({ tracer, propagate });
        const end = `http://127.0.0.1:${port}/end`;
        const start = `http://127.0.0.1:${port}/307?to=${encodeURIComponent(end)}`;
        const caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        // The caller's own traceparent: tracedFetch sends the Request as given.
        const request = new Request(start, {
          headers: { authorization: "Bearer same-origin", traceparent: caller },
        });
        const response = await traced(request);
        assert.equal(await response.text(), "ok /end");
        assert.deepEqual(
          seen.map((s) => [s.path, s.authorization, s.traceparent]),
          [["/307", "Bearer same-origin", caller], ["/end", "Bearer same-origin", caller]],
        );
      })
    ));

  it("hands back the redirect itself with redirect: manual", () =>
    withServer((port, seen) =>
      withTracing(async ({ tracer }) => {
        const traced = tracedFetch({ tracer, propagate });
        const to = `http://localhost:${port}/end`;
        const response = await traced(
          new Request(`http://127.0.0.1:${port}/302?to=${encodeURIComponent(to)}`, {
            redirect: "manual",
          }),
        );
        assert.equal(response.status, 302);
        assert.equal(response.headers.get("location"), to);
        assert.equal(response.redirected, false);
        await response.body?.cancel();
        assert.equal(seen.length, 1);
      })
    ));
});
