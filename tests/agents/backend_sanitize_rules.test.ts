// BackendSpanExporter's sanitizing, as the Python SDK applies it: on the official endpoint with
// or without a trailing slash, and a generation's usage keys without a value are dropped (not
// moved under `details`).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BackendSpanExporter, OPENAI_TRACES_ENDPOINT } from "../../src/agents/mod.ts";

/** The span_data the exporter posted for one generation record, and the URL it posted to. */
async function postedSpanData(
  options: { endpoint?: string; sanitize?: boolean },
  spanData: Record<string, unknown>,
): Promise<{ url: string; data: Record<string, unknown> }> {
  let url = "";
  let body = "";
  const exporter = new BackendSpanExporter({
    ...options,
    apiKey: "sk-test",
    env: () => undefined,
    fetch: (u, init) => {
      url = u;
      body = String(init.body);
      return Promise.resolve(new Response("{}", { status: 200 }));
    },
  });
  const record = { object: "trace.span", id: "span_1", span_data: spanData };
  await exporter.export([{ export: () => record }]);
  return { url, data: JSON.parse(body).data[0].span_data };
}

describe("BackendSpanExporter sanitizing rules", () => {
  for (const endpoint of [OPENAI_TRACES_ENDPOINT, `${OPENAI_TRACES_ENDPOINT}/`]) {
    it(`sanitizes by default when posting to ${endpoint}`, async () => {
      const { url, data } = await postedSpanData({ endpoint }, {
        type: "generation",
        input: "x".repeat(150_000),
        usage: { input_tokens: 1, output_tokens: 2, cached: 3 },
      });
      assert.equal(url, endpoint, "posted to the URL as given");
      const bytes = new TextEncoder().encode(JSON.stringify(data.input)).length;
      assert.ok(bytes <= 100_000, `input JSON is ${bytes} bytes`);
      assert.deepEqual(data.usage, { input_tokens: 1, output_tokens: 2, details: { cached: 3 } });
    });
  }

  it("does not sanitize another endpoint by default", async () => {
    const { data } = await postedSpanData({ endpoint: "https://example.test/v1/traces/ingest" }, {
      type: "generation",
      input: "x".repeat(150_000),
    });
    assert.equal((data.input as string).length, 150_000);
  });

  it("leaves usage keys whose value is null or undefined out of details", async () => {
    const { data } = await postedSpanData({ sanitize: true }, {
      type: "generation",
      usage: { input_tokens: 1, output_tokens: 2, total_tokens: null, reasoning: undefined },
    });
    assert.deepEqual(data.usage, { input_tokens: 1, output_tokens: 2 });
    const mixed = await postedSpanData({ sanitize: true }, {
      type: "generation",
      usage: { input_tokens: 1, output_tokens: 2, total_tokens: null, cached_tokens: 0 },
    });
    assert.deepEqual(mixed.data.usage, {
      input_tokens: 1,
      output_tokens: 2,
      details: { cached_tokens: 0 },
    });
  });
});
