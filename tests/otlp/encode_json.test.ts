// OTLP/JSON encoding per the OTLP specification's JSON rules (checked with JSON.parse, so these
// run on every runtime including workerd).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeTracesJson, JSON_CONTENT_TYPE } from "../../src/otlp/encode_json.ts";
import type { Attributes, SpanKind, SpanRecord } from "../../src/types.ts";
import { makeSpanRecord } from "../_support/span_records.ts";
import { seededRandom } from "../_support/seeded_random.ts";

// A test-local oracle: the OTLP/JSON document as plain objects, then JSON.stringify + UTF-8. The
// encoder must produce exactly these bytes.
type Doc = Record<string, unknown>;
function oracleValue(value: unknown): Doc | undefined {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") {
    if (Number.isInteger(value) && Math.abs(value) <= 2 ** 63 && value !== 2 ** 63) {
      return { intValue: BigInt(value).toString() };
    }
    return { doubleValue: Number.isFinite(value) ? value : String(value) };
  }
  if (!Array.isArray(value)) return undefined;
  if (value.length === 0) return { arrayValue: {} };
  return { arrayValue: { values: Array.from(value, (item) => oracleValue(item) ?? {}) } };
}
function oracleAttributes(out: Doc, attributes: Readonly<Attributes>): void {
  const list = [];
  for (const key in attributes) {
    const value = oracleValue(attributes[key]);
    if (value !== undefined) list.push({ key, value });
  }
  if (list.length > 0) out.attributes = list;
}
function oracleTime(ns: number): string | undefined {
  return ns >= 1 && ns !== Infinity ? BigInt(Math.floor(ns)).toString() : undefined;
}
function oracleSpan(span: SpanRecord): Doc {
  const kind = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"].indexOf(span.kind) + 1;
  const out: Doc = { traceId: span.traceId, spanId: span.spanId };
  if (span.traceState) out.traceState = span.traceState;
  if (span.parentSpanId) out.parentSpanId = span.parentSpanId;
  out.flags = (span.traceFlags & 0xff) | (span.parentIsRemote ? 0x300 : 0x100);
  if (span.name) out.name = span.name;
  if (kind) out.kind = kind;
  out.startTimeUnixNano = oracleTime(span.startTime);
  out.endTimeUnixNano = oracleTime(span.endTime);
  oracleAttributes(out, span.attributes);
  if (span.droppedAttributesCount > 0) out.droppedAttributesCount = span.droppedAttributesCount;
  if (span.events.length > 0) {
    out.events = span.events.map((event) => {
      const e: Doc = { timeUnixNano: oracleTime(event.time) };
      if (event.name) e.name = event.name;
      oracleAttributes(e, event.attributes);
      if (event.droppedAttributesCount > 0) e.droppedAttributesCount = event.droppedAttributesCount;
      return e;
    });
  }
  if (span.droppedEventsCount > 0) out.droppedEventsCount = span.droppedEventsCount;
  if (span.links.length > 0) {
    out.links = span.links.map((link) => {
      const l: Doc = { traceId: link.traceId, spanId: link.spanId };
      if (link.traceState) l.traceState = link.traceState;
      oracleAttributes(l, link.attributes);
      if (link.droppedAttributesCount > 0) l.droppedAttributesCount = link.droppedAttributesCount;
      l.flags = ((link.traceFlags ?? 0) & 0xff) | (link.isRemote ? 0x300 : 0x100);
      return l;
    });
  }
  if (span.droppedLinksCount > 0) out.droppedLinksCount = span.droppedLinksCount;
  const code = span.status.code === "OK" ? 1 : span.status.code === "ERROR" ? 2 : 0;
  if (code || span.status.message) {
    const status: Doc = {};
    if (span.status.message) status.message = span.status.message;
    if (code) status.code = code;
    out.status = status;
  }
  return out;
}
function oracle(spans: readonly SpanRecord[]): Uint8Array {
  const resourceSpans: { resource: unknown; scopeSpans: { scope: Doc; spans: Doc[] }[] }[] = [];
  const resources: unknown[] = [];
  for (const span of spans) {
    let r = resources.indexOf(span.resource);
    if (r < 0) {
      r = resources.push(span.resource) - 1;
      const resource: Doc = {};
      oracleAttributes(resource, span.resource.attributes);
      resourceSpans.push({ resource, scopeSpans: [] });
    }
    const scopeSpans = resourceSpans[r].scopeSpans;
    const name = span.scope.name;
    const version = span.scope.version;
    let group = scopeSpans.find((g) =>
      (g.scope.name ?? "") === (name ?? "") && (g.scope.version ?? "") === (version ?? "")
    );
    if (group === undefined) {
      const scope: Doc = {};
      if (name) scope.name = name;
      if (version) scope.version = version;
      scopeSpans.push(group = { scope, spans: [] });
    }
    group.spans.push(oracleSpan(span));
  }
  // Every string well-formed: the encoder writes half a surrogate pair as U+FFFD.
  const wellFormed = (_key: string, v: unknown) => typeof v === "string" ? v.toWellFormed() : v;
  return new TextEncoder().encode(JSON.stringify({ resourceSpans }, wellFormed));
}

// deno-lint-ignore no-explicit-any
function parse(bytes: Uint8Array): any {
  return JSON.parse(new TextDecoder().decode(bytes));
}

// deno-lint-ignore no-explicit-any
function onlySpan(bytes: Uint8Array): any {
  return parse(bytes).resourceSpans[0].scopeSpans[0].spans[0];
}

describe("OTLP JSON encoder", () => {
  it("writes ids as lower-case hex and times as exact decimal strings", () => {
    const record = makeSpanRecord({
      parentSpanId: "b7ad6b7169203331",
      startTime: 1_767_225_600_123_456_768,
      endTime: 18_446_744_073_709_549_568,
      events: [{
        name: "e",
        time: 1_767_225_600_000_000_256,
        attributes: {},
        droppedAttributesCount: 0,
      }],
    });
    const span = onlySpan(encodeTracesJson([record]));
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.equal(span.traceId, record.traceId);
    assert.equal(span.spanId, record.spanId);
    assert.equal(span.parentSpanId, "b7ad6b7169203331");
    assert.equal(span.startTimeUnixNano, BigInt(record.startTime).toString());
    assert.equal(span.startTimeUnixNano, "1767225600123456768");
    assert.equal(span.endTimeUnixNano, "18446744073709549568");
    assert.equal(span.events[0].timeUnixNano, "1767225600000000256");
  });

  it("writes every attribute type; int64 as decimal strings, non-finite doubles as strings", () => {
    const span = onlySpan(encodeTracesJson([makeSpanRecord({
      attributes: {
        s: "x",
        b: false,
        i: 7,
        big: 2 ** 60,
        neg: -(2 ** 63),
        d: 1.5,
        nan: NaN,
        inf: Infinity,
        ninf: -Infinity,
        arr: ["a", "b"],
        mixed: [1, 2.5],
        empty: [],
        skipped: null as unknown as string,
      },
    })]));
    const byKey = Object.fromEntries(
      span.attributes.map((a: { key: string; value: unknown }) => [a.key, a.value]),
    );
    assert.deepEqual(byKey, {
      s: { stringValue: "x" },
      b: { boolValue: false },
      i: { intValue: "7" },
      big: { intValue: "1152921504606846976" },
      neg: { intValue: "-9223372036854775808" },
      d: { doubleValue: 1.5 },
      nan: { doubleValue: "NaN" },
      inf: { doubleValue: "Infinity" },
      ninf: { doubleValue: "-Infinity" },
      arr: { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } },
      mixed: { arrayValue: { values: [{ intValue: "1" }, { doubleValue: 2.5 }] } },
      empty: { arrayValue: {} },
    });
  });

  it("writes enums as integers: kinds 1…5 and status codes", () => {
    const kinds: SpanKind[] = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
    const spans = parse(encodeTracesJson(kinds.map((kind) => makeSpanRecord({ kind }))))
      .resourceSpans[0].scopeSpans[0].spans;
    assert.deepEqual(spans.map((s: { kind: number }) => s.kind), [1, 2, 3, 4, 5]);
    assert.deepEqual(
      onlySpan(encodeTracesJson([makeSpanRecord({ status: { code: "OK" } })])).status,
      { code: 1 },
    );
    assert.deepEqual(
      onlySpan(encodeTracesJson([makeSpanRecord({ status: { code: "ERROR", message: "boom" } })]))
        .status,
      { message: "boom", code: 2 },
    );
  });

  it("omits empty and default fields", () => {
    const span = onlySpan(encodeTracesJson([makeSpanRecord({ name: "", traceFlags: 0 })]));
    assert.deepEqual(Object.keys(span).sort(), [
      "endTimeUnixNano",
      "flags", // CONTEXT_HAS_IS_REMOTE is always known
      "kind",
      "spanId",
      "startTimeUnixNano",
      "traceId",
    ]);
    const event = onlySpan(encodeTracesJson([makeSpanRecord({
      events: [{ name: "e", time: 5, attributes: {}, droppedAttributesCount: 0 }],
      links: [{
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "00f067aa0ba902b7",
        attributes: {},
        droppedAttributesCount: 0,
      }],
    })]));
    assert.deepEqual(event.events, [{ timeUnixNano: "5", name: "e" }]);
    assert.deepEqual(event.links, [{
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "00f067aa0ba902b7",
      flags: 0x100,
    }]);
  });

  it("writes flags, trace state, dropped counts, events and links", () => {
    const span = onlySpan(encodeTracesJson([makeSpanRecord({
      traceFlags: 1,
      traceState: "congo=t61rcWkgMzE",
      droppedAttributesCount: 1,
      droppedEventsCount: 2,
      droppedLinksCount: 3,
      events: [{
        name: "exception",
        time: 10,
        attributes: { "exception.message": "x" },
        droppedAttributesCount: 4,
      }],
      links: [{
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "00f067aa0ba902b7",
        traceState: "a=b",
        attributes: { k: true },
        droppedAttributesCount: 5,
      }],
    })]));
    assert.equal(span.flags, 0x101); // sampled, parent not remote
    assert.equal(span.traceState, "congo=t61rcWkgMzE");
    assert.equal(span.droppedAttributesCount, 1);
    assert.equal(span.droppedEventsCount, 2);
    assert.equal(span.droppedLinksCount, 3);
    assert.deepEqual(span.events[0], {
      timeUnixNano: "10",
      name: "exception",
      attributes: [{ key: "exception.message", value: { stringValue: "x" } }],
      droppedAttributesCount: 4,
    });
    assert.deepEqual(span.links[0], {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "00f067aa0ba902b7",
      traceState: "a=b",
      attributes: [{ key: "k", value: { boolValue: true } }],
      droppedAttributesCount: 5,
      flags: 0x100,
    });
  });

  it("round-trips non-ASCII, emoji and characters JSON must escape", () => {
    const text = 'naïve 😀 "quoted" \\ back\nline\u0001 世界';
    const span = onlySpan(
      encodeTracesJson([makeSpanRecord({ name: text, attributes: { [text]: text } })]),
    );
    assert.equal(span.name, text);
    assert.deepEqual(span.attributes, [{ key: text, value: { stringValue: text } }]);
  });

  it("writes lone surrogates as U+FFFD and keeps U+2028/U+2029 and controls, in valid UTF-8 JSON", () => {
    const texts = [
      "lone \ud800 high",
      "lone \udc00 low",
      "sep \u2028\u2029",
      "ctl \u0000\u001f\u007f",
    ];
    for (const text of texts) {
      const bytes = encodeTracesJson([makeSpanRecord({ name: text, attributes: { k: text } })]);
      // A fatal decoder rejects any malformed UTF-8 (a raw lone surrogate cannot be encoded).
      const span = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
        .resourceSpans[0].scopeSpans[0].spans[0];
      // Half a character is not text: a "\ud800" escape makes strict decoders reject the request.
      assert.equal(span.name, text.toWellFormed());
      assert.deepEqual(span.attributes, [{
        key: "k",
        value: { stringValue: text.toWellFormed() },
      }]);
    }
  });

  it("groups by resource and scope and includes resource attributes and scope version", () => {
    const other = { attributes: { "service.name": "svc-b", "deployment.environment": "prod" } };
    const doc = parse(encodeTracesJson([
      makeSpanRecord({ name: "a" }),
      makeSpanRecord({ name: "b", resource: other, scope: { name: "lib" } }),
    ]));
    assert.equal(doc.resourceSpans.length, 2);
    assert.deepEqual(doc.resourceSpans[0].scopeSpans[0].scope, {
      name: "tracelet-test",
      version: "1.2.3",
    });
    assert.deepEqual(doc.resourceSpans[1].resource, {
      attributes: [
        { key: "service.name", value: { stringValue: "svc-b" } },
        { key: "deployment.environment", value: { stringValue: "prod" } },
      ],
    });
    assert.deepEqual(doc.resourceSpans[1].scopeSpans[0].scope, { name: "lib" });
    assert.equal(doc.resourceSpans[1].scopeSpans[0].spans[0].name, "b");
  });

  it("encodes an empty batch and names its content type", () => {
    assert.equal(new TextDecoder().decode(encodeTracesJson([])), '{"resourceSpans":[]}');
    assert.equal(JSON_CONTENT_TYPE, "application/json");
  });

  it("writes exactly the bytes of JSON.stringify of the OTLP document, on random batches", () => {
    const rnd = seededRandom(4318);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
    const text = (): string => {
      let s = "";
      for (let n = Math.floor(rnd() * 10); n > 0; n--) {
        s += String.fromCharCode(
          pick([
            () => 0x20 + Math.floor(rnd() * 0x5f),
            () => Math.floor(rnd() * 0x20),
            () => 0xd800 + Math.floor(rnd() * 0x800),
            () => 0x80 + Math.floor(rnd() * 0xff80),
          ])(),
        );
      }
      return s;
    };
    const numbers = [0, -0, 1, -7, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 2 ** 60, 2 ** 63, -(2 ** 63)]
      .concat([2 ** 64, 1e21, 1.5, -2.5, 5e-7, 0.1, NaN, Infinity, -Infinity, Number.MAX_VALUE]);
    const value = (depth: number): unknown => {
      const r = rnd();
      if (r < 0.3) return text();
      if (r < 0.4) return rnd() < 0.5;
      if (r < 0.7) return pick(numbers);
      if (r < 0.85 && depth < 3) {
        return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      }
      return pick([null, undefined, {}, 1n, () => 1]);
    };
    const attributes = (): Attributes => {
      const out: Record<string, unknown> = {};
      for (let n = Math.floor(rnd() * 5); n > 0; n--) {
        out[rnd() < 0.5 ? text() : `k${n}`] = value(0);
      }
      return out as Attributes;
    };
    const times = [0, 0.5, 1, 1.5, 123, 2 ** 53 - 1, 2 ** 53, 1_767_225_600_123_456_768]
      .concat([18_446_744_073_709_549_568, 2 ** 64, 1e20, NaN, Infinity, -5]);
    const resources = [{ attributes: attributes() }, { attributes: {} }, {
      attributes: { a: "b" },
    }];
    const scopes = [{ name: "a" }, { name: "a", version: "1" }, { name: "" }, { name: text() }];
    const kinds = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER", "OTHER"] as SpanKind[];
    const span = (): SpanRecord =>
      makeSpanRecord({
        traceId: pick(["4bf92f3577b34da6a3ce929d0e0e4736", "", text()]),
        spanId: pick(["00f067aa0ba902b7", ""]),
        parentSpanId: pick([undefined, "", "b7ad6b7169203331"]),
        traceFlags: pick([0, 1, 3, 257]),
        traceState: pick([undefined, "", "a=b", text()]),
        name: pick(["", "op", text()]),
        kind: pick(kinds),
        startTime: pick(times),
        endTime: pick(times),
        attributes: attributes(),
        events: Array.from({ length: Math.floor(rnd() * 3) }, () => ({
          name: pick(["", "e", text()]),
          time: pick(times),
          attributes: attributes(),
          droppedAttributesCount: pick([0, 1, 2.5, Infinity, NaN, -1]),
        })),
        links: Array.from({ length: Math.floor(rnd() * 3) }, () => ({
          traceId: "0af7651916cd43dd8448eb211c80319c",
          spanId: pick(["00f067aa0ba902b7", ""]),
          traceState: pick([undefined, "", "x=y"]),
          attributes: attributes(),
          droppedAttributesCount: pick([0, 3]),
        })),
        status: pick([
          { code: "UNSET" as const },
          { code: "OK" as const },
          { code: "ERROR" as const, message: "boom" },
          { code: "UNSET" as const, message: text() },
          { code: "ERROR" as const, message: "" },
        ]),
        resource: pick(resources),
        scope: pick(scopes),
        droppedAttributesCount: pick([0, 1, 1e300, Infinity]),
        droppedEventsCount: pick([0, 2]),
        droppedLinksCount: pick([0, 3, 0.5]),
      });
    for (let round = 0; round < 400; round++) {
      const spans = Array.from({ length: Math.floor(rnd() * 8) }, span);
      const bytes = encodeTracesJson(spans);
      assert.deepEqual(bytes, oracle(spans), `round ${round}`);
      assert.doesNotThrow(() =>
        JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
      );
    }
  });

  it("returns a body of its own on every call", () => {
    const first = encodeTracesJson([makeSpanRecord({ name: "first" })]);
    const copy = first.slice();
    const second = encodeTracesJson([makeSpanRecord({ name: "second", attributes: { a: 1 } })]);
    assert.deepEqual(first, copy);
    assert.notEqual(first.buffer, second.buffer);
    assert.equal(parse(second).resourceSpans[0].scopeSpans[0].spans[0].name, "second");
  });
});
