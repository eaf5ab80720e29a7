// A string cut to a limit (an attribute value past `attributeValueLengthLimit`, a serialized task
// value past its budget, an event field) waits in export queues whose byte bounds count what was
// kept. V8 and JavaScriptCore make a slice of a long string a view that keeps the whole string
// alive: 40 values cut to 1,000 characters from 2 MB texts held ~90 MB. A cut is a copy now. The
// memory checks run where a garbage collection can be forced (Deno, Node, Bun; not workerd).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { cutText } from "../src/cut_text.ts";
import { truncateString } from "../src/redact/truncate.ts";
import type { Span } from "../src/span.ts";
import { Tracer } from "../src/tracer.ts";
import { forcedGc } from "./_support/forced_gc.ts";

const gc = forcedGc();
const noGc = gc === undefined && "cannot force a garbage collection here";

/** A fresh 2 MB text of its own (nothing shared with the others). */
function largeText(seed: number): string {
  return `${seed}:${Math.random().toString(36)}`.padEnd(2 << 20, String(seed % 10));
}

/** Heap bytes in use after a full collection. */
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

/** Heap growth while `keep` holds what `make` returns for 40 texts, in MB. */
function retainedMb(make: (text: string) => unknown): number {
  const before = heapAfterGc();
  const kept = Array.from({ length: 40 }, (_, i) => make(largeText(i)));
  const grown = heapAfterGc() - before;
  assert.equal(kept.length, 40); // kept alive up to here
  return grown / 2 ** 20;
}

describe("cut strings do not keep the text they were cut from", () => {
  it("cuts whole characters, and returns a text that fits as it is", () => {
    const text = "ab😀cd";
    assert.equal(cutText(text, 3), "ab"); // not half of the emoji
    assert.equal(cutText(text, 4), "ab😀");
    assert.equal(cutText(text, 10), text);
    const lone = "a\ud800bc"; // a lone surrogate survives the copy
    assert.equal(cutText(lone, 3), "a\ud800b");
  });

  it("cutText: 40 cuts of 2 MB texts hold their 1,000 characters, not the texts", {
    skip: noGc,
  }, () => {
    const mb = retainedMb((text) => cutText(text, 1000));
    assert.ok(mb < 20, `cuts kept ${mb.toFixed(1)} MB alive`);
  });

  it("truncateString (redaction's maxStringLength, in code points)", { skip: noGc }, () => {
    const mb = retainedMb((text) => truncateString(text, 1000));
    assert.ok(mb < 20, `truncated strings kept ${mb.toFixed(1)} MB alive`);
  });

  it("span attributes cut by attributeValueLengthLimit", { skip: noGc }, () => {
    const tracer = new Tracer({ limits: { attributeValueLengthLimit: 1000 } });
    const mb = retainedMb((text) => {
      const span: Span = tracer.startSpan("s", { attributes: { body: text } });
      span.setAttribute("more", text + "!");
      span.end();
      assert.equal((span.attributes.body as string).length, 1000);
      return span; // an ended span as queued for export
    });
    assert.ok(mb < 20, `queued spans kept ${mb.toFixed(1)} MB alive`);
  });
});
