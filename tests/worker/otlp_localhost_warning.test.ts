// The README's Workers quick start deployed before its OTLP_ENDPOINT binding is set exports to the
// default endpoint, http://localhost:4318, where Cloudflare's edge has no collector: every export
// was parked with "network (Error: Network connection lost.)" and nothing said where it went. The
// Workers preset now warns once per isolate, at the first export to an endpoint on this machine,
// naming only its scheme, host and port (a path or query may
// hold credentials). Exports go through a recording fetch, so these run on every runtime,
// workerd included.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import type { Diagnostic } from "../../src/diagnostics.ts";
import type { WorkerConfigureOptions } from "../../src/runtime/worker.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { isolated, RecordingContext, traced } from "./_helpers.ts";

/**
 * Serves two requests through instrument() with OTLP export to `endpoint` (none: the default)
 * and the given bindings; returns the localhost warnings and the URLs requested.
 */
async function exportThrough(
  endpoint: string | undefined,
  bindings: Record<string, string> = {},
): Promise<{ warnings: Diagnostic[]; urls: string[] }> {
  resetReportedOnce();
  const urls: string[] = [];
  const worker = traced({ fetch: () => new Response("ok") }, {
    configure: (env: unknown): WorkerConfigureOptions => ({
      local: false,
      otlp: {
        // As the quick start writes it: `env.OTLP_ENDPOINT`, undefined without the binding.
        endpoint: (env as Record<string, string | undefined>).OTLP_ENDPOINT,
        fetch: async (url: string) => {
          urls.push(url);
          return await Promise.resolve(new Response(null, { status: 200 }));
        },
      },
    }),
  });
  const env = { ...bindings, ...(endpoint === undefined ? {} : { OTLP_ENDPOINT: endpoint }) };
  const { diagnostics } = await captureDiagnostics(async () => {
    for (let i = 0; i < 2; i++) {
      const ctx = new RecordingContext();
      await (await worker.fetch(new Request("https://x.test/"), env, ctx)).text();
      await ctx.drain();
    }
  });
  return { warnings: diagnostics.filter((d) => d.code === "worker_otlp_localhost"), urls };
}

describe("instrument(): an OTLP endpoint on this machine", () => {
  it("warns once, naming the default endpoint and how to set one, when no endpoint is bound", () =>
    isolated(async () => {
      const { warnings, urls } = await exportThrough(undefined);
      assert.deepEqual(urls, [
        "http://localhost:4318/v1/traces",
        "http://localhost:4318/v1/traces",
      ]);
      assert.equal(warnings.length, 1, "once per isolate, not per export");
      const [warning] = warnings;
      assert.equal(warning.level, "warn");
      assert.match(
        warning.message,
        /^OTLP export goes to http:\/\/localhost:4318, which a deployed Worker cannot reach/,
      );
      assert.match(warning.message, /wrangler dev/);
      assert.match(warning.message, /otlp\.endpoint/);
      assert.match(warning.message, /OTEL_EXPORTER_OTLP_ENDPOINT/);
    }));

  it("names only the scheme, host and port of an explicit endpoint", () =>
    isolated(async () => {
      const { warnings } = await exportThrough("http://127.0.0.1:9999/v1/traces?token=s3cret");
      assert.equal(warnings.length, 1);
      const { message } = warnings[0];
      assert.match(
        message,
        /^OTLP export goes to http:\/\/127\.0\.0\.1:9999,/,
      );
      assert.doesNotMatch(message, /s3cret|token|v1\/traces/);
      // The endpoint was set: the message must not tell the user it was not.
      assert.doesNotMatch(message, /default without an endpoint/);
      assert.match(message, /before deploying/);
    }));

  it("warns of an endpoint binding on this machine", () =>
    isolated(async () => {
      const { warnings, urls } = await exportThrough(undefined, {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://[::1]:4318",
      });
      assert.deepEqual(urls.slice(0, 1), ["http://[::1]:4318/v1/traces"]);
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0].message,
        /^OTLP export goes to http:\/\/\[::1\]:4318,/,
      );
    }));

  it("says nothing of a remote endpoint", () =>
    isolated(async () => {
      const { warnings, urls } = await exportThrough("https://collector.example/v1/traces");
      assert.equal(urls.length, 2);
      assert.deepEqual(warnings, []);
    }));
});
