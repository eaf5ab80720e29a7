import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { flatSpanLine, toFlatSpan } from "../src/exporter/flat_span.ts";
import { pythonJsonDumps } from "../src/serialize/python_json.ts";
import type { JsonValue } from "../src/serialize/types.ts";
import type { SpanRecord } from "../src/types.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

/** The line by its definition: the flat object through the generic Python-compatible encoder. */
const byDefinition = (span: SpanRecord) =>
  pythonJsonDumps(toFlatSpan(span) as unknown as JsonValue);

const T = 1767323045123456789;

describe("the flat span line writer (spans.jsonl, WebSocket messages)", () => {
  it("writes exactly what json.dumps of the flat object gives, for tracer-shaped records", () => {
    const values = ["", "plain", 'q"\\', "line\nbreak", "é✓🎉", "\ud800", 0, -0, 1e-7, 5e21, NaN];
    const records: SpanRecord[] = [];
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const other = values[(i + 3) % values.length];
      records.push(makeSpanRecord({
        name: typeof value === "string" ? value : `n${i}`,
        parentSpanId: i % 2 ? "53995c3f42cd8ad8" : undefined,
        kind: i % 3 ? "SERVER" : "INTERNAL",
        status: { code: i % 2 ? "ERROR" : "UNSET", message: "m" },
        startTime: T + i,
        endTime: T + 1000 * i,
        attributes: {
          [`k${value}`]: value,
          list: [value, value],
          flag: i % 2 === 0,
          other,
        } as SpanRecord["attributes"],
        events: Array.from({ length: i % 3 }, (_, e) => ({
          name: `e${e}${typeof other === "string" ? other : ""}`,
          time: T + e,
          attributes: { e, v: value },
          droppedAttributesCount: 0,
        })),
        resource: i % 2
          ? Object.freeze({ attributes: Object.freeze({ "service.name": `svc ${value}` }) })
          : { attributes: { "service.name": "not frozen", n: i } },
      }));
    }
    for (const record of records) assert.equal(flatSpanLine(record), byDefinition(record));
  });

  it("writes records no tracer makes (non-string fields, missing maps, cycles) as the generic encoder does", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const odd: Partial<SpanRecord>[] = [
      { name: 42 as unknown as string },
      { traceId: undefined as unknown as string },
      { parentSpanId: null as unknown as string },
      { parentSpanId: 7 as unknown as string },
      { kind: undefined as unknown as SpanRecord["kind"] },
      { status: { code: 2 as unknown as "ERROR" } },
      { attributes: ["a", "b"] as unknown as SpanRecord["attributes"] },
      { attributes: cyclic as SpanRecord["attributes"] },
      {
        events: [{ name: "e", time: T } as unknown as SpanRecord["events"][number]],
      },
      {
        events: [{ name: 1, time: T, attributes: {} } as unknown as SpanRecord["events"][number]],
      },
      { resource: { attributes: undefined as unknown as SpanRecord["attributes"] } },
      {
        resource: Object.freeze({ attributes: Object.freeze(cyclic) as SpanRecord["attributes"] }),
      },
    ];
    for (const overrides of odd) {
      const record = makeSpanRecord(overrides);
      assert.equal(
        flatSpanLine(record),
        byDefinition(record),
        JSON.stringify(Object.keys(overrides)),
      );
    }
  });

  it("reflects a resource changed between spans unless the resource map is frozen", () => {
    const attributes: Record<string, string> = { "service.name": "a" };
    const record = makeSpanRecord({ resource: { attributes } });
    assert.match(flatSpanLine(record), /"resource": \{"service\.name": "a"\}\}$/);
    attributes["service.name"] = "b";
    assert.match(flatSpanLine(record), /"resource": \{"service\.name": "b"\}\}$/);
  });

  it("reflects a frozen resource's mutable array or getter (a freeze is one level deep)", () => {
    const args = ["--a"];
    let tick = 0;
    const attributes = Object.freeze({
      "service.name": "svc",
      args,
      get tick() {
        return tick;
      },
    }) as unknown as SpanRecord["attributes"];
    const record = makeSpanRecord({ resource: Object.freeze({ attributes }) });
    assert.equal(flatSpanLine(record), byDefinition(record));
    args.push("--b");
    tick = 5;
    assert.equal(flatSpanLine(record), byDefinition(record));
    assert.match(flatSpanLine(record), /"args": \["--a", "--b"\], "tick": 5\}\}$/);
  });

  it("throws for a time outside the years 1-9999, as the flat object does", () => {
    const record = makeSpanRecord({ startTime: 1e30 });
    assert.throws(() => toFlatSpan(record), RangeError);
    assert.throws(() => flatSpanLine(record), RangeError);
  });
});
