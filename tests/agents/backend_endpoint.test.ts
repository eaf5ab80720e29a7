// The BackendSpanExporter's endpoint and the credentials it may carry: a user name or password is
// refused at construction (fetch refuses such a URL with an error quoting it, password included,
// in every failure diagnostic), no constructor error echoes the endpoint's credentials or query,
// and a fetch error quoting the URL shows no query string (where a token may be).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Diagnostic } from "../../mod.ts";
import { BackendSpanExporter } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";

const TRACE_ITEM = { export: () => ({ object: "trace", id: "trace_1" }) };
const noEnv = () => undefined;

/** The error `new BackendSpanExporter({ endpoint })` throws. */
function constructorError(endpoint: string): Error & { code?: string } {
  try {
    new BackendSpanExporter({ endpoint, fetch: () => Promise.resolve(new Response()) });
  } catch (error) {
    return error as Error;
  }
  assert.fail(`accepted ${endpoint}`);
}

/** The diagnostics of one export to `endpoint` through a fetch whose error quotes the URL. */
async function diagnosticsOf(endpoint: string): Promise<Diagnostic[]> {
  const exporter = new BackendSpanExporter({
    endpoint,
    apiKey: "sk-test-endpoint-0123456789",
    maxRetries: 1,
    env: noEnv,
    // As Deno's fetch does: "error sending request for url (<the URL>)".
    fetch: (url) => Promise.reject(new TypeError(`error sending request for url (${url})`)),
  });
  const { diagnostics } = await captureDiagnostics(() => exporter.export([TRACE_ITEM]));
  return diagnostics;
}

describe("BackendSpanExporter endpoint credentials", () => {
  it("refuses a user name or password, without echoing them or the query", () => {
    for (
      const endpoint of [
        "http://bob:PW_userinfo_secret@127.0.0.1:9/v1/traces/ingest",
        "https://user_secret_name@example.com/v1/traces/ingest?token=TOKEN_query_secret",
      ]
    ) {
      const error = constructorError(endpoint);
      assert.equal(error.name, "TracerError");
      assert.equal(error.code, "INVALID_CONFIG");
      assert.match(error.message, /user name or password/);
      assert.doesNotMatch(error.message, /secret/i, error.message);
    }
  });

  it("never echoes the endpoint in the error for one that is not an http(s) URL", () => {
    for (
      const endpoint of [
        "ftp://u:PW_ctor_secret@h/x?token=TOKEN_ctor_secret",
        "not a url ?token=TOKEN_nourl_secret",
        "http:///only-a-path?token=TOKEN_nohost_secret",
      ]
    ) {
      const error = constructorError(endpoint);
      assert.equal(error.code, "INVALID_CONFIG");
      assert.match(error.message, /http\(s\) URL/);
      assert.doesNotMatch(error.message, /secret/i, error.message);
    }
  });

  it("masks the query string (and fragment) wherever a failure quotes the URL", async () => {
    for (
      const endpoint of [
        "http://127.0.0.1:9/v1/traces/ingest?token=TOKEN_query_secret",
        "http://127.0.0.1:9/ingest?api_key=KEY%2Bquery_secret&x=1#frag_secret",
      ]
    ) {
      const diagnostics = await diagnosticsOf(endpoint);
      assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_failed"]);
      const [{ message }] = diagnostics;
      assert.match(message, /error sending request for url \(http:\/\/127\.0\.0\.1:9\//);
      assert.doesNotMatch(message, /secret/i, message);
    }
  });

  it("accepts an endpoint without credentials and keeps it as given", () => {
    const endpoint = "http://127.0.0.1:9/v1/traces/ingest?region=eu";
    assert.equal(new BackendSpanExporter({ endpoint, env: noEnv }).endpoint, endpoint);
  });
});
