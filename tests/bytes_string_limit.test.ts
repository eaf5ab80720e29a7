// Byte arrays under a string limit (the events layer's attributes, task values past the 1 MiB
// budget): their base64 is cut while it is serialized, as strings are, so a huge array no longer
// spends the budget of the fields after it. It used to keep the base64 of half the remaining
// budget (about 512 KiB, charged in full: a 3 MB Uint8Array pushed out the fields after it) and
// end with `...[truncated:524308]`, the length of that piece. Now it is what truncating the whole
// base64 gives (its first `limit - 16` characters, then `...[truncated:<base64 length>]`), which
// redaction passes unchanged. Plain `serialize()` (object hashes) is unchanged.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serialize, serializeTruncatingStrings } from "../src/serialize/serialize.ts";
import { bytesToBase64 } from "../src/serialize/_base64.ts";
import { truncatedParts, truncateString } from "../src/redact/truncate.ts";
import { RedactionPolicy } from "../src/redact/policy.ts";
import { TraceSession } from "../src/events/session.ts";
import { type TaskSpan, taskSpan } from "../src/task/mod.ts";
import { jsonAttr, withTaskEnv } from "./_support/task_env.ts";

/** Bytes 0, 1, 2, … (so a wrong offset shows in the base64). */
function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
}

/** A huge byte array followed by fields that must stay. */
function image(): { image: Uint8Array; list: string[]; status: number } {
  return {
    image: bytes(3_000_000),
    list: Array.from({ length: 60_000 }, (_, i) => `item${i}`),
    status: 200,
  };
}

describe("byte arrays under a string limit", () => {
  it("a 3 MB array keeps the fields after it; its marker states the base64 length", () => {
    const value = image();
    const { value: out } = serializeTruncatingStrings(value, { schema: false }, 2048);
    const json = out as { image: string; list: string[]; status: number };
    assert.equal(json.status, 200);
    assert.equal(json.list.length, 60_000);
    assert.equal(json.list.at(-1), "item59999");
    assert.equal(json.image, truncateString(bytesToBase64(value.image), 2048));
    assert.ok(json.image.endsWith("...[truncated:4000000]"), json.image.slice(-30));
    assert.equal(truncatedParts(json.image)?.length, 4_000_000);
    assert.equal(new RedactionPolicy().redactValue(out), out, "redaction passes it unchanged");
  });

  it("equals truncating the whole base64, whatever the size and the limit", () => {
    for (const limit of [0, 5, 16, 17, 20, 100, 2047, 2048, 2050]) {
      for (const n of [0, 1, 2, 3, 4, 11, 12, 13, 100, 1524, 1525, 1526, 3000, 100_000]) {
        const data = bytes(n);
        const { value, truncated } = serializeTruncatingStrings(data, undefined, limit);
        const expected = truncateString(bytesToBase64(data), limit);
        assert.equal(value, expected, `${n} bytes, limit ${limit}`);
        assert.equal(truncated, expected !== bytesToBase64(data), `${n} bytes, limit ${limit}`);
      }
    }
  });

  it("is cut to the room left when the budget runs out, still in the marker's form", () => {
    const { value } = serializeTruncatingStrings(
      { a: "y".repeat(1000), b: bytes(3000) },
      { schema: false, maxBytes: 1600 },
      2048,
    );
    const b = (value as { b: string }).b;
    const parts = truncatedParts(b);
    assert.ok(parts !== undefined, b);
    assert.equal(parts.length, 4000);
    assert.ok(parts.kept > 0 && parts.kept < 600, `kept ${parts.kept}`);
    assert.ok(bytesToBase64(bytes(3000)).startsWith(parts.prefix));
  });

  it("plain serialize() keeps its form (object hashes are unchanged)", () => {
    const { value } = serialize(image(), { schema: false });
    const json = value as { image: string; status?: number };
    assert.ok(json.image.endsWith("...[truncated:3000000 bytes]"), json.image.slice(-40));
    const prefix = json.image.length - "...[truncated:3000000 bytes]".length;
    assert.ok(prefix > 500_000 && prefix <= 524_288, `half the budget, as before: ${prefix}`);
    assert.equal(json.status, undefined, "past the budget, as before");
    const small = bytes(3000);
    assert.equal(serialize(small).value, bytesToBase64(small));
  });

  it("the events layer keeps the fields after a 3 MB array", () => {
    const session = new TraceSession({ runId: "r", sinks: [] });
    const out = session.redact(image()) as { image: string; list: string[]; status: number };
    assert.equal(out.status, 200);
    assert.equal(out.list.length, 60_000);
    assert.ok(out.image.endsWith("...[truncated:4000000]"), out.image.slice(-30));
    assert.equal(out.image.length, 2032 + "...[truncated:4000000]".length);
  });

  it("logParam keeps the fields after a 3 MB array", async () => {
    await withTaskEnv(async (env) => {
      const t = await taskSpan("t", async (t: TaskSpan) => {
        await Promise.resolve();
        t.logParam("p", image());
        return t;
      });
      await t.settled();
      const [line] = await env.runLines(t.runId);
      const params = jsonAttr<Record<string, Record<string, unknown>>>(line, "dreadnode.params");
      assert.equal(params.p.status, 200);
      assert.equal((params.p.list as string[]).length, 60_000);
      assert.ok(String(params.p.image).endsWith("...[truncated:4000000]"));
    });
  });
});
