// The web preset in an emulated page (a fake `document`, page events on globalThis, a capturing
// fetch): CORS-safe OTLP requests, the page-exit keepalive flush, and a browser's opaque redirect.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { configure } from "../../src/runtime/web.ts";
import { KEEPALIVE_BYTES, onPageExit, page } from "../../src/runtime/_page_exit.ts";
import { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import { splitOtlpBody } from "../../src/exporter/_otlp_split.ts";
import { OTLP_PROTOBUF_ENCODER } from "../../src/otlp/encode_protobuf.ts";
import { OTLP_JSON_ENCODER } from "../../src/otlp/encode_json.ts";
import { makeSpanBatch } from "../_support/span_records.ts";

interface Sent {
  headers: Record<string, string>;
  keepalive: boolean | undefined;
  body: Uint8Array;
}

type Listener = () => void;
const scope = globalThis as unknown as Record<string, unknown>;

/** Installs a fake page; returns it with a `restore()`. */
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

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

describe("web preset", () => {
  it("sends neither user-agent nor content-encoding in a page (no CORS preflight header a collector refuses)", async () => {
    const fake = fakePage();
    cleanup.push(() => fake.restore());
    const { sent, fetch } = capture();
    const tracing = configure({
      local: false,
      otlp: { endpoint: "https://c.example/v1/traces", fetch },
    });
    cleanup.push(() => tracing.shutdown());
    tracing.tracer.startSpan("page-load").end();
    assert.equal((await tracing.forceFlush()).exported, 1);
    assert.equal(sent.length, 1);
    assert.deepEqual(Object.keys(sent[0].headers).sort(), ["content-type"]);
  });

  it("flushes on visibilitychange/pagehide with keepalive requests of at most 60 KiB, started in the event's task", async () => {
    const fake = fakePage();
    cleanup.push(() => fake.restore());
    const { sent, fetch } = capture();
    const tracing = configure({
      local: false,
      otlp: { endpoint: "https://c.example/v1/traces", fetch, protocol: "http/json" },
    });
    cleanup.push(() => tracing.shutdown());
    for (let i = 0; i < 400; i++) {
      const span = tracing.tracer.startSpan(`click ${i}`);
      span.setAttribute("payload", "x".repeat(300));
      span.end();
    }
    fake.hide();
    // Only promise jobs run before a browser tears an unloading page down: no timer turn here.
    for (let i = 0; i < 1000; i++) await null;
    assert.ok(sent.length > 1, "the 400 spans are split into several requests");
    const kept = sent.filter((s) => s.keepalive);
    assert.ok(kept.length >= 1);
    assert.ok(kept.reduce((n, s) => n + s.body.length, 0) <= KEEPALIVE_BYTES);
    for (const s of sent) assert.ok(s.body.length <= KEEPALIVE_BYTES + 1024, `${s.body.length}`);
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
      for (const part of parts) assert.ok(part.length <= 20_000, `${part.length}`);
      // The parts together are the same request: re-encoding their spans gives the same sizes.
      const whole = parts.reduce((n, p) => n + p.length, 0);
      assert.ok(whole >= body.length && whole < body.length * 1.2);
      if (encoder === OTLP_JSON_ENCODER) {
        assert.deepEqual(parts.flatMap(spansIn), spans.map((s) => s.name));
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
});
