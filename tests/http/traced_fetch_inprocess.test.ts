// tracedFetch() with an in-process fetch (the `fetch` option), so these run on every runtime,
// workerd included: what it records for URLs and methods fetch cannot send to a real server,
// which fetch it calls (the one of the time it is made, unwrapped when traced; wrappers over it
// and requests started inside it), bad options, callbacks that throw, underlying fetches that throw
// synchronously or answer with something else, and a traced client calling a traced handler.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../../src/errors.ts";
import { traceFetchHandler } from "../../src/http/trace_fetch_handler.ts";
import { type FetchFunction, tracedFetch } from "../../src/http/traced_fetch.ts";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { RedactionPolicy } from "../../src/redact/policy.ts";
import { redactSpan } from "../../src/redact/redacting_exporter.ts";
import { TRACEPARENT, until, withTracing } from "./_helpers.ts";

/** A fetch that records what it is called with and answers 200 `ok`. */
function recording(): { fetch: FetchFunction; calls: { input: unknown; init: unknown }[] } {
  const calls: { input: unknown; init: unknown }[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push({ input, init });
      return Promise.resolve(new Response("ok"));
    },
  };
}

/** Runs `fn` with `fetch` as the global fetch, restoring the global afterwards. */
async function withGlobalFetch(fetch: FetchFunction, fn: () => Promise<void>): Promise<void> {
  const original = globalThis.fetch;
  globalThis.fetch = fetch as typeof globalThis.fetch;
  try {
    await fn();
  } finally {
    globalThis.fetch = original;
  }
}

/** `promise`, or a rejection when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const sentTraceparent = (init: unknown): string | null =>
  new Headers((init as RequestInit | undefined)?.headers).get("traceparent");

const isInvalidConfig = (error: unknown): boolean =>
  error instanceof TracerError && error.code === "INVALID_CONFIG";

describe("tracedFetch(): what it records", () => {
  it("redacts credentials in url.full, drops the fragment, and names unknown methods HTTP", () =>
    withTracing(async ({ tracer, collected }) => {
      const { fetch, calls } = recording();
      const traced = tracedFetch({ tracer, fetch });
      await (await traced("https://user:pass@example.com/a?x=1#frag", { method: "PROPFIND" }))
        .text();
      await (await traced("https://[::1]/b", { method: "patch" })).text();
      await (await traced("http://example.com:8080/c")).text();
      const [other, patch, plain] = collected.ended;
      assert.equal(other.name, "HTTP");
      assert.equal(other.attributes["http.request.method"], "_OTHER");
      assert.equal(other.attributes["http.request.method_original"], "PROPFIND");
      assert.equal(other.attributes["url.full"], "https://REDACTED:REDACTED@example.com/a");
      assert.equal(other.attributes["server.port"], 443);
      assert.equal(patch.name, "PATCH");
      assert.equal(patch.attributes["http.request.method_original"], "patch");
      assert.equal(patch.attributes["server.address"], "::1");
      assert.equal(plain.attributes["server.port"], 8080);
      assert.equal(plain.attributes["http.request.method_original"], undefined);
      assert.equal(calls[0].input, "https://user:pass@example.com/a?x=1#frag", "input as given");
    }));

  it("with recordQuery, redacts the signature, key id and token of an AWS presigned URL", () =>
    withTracing(async ({ tracer, collected }) => {
      const { fetch } = recording();
      const traced = tracedFetch({ tracer, fetch, recordQuery: true });
      const presigned = "https://bucket.s3.amazonaws.com/key?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
        "&X-Amz-Credential=AKIAEXAMPLE%2F20261205%2Fus-east-1%2Fs3%2Faws4_request" +
        "&X-Amz-Date=20261205T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE" +
        "&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef";
      await (await traced(presigned)).text();
      const url = String(collected.ended[0].attributes["url.full"]);
      assert.equal(
        url,
        "https://bucket.s3.amazonaws.com/key?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
          "&X-Amz-Credential=REDACTED&X-Amz-Date=20261205T000000Z&X-Amz-Expires=900" +
          "&X-Amz-Security-Token=REDACTED&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED",
      );
    }));

  it("keeps the password and query it leaves out of url.full out of the error text too", () =>
    withTracing(async ({ tracer, collected }) => {
      // As Node's fetch words it: the URL as given, quoted in the message (and the stack).
      const fetch: FetchFunction = (input) =>
        Promise.reject(new TypeError(`Failed to parse URL from ${input}`));
      const traced = tracedFetch({ tracer, fetch });
      const inputs = [
        "https://bob:hunter2@example.com/a?api_key=sk-123",
        "https://a b/x?api_key=sk-456#frag",
      ];
      for (const input of inputs) await assert.rejects(traced(input), TypeError);
      const [parsed, unparsed] = collected.ended;
      assert.equal(
        parsed.status.message,
        "Failed to parse URL from https://REDACTED:REDACTED@example.com/a",
      );
      assert.equal(unparsed.status.message, "Failed to parse URL from https://a b/x");
      for (const span of collected.ended) {
        const text = JSON.stringify(span.events) + span.status.message;
        for (const secret of ["hunter2", "sk-123", "sk-456", "frag"]) {
          assert.ok(!text.includes(secret), `${secret} in ${text}`);
        }
        assert.equal(span.attributes["error.type"], "TypeError");
      }
    }));

  it("with recordQuery, the error text's query is redacted at export as url.full's is", () =>
    withTracing(async ({ tracer, collected }) => {
      // A fetch error quoting the URL (node-fetch: `request to … failed, reason: …`).
      const fetch: FetchFunction = (input) =>
        Promise.reject(new TypeError(`request to ${input} failed, reason: ECONNRESET`));
      const traced = tracedFetch({ tracer, fetch, recordQuery: true });
      await assert.rejects(traced("https://api.example.com/v1/chat?api_key=sk-789&x=1"));
      // Exported as every exporter of `configure()` sends it: through the redaction policy.
      const span = redactSpan(collected.ended[0], new RedactionPolicy());
      const masked = "https://api.example.com/v1/chat?api_key=***REDACTED***&x=1";
      assert.equal(span.attributes["url.full"], masked);
      assert.equal(span.status.message, `request to ${masked} failed, reason: ECONNRESET`);
      const text = JSON.stringify(span.events) + span.status.message;
      assert.ok(!text.includes("sk-789"), text); // it was in the message and the stack
      assert.ok(text.includes("x=1"), "other parameters are kept");
    }));

  it("records a data: URL without its payload and with no server address", () =>
    withTracing(async ({ tracer, collected }) => {
      const { fetch } = recording();
      const traced = tracedFetch({ tracer, fetch });
      await (await traced("data:text/plain;base64,c2VjcmV0LXBheWxvYWQ=")).text();
      await (await traced("data:no-comma")).text();
      const [data, odd] = collected.ended;
      assert.equal(data.attributes["url.full"], "data:text/plain;base64,REDACTED");
      assert.equal(odd.attributes["url.full"], "data:REDACTED");
      assert.equal(data.attributes["server.address"], undefined);
      assert.equal(data.attributes["server.port"], undefined);
    }));

  it("traces a URL fetch cannot parse without url attributes or traceparent, and rethrows", () =>
    withTracing(async ({ tracer, collected }) => {
      const failure = new TypeError("Invalid URL");
      let init: unknown = "unset";
      const traced = tracedFetch({
        tracer,
        fetch: (_input, given) => {
          init = given;
          return Promise.reject(failure);
        },
      });
      await assert.rejects(traced("not a url"), (error) => error === failure);
      assert.equal(init, undefined, "called with the caller's own arguments");
      const [span] = collected.ended;
      assert.equal(span.attributes["url.full"], undefined);
      assert.equal(span.attributes["error.type"], "TypeError");
      assert.equal(span.status.code, "ERROR");
    }));
});

describe("tracedFetch(): which fetch it calls, and how", () => {
  it("sends with globalThis.fetch as it was when made, never with the global of the moment", () =>
    withTracing(async ({ tracer }) => {
      const first = recording();
      const second = recording();
      await withGlobalFetch(first.fetch, async () => {
        const traced = tracedFetch({ tracer });
        await traced("https://example.com/1");
        globalThis.fetch = second.fetch as typeof fetch;
        await traced("https://example.com/2");
        globalThis.fetch = traced as typeof fetch; // itself: still the fetch it was made with
        await traced("https://example.com/3");
      });
      assert.deepEqual(first.calls.map((c) => c.input), [
        "https://example.com/1",
        "https://example.com/2",
        "https://example.com/3",
      ]);
      assert.deepEqual(second.calls, []);
    }));

  it("sends once, with one span, when the global fetch is traced twice or wrapped afterwards", () =>
    withTracing(async ({ tracer, collected }) => {
      const network = recording();
      const wrappers: string[] = [];
      const setups: [string, () => void][] = [
        ["traced twice", () => {
          globalThis.fetch = tracedFetch({ tracer }) as typeof fetch;
          globalThis.fetch = tracedFetch({ tracer }) as typeof fetch;
        }],
        ["given a traced fetch", () => {
          globalThis.fetch = tracedFetch({
            tracer,
            fetch: tracedFetch({ tracer }),
          }) as typeof fetch;
        }],
        ["wrapped after", () => {
          globalThis.fetch = tracedFetch({ tracer }) as typeof fetch;
          const inner = globalThis.fetch;
          globalThis.fetch = (input, init) => {
            wrappers.push("sync");
            return inner(input, init);
          };
        }],
        ["wrapped after, awaiting first", () => {
          globalThis.fetch = tracedFetch({ tracer }) as typeof fetch;
          const inner = globalThis.fetch;
          globalThis.fetch = async (input, init) => {
            wrappers.push("async");
            await new Promise((resolve) => setTimeout(resolve, 1));
            return inner(input, init);
          };
        }],
      ];
      for (const [index, [name, install]] of setups.entries()) {
        await withGlobalFetch(network.fetch, async () => {
          install();
          const before = network.calls.length;
          const response = await globalThis.fetch(`https://example.com/${name}`);
          assert.equal(await response.text(), "ok", name);
          assert.equal(network.calls.length, before + 1, `${name}: sent once`);
          const span = collected.ended.at(-1)!;
          assert.equal(collected.ended.length, index + 1, `${name}: one span`);
          assert.equal(
            sentTraceparent(network.calls.at(-1)!.init),
            `00-${span.traceId}-${span.spanId}-03`,
            `${name}: the one span's traceparent`,
          );
        });
      }
      assert.deepEqual(wrappers, ["sync", "async"], "each wrapper runs once per call");
    }));

  it("lets a queue or a retry wrapped over a traced global send as it means to", () =>
    withTracing(async ({ tracer, collected }) => {
      const sent: string[] = [];
      const network: FetchFunction = (input) => {
        sent.push(String(input));
        const busy = String(input).endsWith("/busy");
        return Promise.resolve(new Response(busy ? "busy" : "ok", { status: busy ? 503 : 200 }));
      };
      await withGlobalFetch(network, async () => {
        globalThis.fetch = tracedFetch({ tracer }) as typeof fetch;
        const traced = globalThis.fetch;
        // One request at a time: each waits for the one before it.
        let tail: Promise<unknown> = Promise.resolve();
        globalThis.fetch = (input, init) => {
          const run = tail.then(() => traced(input, init));
          tail = run.then(() => {}, () => {});
          return run;
        };
        const queued = Promise.all(["a", "b"].map(async (path) => {
          return await (await fetch(`https://example.com/${path}`)).text();
        }));
        assert.deepEqual(await within(queued, 2000), ["ok", "ok"]);
        // Three attempts while the answer is a 5xx.
        globalThis.fetch = async (input, init) => {
          let response = await traced(input, init);
          for (let attempt = 1; attempt < 3 && response.status >= 500; attempt++) {
            response = await traced(input, init);
          }
          return response;
        };
        assert.equal((await within(fetch("https://example.com/busy"), 2000)).status, 503);
      });
      assert.deepEqual(sent, [
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/busy",
        "https://example.com/busy",
        "https://example.com/busy",
      ]);
      assert.equal(collected.ended.length, 5, "one span per request sent");
    }));

  it("traces the requests a timer or a body pull started inside its fetch makes later", () =>
    withTracing(async ({ tracer, collected }) => {
      const sent: { url: string; traceparent: string | null }[] = [];
      let traced!: FetchFunction;
      let timer: Promise<unknown> | undefined;
      const network: FetchFunction = (input, init) => {
        const request = new Request(input, init);
        sent.push({ url: request.url, traceparent: request.headers.get("traceparent") });
        if (request.url.endsWith("/first")) {
          timer = new Promise((resolve) =>
            setTimeout(() => resolve(traced("https://example.com/from-timer")), 5)
          ).then((response) => (response as Response).text());
        }
        if (!request.url.endsWith("/lazy")) return Promise.resolve(new Response("ok"));
        // A body made when it is pulled, from what another request answers.
        let pulled = false;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (pulled) return controller.close();
            pulled = true;
            const text = await (await traced("https://example.com/from-pull")).text();
            controller.enqueue(new TextEncoder().encode(text));
          },
        });
        return Promise.resolve(new Response(body));
      };
      await withGlobalFetch(network, async () => {
        traced = tracedFetch({ tracer });
        await tracer.withSpan("request", async () => {
          await (await traced("https://example.com/first")).text();
          assert.equal(await (await traced("https://example.com/lazy")).text(), "ok");
        });
        await within(timer!, 2000);
      });
      const urls = sent.map((s) => s.url).sort();
      assert.deepEqual(urls, [
        "https://example.com/first",
        "https://example.com/from-pull",
        "https://example.com/from-timer",
        "https://example.com/lazy",
      ]);
      for (const { url, traceparent } of sent) {
        const span = collected.ended.find((s) => s.attributes["url.full"] === url);
        assert.ok(span !== undefined, `${url}: traced`);
        assert.equal(traceparent, `00-${span.traceId}-${span.spanId}-03`, url);
      }
    }));

  it("traces the requests of a traced handler reached through the global fetch", () =>
    withTracing(async ({ tracer, collected }) => {
      let traced!: FetchFunction;
      const handler = traceFetchHandler(async () => {
        await (await traced("https://db.example.com/")).text();
        return new Response("served");
      }, { tracer });
      const route: FetchFunction = (input, init) => {
        const request = new Request(input, init);
        return new URL(request.url).hostname === "db.example.com"
          ? Promise.resolve(new Response("row"))
          : handler(request);
      };
      await withGlobalFetch(route, async () => {
        traced = tracedFetch({ tracer }); // made after the global is set: it sends with that one
        assert.equal(await (await traced("https://api.example.com/")).text(), "served");
      });
      const kinds = collected.ended.map((s) => `${s.kind} ${s.attributes["server.address"]}`);
      assert.deepEqual(kinds.sort(), [
        "CLIENT api.example.com",
        "CLIENT db.example.com",
        "SERVER api.example.com",
      ]);
    }));

  it("calls the fetch option as a plain function (workerd's fetch refuses another this)", () =>
    withTracing(async ({ tracer }) => {
      const seen: unknown[] = [];
      const options = {
        tracer,
        fetch(this: unknown) {
          seen.push(this);
          return Promise.resolve(new Response(null, { status: 204 }));
        },
      };
      await tracedFetch(options)("https://example.com/");
      assert.deepEqual(seen, [undefined]);
    }));

  it("copies init with its own fields, and leaves an init that is not an object to fetch", () =>
    withTracing(async ({ tracer }) => {
      const { fetch, calls } = recording();
      const traced = tracedFetch({ tracer, fetch });
      const signal = new AbortController().signal;
      const init = { method: "POST", body: "x", signal, custom: 7 } as RequestInit;
      await traced("https://example.com/", init);
      await traced("https://example.com/", 5 as never);
      const sent = calls[0].init as Record<string, unknown>;
      assert.notEqual(sent, init);
      assert.equal(sent.signal, signal);
      assert.equal(sent.custom, 7);
      assert.equal(sent.body, "x");
      assert.match(sentTraceparent(sent)!, TRACEPARENT);
      assert.deepEqual(Object.keys(init), ["method", "body", "signal", "custom"]);
      assert.equal(calls[1].init, 5, "fetch gets it as given (and throws as it would)");
    }));

  it("copies an init that is an instance of a class, getters included", () =>
    withTracing(async ({ tracer, collected }) => {
      const { fetch, calls } = recording();
      const signal = new AbortController().signal;
      class Init {
        extra = "own";
        get method() {
          return "POST";
        }
        get body() {
          return "payload";
        }
        get signal() {
          return signal;
        }
        get redirect() {
          return "manual";
        }
      }
      await (await tracedFetch({ tracer, fetch })("https://example.com/", new Init() as never))
        .text();
      const sent = calls[0].init as Record<string, unknown>;
      assert.deepEqual(
        [sent.method, sent.body, sent.signal, sent.redirect, sent.extra],
        ["POST", "payload", signal, "manual", "own"],
      );
      assert.match(sentTraceparent(sent)!, TRACEPARENT);
      assert.equal(collected.ended[0].name, "POST");
    }));

  it("keeps a Request's referrer and referrer policy, which an init would reset", () =>
    withTracing(async ({ tracer }) => {
      const { fetch, calls } = recording();
      const traced = tracedFetch({ tracer, fetch });
      const request = new Request("https://example.com/", {
        referrer: "https://example.com/page",
        referrerPolicy: "unsafe-url",
      });
      await traced(request);
      await traced(request, { referrer: "", referrerPolicy: "no-referrer" });
      const [first, second] = calls.map((c) => c.init as RequestInit);
      // Deno, Bun and workerd have no referrer on a Request: nothing to keep there.
      assert.equal(first.referrer, request.referrer);
      assert.equal(first.referrerPolicy, request.referrerPolicy);
      assert.deepEqual([second.referrer, second.referrerPolicy], ["", "no-referrer"]);
    }));

  it("rethrows a synchronous throw of the underlying fetch synchronously, recorded", () =>
    withTracing(({ tracer, collected }) => {
      const failure = new RangeError("sync");
      const traced = tracedFetch({
        tracer,
        fetch: () => {
          throw failure;
        },
      });
      assert.throws(() => traced("https://example.com/"), (error) => error === failure);
      assert.equal(collected.ended[0].attributes["error.type"], "RangeError");
    }));

  it("hands on what an underlying fetch answers that is not a Response, and ends the span", () =>
    withTracing(async ({ tracer, collected }) => {
      const answer = { status: 418, note: "not a Response" };
      const traced = tracedFetch({ tracer, fetch: () => Promise.resolve(answer as never) });
      assert.equal(await traced("https://example.com/"), answer);
      assert.equal(collected.ended[0].attributes["http.response.status_code"], 418);
      assert.equal(collected.ended[0].attributes["error.type"], "418");
    }));
});

describe("tracedFetch(): responses that end the span at the headers", () => {
  it("hands back a redirect, a failing status or an empty body untouched, span ended", () =>
    withTracing(async ({ tracer, collected }) => {
      const answers = [
        new Response(null, { status: 302, headers: { location: "/next" } }),
        new Response("moved", { status: 301, headers: { location: "/next" } }),
        new Response("missing", { status: 404 }),
        new Response("down", { status: 503 }),
        new Response("", { headers: { "content-length": "0" } }),
      ];
      let next = 0;
      const traced = tracedFetch({ tracer, fetch: () => Promise.resolve(answers[next++]) });
      for (const answer of answers) {
        const response = await traced("https://example.com/", { redirect: "manual" });
        assert.equal(response, answer, `${answer.status}: fetch's own response`);
        assert.equal(collected.ended.length, next, `${answer.status}: ended at the headers`);
      }
      assert.deepEqual(
        collected.ended.map((s) => s.attributes["http.response.status_code"]),
        [302, 301, 404, 503, 200],
      );
      assert.equal(await answers[2].text(), "missing", "the body is still there to read");
    }));

  it("ends the span when a body-reading method rejects, read or not", () =>
    withTracing(async ({ tracer, collected }) => {
      const traced = tracedFetch({
        tracer,
        fetch: () =>
          Promise.resolve(
            new Response("not a form", { headers: { "content-type": "text/plain" } }),
          ),
      });
      const response = await traced("https://example.com/");
      assert.equal(collected.ended.length, 0, "open until the body is read");
      await assert.rejects(response.formData());
      await until(() => collected.ended.length === 1, 2000);
      assert.equal(collected.ended[0].status.code, "UNSET", "the request itself worked");
      const invalid = await traced("https://example.com/");
      await assert.rejects(invalid.clone().json());
      await until(() => collected.ended.length === 2, 2000);
    }));
});

describe("tracedFetch(): bad options and callbacks", () => {
  it("throws INVALID_CONFIG for options of the wrong type, when it is called", () => {
    const cases: unknown[] = [
      null,
      "options",
      { fetch: "fetch" },
      { tracer: {} },
      { parent: "span" },
      { propagate: "yes" },
      { recordQuery: 1 },
      { endAt: "never" },
      { spanName: "GET" },
    ];
    for (const options of cases) {
      assert.throws(() => tracedFetch(options as never), isInvalidConfig, JSON.stringify(options));
    }
    const original = globalThis.fetch;
    try {
      globalThis.fetch = undefined as never;
      assert.throws(() => tracedFetch(), isInvalidConfig, "no fetch to send with");
      assert.equal(typeof tracedFetch({ fetch: recording().fetch }), "function");
    } finally {
      globalThis.fetch = original;
    }
  });

  it("sends the request when spanName or propagate throws, and says so once", () =>
    withTracing(async ({ tracer, collected }) => {
      const { fetch, calls } = recording();
      const traced = tracedFetch({
        tracer,
        fetch,
        spanName: () => {
          throw new Error("name");
        },
        propagate: () => {
          throw new Error("propagate");
        },
      });
      const { diagnostics } = await captureDiagnostics(async () => {
        for (let i = 0; i < 3; i++) await (await traced("https://example.com/")).text();
      });
      assert.equal(calls.length, 3);
      assert.equal(sentTraceparent(calls[0].init), null, "not propagated when unsure");
      assert.deepEqual(collected.ended.map((s) => s.name), ["GET", "GET", "GET"]);
      const codes = diagnostics.map((d: Diagnostic) => d.code);
      assert.ok(codes.length <= 2 && codes.every((c) => c === "http_callback_failed"), `${codes}`);
    }));
});

describe("tracedFetch() calling a traceFetchHandler() handler in-process", () => {
  it("links the server span to the client span through traceparent", () =>
    withTracing(async ({ tracer, collected }) => {
      const handler = traceFetchHandler(async (request: Request) => {
        const active = tracer.activeSpan();
        await Promise.resolve();
        return new Response(`${active?.name} ${await request.text()}`, { status: 201 });
      }, { tracer });
      const fetch = tracedFetch({
        tracer,
        fetch: (input, init) => handler(new Request(input, init)),
      });
      const response = await fetch("https://api.example.com/items", {
        method: "POST",
        body: "item",
      });
      assert.equal(await response.text(), "POST item");
      const client = collected.ended.find((s) => s.kind === "CLIENT")!;
      const server = collected.ended.find((s) => s.kind === "SERVER")!;
      assert.equal(client.name, "POST");
      assert.equal(server.name, "POST");
      assert.equal(server.parentSpanId, client.spanId);
      assert.equal(server.traceId, client.traceId);
      assert.equal(server.attributes["http.response.status_code"], 201);
      assert.equal(server.attributes["url.path"], "/items");
      assert.ok(server.endTime <= client.endTime, "the server span ends first");
    }));
});
