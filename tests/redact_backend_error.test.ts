// The OpenAI traces exporter posts each agent span's error record (`error: {message, data}`); an
// error's message is free text that may embed a JSON body echoing a secret, so it is redacted as
// the span's status message is.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../mod.ts";
import { BackendSpanExporter } from "../src/agents/mod.ts";
import { agentSetup, failedToolSpan } from "./agents/_helpers.ts";

const R = "***REDACTED***";

/** An exporter whose requests' bodies are collected in `bodies`. */
function capturing(bodies: string[], redaction?: RedactionPolicy | false): BackendSpanExporter {
  return new BackendSpanExporter({
    apiKey: "sk-test-key",
    env: () => undefined,
    redaction,
    fetch: (_url: string, init: RequestInit) => (
      bodies.push(String(init.body)), Promise.resolve(new Response("{}", { status: 200 }))
    ),
  });
}

describe("BackendSpanExporter error records", () => {
  it("masks JSON embedded in an agent span's error message", async () => {
    const { done } = agentSetup();
    try {
      const span = await failedToolSpan(
        new Error(`tool failed: {"api_key":"SECRET_OAI","detail":"quota"}`),
      );
      const bodies: string[] = [];
      await capturing(bodies).export([span]);
      assert.equal(bodies.length, 1);
      assert.ok(!bodies[0].includes("SECRET_OAI"), bodies[0]);
      const [posted] = JSON.parse(bodies[0]).data;
      assert.deepEqual(posted.error, {
        message: `tool failed: {"api_key":"${R}","detail":"quota"}`,
        data: { type: "Error" },
      });
    } finally {
      await done();
    }
  });

  it("redacts a hand-made record's error message with the exporter's policy, in full", async () => {
    const long = "x".repeat(5000);
    const item = {
      export: () => ({
        object: "trace.span",
        span_data: { type: "function", name: "tool" },
        error: { message: `config 'x" rejected: {"session":"SECRET_S"} ${long}`, data: null },
      }),
    };
    const bodies: string[] = [];
    await capturing(bodies, new RedactionPolicy({ extraKeys: ["session"] })).export([item]);
    const [posted] = JSON.parse(bodies[0]).data;
    assert.equal(posted.error.message, `config 'x" rejected: {"session":"${R}"} ${long}`);
    assert.equal(posted.error.data, null);
    await capturing(bodies, false).export([item]);
    assert.ok(bodies[1].includes("SECRET_S"), "redaction: false posts the records as given");
  });
});
