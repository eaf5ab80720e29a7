// The web preset in an emulated page (a fake `document`, page events on globalThis, a capturing
// fetch): CORS-safe OTLP requests, the page-exit keepalive flush, and a browser's opaque redirect.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { configure } from "../../src/runtime/web.ts";
import type { Configured, ConfigureOptions } from "../../src/runtime/web.ts";
import { KEEPALIVE_BYTES, onPageExit, page, pageFetch } from "../../src/runtime/_page_exit.ts";
import { runtimeOverride } from "../../src/runtime/_globals.ts";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { splitOtlpBody } from "../../src/exporter/_otlp_split.ts";
import { OTLP_PROTOBUF_ENCODER } from "../../src/otlp/encode_protobuf.ts";
import { OTLP_JSON_ENCODER } from "../../src/otlp/encode_json.ts";
import { makeSpanBatch, makeSpanRecord } from "../_support/span_records.ts";
import type { Tracer } from "../../src/tracer.ts";
import type { FlushReport, SpanRecord } from "../../src/types.ts";
import { uncompressedExporter } from "../_support/otlp_helpers.ts";

interface Sent {
  headers: Record<string, string>;
  keepalive: boolean | undefined;
  body: Uint8Array;
}

type Listener = () => void;
const scope = globalThis as unknown as Record<string, unknown>;

/** Installs a fake page (the runtime counts as a browser); returns it with a `restore()`. */
function fakePage() {
  const listeners = new Map<string, Set<Listener>>();
  const target = (name: string) => ({
    addEventListener: (type: string, f: Listener) => {
      const key = `${name}:${type}`;
      if (!listeners.has(key)) listeners.set(key, new Set());
      listeners.get(key)!.add(f);
    },
    removeEventListener: (type: string, f: Listener) => listeners.get(`${name}:${type}`)?.delete(f),
  });
  const doc = { visibilityState: "visible", ...target("document") };
  const saved = ["document", "addEventListener", "removeEventListener"].map((key) =>
    [key, Object.getOwnPropertyDescriptor(globalThis, key)] as const
  );
  const win = target("window");
  runtimeOverride.key = "browser";
  Object.defineProperty(globalThis, "document", { value: doc, configurable: true, writable: true });
  for (const key of ["addEventListener", "removeEventListener"] as const) {
    Object.defineProperty(globalThis, key, { value: win[key], configurable: true, writable: true });
  }
  const fire = (name: string, type: string) => {
    for (const f of listeners.get(`${name}:${type}`) ?? []) f();
  };
  return {
    doc,
    listeners,
    hide() {
      doc.visibilityState = "hidden";
      fire("document", "visibilitychange");
      fire("window", "pagehide");
    },
    show() {
      doc.visibilityState = "visible";
      fire("document", "visibilitychange");
    },
    restore() {
      for (const [key, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, key, descriptor);
        else delete scope[key];
      }
      page.hidden = false;
      runtimeOverride.key = undefined;
    },
  };
}

function capture(status = 200) {
  const sent: Sent[] = [];
  const fetch = (_url: string, init: RequestInit) => {
    sent.push({
      headers: init.headers as Record<string, string>,
      keepalive: init.keepalive,
      body: init.body as Uint8Array,
    });
    return Promise.resolve(new Response(null, { status }));
  };
  return { sent, fetch };
}

const spansIn = (body: Uint8Array) =>
  JSON.parse(new TextDecoder().decode(body)).resourceSpans.flatMap((r: { scopeSpans: [] }) =>
    r.scopeSpans.flatMap((s: { spans: { name: string }[] }) => s.spans.map((x) => x.name))
  );

/**
 * A page's fetch to the collector that answers 503 to the requests `refuse` picks (by the span
 * names of the JSON body and the request's number, from 1) and 200 to the others, keeping the
 * span names it accepted in `delivered`.
 */
function refusingFetch(refuse: (names: string[], request: number) => boolean) {
  const delivered: string[] = [];
  let requests = 0;
  const fetch = (_url: string, init: RequestInit) => {
    const names: string[] = spansIn(init.body as Uint8Array);
    const fail = refuse(names, ++requests);
    if (!fail) delivered.push(...names);
    return Promise.resolve(new Response(null, { status: fail ? 503 : 200 }));
  };
  return { delivered, fetch, requests: () => requests };
}

const latin1 = new TextDecoder("latin1");

/**
 * The ids of the spans of `spans` that one encoded request carries: found by their bytes
 * (protobuf) or their hex (JSON), with no decoder (protobufjs's needs eval, which workerd
 * refuses).
 */
const idsIn = (body: Uint8Array, spans: readonly SpanRecord[]) => {
  const text = latin1.decode(body);
  const bytes = (hex: string) =>
    latin1.decode(new Uint8Array(hex.match(/../g)!.map((b) => parseInt(b, 16))));
  return spans.map((s) => s.spanId).filter((id) => text.includes(id) || text.includes(bytes(id)));
};

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** A fake page, restored after the test. */
function pageForTest(): ReturnType<typeof fakePage> {
  const fake = fakePage();
  cleanup.push(() => fake.restore());
  return fake;
}

/** The web preset configured without local files (`options` added), shut down after the test. */
function tracingForTest(options: ConfigureOptions): Configured {
  const tracing = configure({ local: false, ...options });
  cleanup.push(() => tracing.shutdown());
  return tracing;
}

/** Ends `n` spans `click 0`, `click 1`, … with a 300-byte payload each. */
function endClicks(tracer: Tracer, n: number): void {
  for (let i = 0; i < n; i++) {
    const span = tracer.startSpan(`click ${i}`);
    span.setAttribute("payload", "x".repeat(300));
    span.end();
  }
}

/**
 * Exports `spans` while the page is hidden (keepalive requests: bodies are split); `check` sees
 * the report before the page is shown again and the exporter is shut down.
 */
async function exportHidden(
  exporter: OtlpHttpExporter,
  spans: readonly SpanRecord[],
  check: (report: FlushReport) => void,
): Promise<void> {
  page.hidden = true;
  try {
    check(await exporter.export(spans));
  } finally {
    page.hidden = false;
    await exporter.shutdown();
  }
}

describe("web preset", () => {
  it("sends neither user-agent nor content-encoding in a page (no CORS preflight header a collector refuses)", async () => {
    pageForTest();
    const { sent, fetch } = capture();
    const tracing = tracingForTest({
      otlp: { endpoint: "https://c.example/v1/traces", fetch },
    });
    tracing.tracer.startSpan("page-load").end();
    assert.equal((await tracing.forceFlush()).exported, 1);
    assert.equal(sent.length, 1);
    assert.deepEqual(Object.keys(sent[0].headers).sort(), ["content-type"]);
  });

  it("flushes on visibilitychange/pagehide with keepalive requests of at most 60 KiB, started in the event's task", async () => {
    const fake = pageForTest();
    const { sent, fetch } = capture();
    const tracing = tracingForTest({
      otlp: { endpoint: "https://c.example/v1/traces", fetch, protocol: "http/json" },
    });
    endClicks(tracing.tracer, 400);
    fake.hide();
    // Only promise jobs run before a browser tears an unloading page down: no timer turn here.
    for (let i = 0; i < 1000; i++) await null;
    assert.ok(sent.length > 1, "the 400 spans are split into several requests");
    const kept = sent.filter((s) => s.keepalive);
    assert.ok(kept.length >= 1);
    assert.ok(kept.reduce((n, s) => n + s.body.length, 0) <= KEEPALIVE_BYTES);
    for (const s of sent) assert.ok(s.body.length <= KEEPALIVE_BYTES, `${s.body.length}`);
    const names = sent.flatMap((s) => spansIn(s.body));
    assert.equal(names.length, 400);
    assert.equal(new Set(names).size, 400);
    assert.equal(names[0], "click 0");
    await tracing.forceFlush();
    fake.show();
    tracing.tracer.startSpan("back").end();
    await tracing.forceFlush();
    assert.equal(sent.at(-1)!.keepalive, undefined, "visible again: ordinary requests");
  });

  for (
    const [name, options] of [
      ["the dreadnode exporter", { server: "https://dn.example", apiKey: "k", organization: "o" }],
      [
        "an exporter from OTEL_EXPORTER_OTLP_ENDPOINT",
        {
          env: (n: string) => n === "OTEL_EXPORTER_OTLP_ENDPOINT" ? "https://c.example" : undefined,
        },
      ],
    ] as const
  ) {
    it(`sends ${name} through the page fetch too: split, keepalive on page exit`, async () => {
      const fake = pageForTest();
      const { sent, fetch } = capture();
      // No fetch option: the page's global fetch.
      const saved = Object.getOwnPropertyDescriptor(globalThis, "fetch");
      Object.defineProperty(globalThis, "fetch", {
        value: fetch,
        configurable: true,
        writable: true,
      });
      cleanup.push(() =>
        saved ? Object.defineProperty(globalThis, "fetch", saved) : delete scope.fetch
      );
      const tracing = tracingForTest(options);
      endClicks(tracing.tracer, 600);
      fake.hide();
      for (let i = 0; i < 1000; i++) await null;
      await tracing.forceFlush();
      assert.ok(sent.length > 1, "the 600 spans are split into several requests");
      assert.ok(sent.some((s) => s.keepalive), "page exit: keepalive requests");
      for (const s of sent) assert.ok(s.body.length <= KEEPALIVE_BYTES, `${s.body.length}`);
      // Protobuf: the span names, read from the bytes (no decoder that needs eval on workerd).
      const ids = sent.flatMap((s) => latin1.decode(s.body).match(/click \d+/g) ?? []);
      assert.equal(ids.length, 600);
      assert.equal(new Set(ids).size, 600);
    });
  }

  it("retries only the parts of a split body that failed: no span is delivered twice", async () => {
    const fake = pageForTest();
    // The second part of the first attempt: 503.
    const { delivered, fetch, requests } = refusingFetch((_names, request) => request === 2);
    const tracing = tracingForTest({
      otlp: {
        endpoint: "https://c.example/v1/traces",
        fetch,
        protocol: "http/json",
        retry: { initialDelayMillis: 1, maxDelayMillis: 1 },
      },
    });
    endClicks(tracing.tracer, 600);
    fake.hide();
    const report = await tracing.forceFlush();
    await tracing.forceFlush();
    assert.ok(requests() > 3);
    assert.equal(delivered.length, 600, `${delivered.length} deliveries`);
    assert.equal(new Set(delivered).size, 600);
    assert.equal(report.dropped && Object.keys(report.dropped).length, 0);
  });

  it("sends only the undelivered parts when the outbox redelivers its copy of a split body", async () => {
    const fake = pageForTest();
    let failing = true;
    // One part refused while overloaded.
    const { delivered, fetch } = refusingFetch((names) => failing && names.includes("click 300"));
    const tracing = tracingForTest({
      otlp: {
        endpoint: "https://c.example/v1/traces",
        fetch,
        protocol: "http/json",
        retry: { maxAttempts: 2, initialDelayMillis: 1, maxDelayMillis: 1 },
        outboxRetry: { initialDelayMillis: 20 },
      },
    });
    endClicks(tracing.tracer, 600);
    fake.hide();
    await tracing.forceFlush(); // retries run out: the body is parked in the (memory) outbox
    assert.ok(delivered.length > 0 && delivered.length < 600, `${delivered.length}`);
    failing = false;
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.show();
    await tracing.forceFlush(); // the outbox drains its copy of the body
    assert.equal(delivered.length, 600, `${delivered.length} deliveries`);
    assert.equal(new Set(delivered).size, 600);
  });

  for (const encoder of [OTLP_JSON_ENCODER, OTLP_PROTOBUF_ENCODER]) {
    it(`counts the spans rejected in every part of a split ${encoder.contentType} body, over retries`, async () => {
      // partial_success { rejected_spans: n, error_message: "bad" }, in the request's encoding.
      const partial = (n: number) =>
        encoder === OTLP_JSON_ENCODER
          ? JSON.stringify({ partialSuccess: { rejectedSpans: n, errorMessage: "bad" } })
          : new Uint8Array([0x0a, 0x07, 0x08, n, 0x12, 0x03, 0x62, 0x61, 0x64]);
      const spans = makeSpanBatch(400).map((s) => ({ ...s, attributes: { pad: "x".repeat(400) } }));
      const parts = splitOtlpBody(encoder.encode(spans), encoder.contentType, KEEPALIVE_BYTES);
      assert.ok(parts.length >= 3, `${parts.length}`);
      let requests = 0;
      const fetch = pageFetch(() => {
        const n = ++requests; // the first attempt sends every part, part 2 fails; the retry: part 2
        const status = n === 2 ? 503 : 200;
        const retry = n === parts.length + 1;
        const body = n === 1 ? partial(5) : n === 3 ? partial(20) : retry ? partial(7) : null;
        return Promise.resolve(new Response(body, { status }));
      });
      const exporter = uncompressedExporter(fetch, encoder);
      await exportHidden(exporter, spans, (report) => {
        assert.equal(requests, parts.length + 1);
        assert.equal(report.exported, 400 - 32);
        assert.deepEqual(report.dropped, { partial_success_rejected: 32 });
      });
    });
  }

  for (const encoder of [OTLP_PROTOBUF_ENCODER, OTLP_JSON_ENCODER]) {
    it(`a ${encoder.contentType} part refused for good drops only its own spans; the others count as exported`, async () => {
      // 200 spans split into several parts; the receiver refuses one part (400) for good, and
      // answers another 503 once: the retry sends only that one, and never the refused part.
      const spans = makeSpanBatch(200).map((s) => ({
        ...s,
        attributes: { big: "x".repeat(1000) },
      }));
      const accepted = new Set<string>();
      let requests = 0;
      const fetch = pageFetch((_url, init) => {
        const n = ++requests;
        const status = n === 2 ? 400 : n === 3 ? 503 : 200;
        if (status === 200) {
          for (const id of idsIn(init.body as Uint8Array, spans)) accepted.add(id);
        }
        const body = status === 400 ? "bad span" : null;
        return Promise.resolve(new Response(body, { status }));
      });
      const exporter = uncompressedExporter(fetch, encoder);
      const parts = splitOtlpBody(encoder.encode(spans), encoder.contentType, KEEPALIVE_BYTES);
      assert.ok(parts.length >= 3, `${parts.length}`);
      await exportHidden(exporter, spans, (report) => {
        assert.equal(requests, parts.length + 1, "the retry sent only the part that got a 503");
        assert.ok(accepted.size > 0 && accepted.size < 200, `${accepted.size}`);
        assert.equal(report.exported, accepted.size);
        assert.deepEqual(report.dropped, { partial_success_rejected: 200 - accepted.size });
        assert.equal(report.exported + report.dropped.partial_success_rejected, 200);
      });
    });
  }

  it("a split body whose every part is refused for good is dropped under the refusal's status", async () => {
    const spans = makeSpanBatch(200).map((s) => ({ ...s, attributes: { big: "x".repeat(1000) } }));
    let requests = 0;
    const exporter = new OtlpHttpExporter({
      endpoint: "https://c.example/v1/traces",
      fetch: pageFetch(() => (requests++, Promise.resolve(new Response(null, { status: 400 })))),
      compression: "none",
    });
    await exportHidden(exporter, spans, (report) => {
      assert.ok(requests > 1);
      assert.equal(report.exported, 0);
      assert.deepEqual(report.dropped, { http_400: 200 });
    });
  });

  it("answers with the failure when a part fails for good, and sends a retry's parts visible or not", async () => {
    const bodies: number[] = [];
    let status = 503;
    const wrapped = pageFetch((_url, init) => {
      bodies.push((init.body as Uint8Array).length);
      return Promise.resolve(new Response(null, { status: bodies.length === 1 ? status : 200 }));
    });
    const body = OTLP_JSON_ENCODER.encode(
      makeSpanBatch(400).map((s) => ({ ...s, attributes: { pad: "x".repeat(400) } })),
    );
    const init = {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body as Uint8Array<ArrayBuffer>,
    };
    page.hidden = true;
    try {
      assert.equal((await wrapped("https://c.example", init)).status, 503);
      const parts = bodies.length;
      assert.ok(parts > 2);
      page.hidden = false; // the page came back: the retry is an ordinary request of the rest
      status = 200;
      assert.equal((await wrapped("https://c.example", init)).status, 200);
      assert.equal(bodies.length, parts + 1);
      assert.equal(bodies.at(-1), bodies[0]);
      // Delivered now: the same body again is a new export (sent whole, the page being visible).
      await wrapped("https://c.example", init);
      assert.equal(bodies.at(-1), body.length);
    } finally {
      page.hidden = false;
    }
  });

  it("does not count a fetch that throws at once against the page's keepalive budget", async () => {
    page.hidden = true;
    try {
      const throwing = pageFetch(() => {
        throw new TypeError("Failed to execute 'fetch'");
      });
      const init = { method: "POST", headers: {}, body: new Uint8Array(40_000) };
      for (let i = 0; i < 2; i++) {
        await assert.rejects(throwing("https://c.example", init), TypeError);
      }
      assert.equal(page.bytes, 0);
      const kept: (boolean | undefined)[] = [];
      await pageFetch((_url, i) => {
        kept.push(i.keepalive);
        return Promise.resolve(new Response(null));
      })("https://c.example", init);
      assert.deepEqual(kept, [true]);
    } finally {
      page.hidden = false;
    }
  });

  it("registers nothing without a document (workers), and unregisters its listeners", () => {
    assert.equal(typeof scope.document, "undefined");
    const off = onPageExit(() => Promise.resolve({} as never));
    off();
    const fake = fakePage();
    try {
      const remove = onPageExit(() => Promise.resolve({} as never));
      assert.equal(fake.listeners.get("document:visibilitychange")?.size, 1);
      remove();
      assert.equal(fake.listeners.get("document:visibilitychange")?.size, 0);
      assert.equal(fake.listeners.get("window:pagehide")?.size, 0);
    } finally {
      fake.restore();
    }
  });
});

describe("splitOtlpBody", () => {
  for (const encoder of [OTLP_PROTOBUF_ENCODER, OTLP_JSON_ENCODER]) {
    it(`splits ${encoder.contentType} into valid requests that keep every span in order`, () => {
      const spans = makeSpanBatch(300).map((s, i) => ({
        ...s,
        name: `span ${i}`.padEnd(400, "."),
      }));
      const body = encoder.encode(spans);
      const parts = splitOtlpBody(body, encoder.contentType, 20_000);
      assert.ok(parts.length >= 6, `${parts.length}`);
      for (const { body } of parts) assert.ok(body.length <= 20_000, `${body.length}`);
      // The parts together are the same request: re-encoding their spans gives the same sizes.
      const whole = parts.reduce((n, p) => n + p.body.length, 0);
      assert.ok(whole >= body.length && whole < body.length * 1.2);
      // Each part counts its own spans, which together are every span.
      assert.equal(parts.reduce((n, p) => n + p.spans!, 0), 300);
      if (encoder === OTLP_JSON_ENCODER) {
        assert.deepEqual(parts.flatMap((p) => spansIn(p.body)), spans.map((s) => s.name));
      }
      for (const part of parts) assert.equal(part.spans, idsIn(part.body, spans).length);
    });
  }
});

describe("splitOtlpBody size bound", () => {
  for (const encoder of [OTLP_PROTOBUF_ENCODER, OTLP_JSON_ENCODER]) {
    it(`keeps every ${encoder.contentType} part of several spans within the size it was given`, () => {
      const max = KEEPALIVE_BYTES;
      for (let seed = 0; seed < 12; seed++) {
        const resources = Array.from({ length: 1 + seed % 4 }, (_, r) => ({
          attributes: { "service.name": `s${r}`, big: "r".repeat((seed * 37 * r) % 5000) },
        }));
        const scopes = Array.from({ length: 1 + seed % 5 }, (_, i) => ({ name: `scope ${i}` }));
        const spans = Array.from({ length: 400 }, (_, i) =>
          makeSpanRecord({
            name: `span ${i}`,
            resource: resources[(i * 7 + seed) % resources.length],
            scope: scopes[(i * 3 + seed) % scopes.length],
            attributes: { pad: "x".repeat((i * 131 + seed * 17) % 900), u: "é✓😀".repeat(i % 5) },
          }));
        for (const { body } of splitOtlpBody(encoder.encode(spans), encoder.contentType, max)) {
          assert.ok(body.length <= max, `seed ${seed}: ${body.length} > ${max}`);
        }
      }
    });
  }
});

describe("OTLP exporter in a browser", () => {
  it("drops a redirect the browser did not follow (opaqueredirect, status 0) at once as http_redirect", async () => {
    let attempts = 0;
    const exporter = new OtlpHttpExporter({
      endpoint: "https://c.example/v1/traces",
      retry: { initialDelayMillis: 1, maxDelayMillis: 1 },
      fetch: () => {
        attempts++;
        return Promise.resolve(
          {
            type: "opaqueredirect",
            status: 0,
            ok: false,
            body: null,
            headers: new Headers(),
          } as unknown as Response,
        );
      },
    });
    const report = await exporter.export(makeSpanBatch(2));
    await exporter.shutdown();
    assert.equal(attempts, 1);
    assert.deepEqual(report.dropped, { http_redirect: 2 });
  });

  it("retries a status-0 answer that is not a redirect (Response.error() from a custom fetch) as a network error", async () => {
    let attempts = 0;
    const exporter = new OtlpHttpExporter({
      endpoint: "https://c.example/v1/traces",
      retry: { initialDelayMillis: 1, maxDelayMillis: 1 },
      fetch: () => Promise.resolve(++attempts < 3 ? Response.error() : new Response(null)),
    });
    const report = await exporter.export(makeSpanBatch(2));
    await exporter.shutdown();
    assert.equal(attempts, 3);
    assert.equal(report.exported, 2);
    assert.deepEqual(report.dropped, {});
  });
});
