// Credentials that LLM proxies carry under names that are not secret elsewhere (Workers user
// trial): Google's `?key=` API key and `x-goog-api-key` header, OAuth's authorization `code` and
// `id_token`, and the signatures of pre-signed URLs (`sig`, `X-Amz-Signature`). Such a URL
// parameter, and the header, were exported as given. They are masked now in URL attributes (query
// and fragment); `key` and `code` as attribute or object keys stay.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_URL_PARAMETER_KEYS, RedactionPolicy } from "../mod.ts";
import { exportOneSpan } from "./_support/otlp_helpers.ts";

const ER = encodeURIComponent("***REDACTED***");

describe("URL parameter credentials", () => {
  it("masks key, code, id_token and signature parameters of URL attributes", () => {
    const out = new RedactionPolicy().redactAttributes({
      "url.full": "https://generativelanguage.googleapis.com/v1/models?key=AIza1&alt=sse",
      "url.query": "?code=4/0Ab2&state=xyz",
      "url.original": "https://app.test/cb#id_token=eyJ3&state=s",
      "http.url": "https://acct.blob.core.windows.net/c/b?sv=2024&sig=SAS4%3D&se=2026",
      download: "https://b.s3.amazonaws.com/k?X-Amz-Signature=abc5&X-Amz-Expires=60",
    });
    assert.equal(
      out["url.full"],
      `https://generativelanguage.googleapis.com/v1/models?key=${ER}&alt=sse`,
    );
    assert.equal(out["url.query"], `?code=${ER}&state=xyz`);
    assert.equal(out["url.original"], `https://app.test/cb#id_token=${ER}&state=s`);
    assert.equal(
      out["http.url"],
      `https://acct.blob.core.windows.net/c/b?sv=2024&sig=${ER}&se=2026`,
    );
    assert.equal(
      out.download,
      `https://b.s3.amazonaws.com/k?X-Amz-Signature=${ER}&X-Amz-Expires=60`,
    );
    assert.ok(!/AIza1|4\/0Ab2|eyJ3|SAS4|abc5/.test(JSON.stringify(out)), JSON.stringify(out));
  });

  it("keeps key and code as attribute and object keys", () => {
    const policy = new RedactionPolicy();
    const attributes = { key: "cache-17", code: "US", "db.redis.key": "user:1" };
    assert.equal(policy.redactAttributes(attributes), attributes);
    assert.deepEqual(policy.redactValue({ key: "k", code: 404 }), { key: "k", code: 404 });
  });

  it("masks Google's x-goog-api-key header", () => {
    const policy = new RedactionPolicy();
    assert.deepEqual(policy.redactHeaders({ "X-Goog-Api-Key": "AIza6", accept: "*/*" }), {
      "X-Goog-Api-Key": "***REDACTED***",
      accept: "*/*",
    });
    const out = policy.redactAttributes({ "http.request.header.x-goog-api-key": ["AIza7"] });
    assert.equal(out["http.request.header.x-goog-api-key"], "***REDACTED***");
  });

  it("urlParameterKeys replaces the URL-only names; sensitive keys still apply", () => {
    const url = "https://api.test/v1?key=K8&code=C8&api_key=A8";
    const none = new RedactionPolicy({ urlParameterKeys: [] }).redactAttributes({
      "url.full": url,
    });
    assert.equal(none["url.full"], `https://api.test/v1?key=K8&code=C8&api_key=${ER}`);
    const own = new RedactionPolicy({ urlParameterKeys: ["code"] }).redactAttributes({
      "url.full": url,
    });
    assert.equal(own["url.full"], `https://api.test/v1?key=K8&code=${ER}&api_key=${ER}`);
    // Replacing the sensitive keys leaves the URL-only names in place.
    const keys = new RedactionPolicy({ keys: ["session"] }).redactAttributes({ "url.full": url });
    assert.equal(keys["url.full"], `https://api.test/v1?key=${ER}&code=${ER}&api_key=A8`);
    assert.ok(DEFAULT_URL_PARAMETER_KEYS.includes("key"));
  });

  it("exports no Google API key from a traced request's URL, JSONL and OTLP alike", async () => {
    const exported = await exportOneSpan((span) => {
      span.setAttribute("url.full", "https://generativelanguage.googleapis.com/v1?key=AIza9");
      span.setAttribute("http.request.header.x-goog-api-key", "AIza10");
    });
    assert.ok(!exported.line.includes("AIza"), exported.line);
    assert.ok(!exported.body.includes("AIza"), exported.body);
    assert.equal(
      exported.stringValue("url.full"),
      `https://generativelanguage.googleapis.com/v1?key=${ER}`,
    );
  });
});
