// OTLP exporter configuration: environment variables, explicit options winning, the dreadnode
// endpoint, traceBackend resolution and the resource (service.name, OTEL_RESOURCE_ATTRIBUTES).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Diagnostic, setDiagnosticsHook } from "../../src/diagnostics.ts";
import { TracerError } from "../../src/errors.ts";
import {
  createOtlpExporter,
  resolveOtlpConfig,
  resolveTraceBackend,
} from "../../src/exporter/otlp_factory.ts";
import { envOrganization } from "../../src/exporter/_otlp_config.ts";
import { makeSpanRecord } from "../_support/span_records.ts";
import { resolveResource } from "../../src/otlp/resource.ts";
import { parseResourceAttributes, resolveResourceFromEnv } from "../../src/otlp/resource_env.ts";
import { VERSION } from "../../src/version.ts";

function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

function capture<T>(fn: () => T): { result: T; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const previous = setDiagnosticsHook((d) => void diagnostics.push(d));
  try {
    return { result: fn(), diagnostics };
  } finally {
    setDiagnosticsHook(previous);
  }
}

describe("resolveOtlpConfig", () => {
  it("defaults to a local collector, protobuf, gzip and 10 s", () => {
    const config = resolveOtlpConfig({}, envOf({}));
    assert.equal(config.url, "http://localhost:4318/v1/traces");
    assert.equal(config.protocol, "http/protobuf");
    assert.equal(config.compression, "gzip");
    assert.equal(config.timeoutMillis, 10_000);
    assert.deepEqual(config.headers, {});
  });

  it("appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT and uses the traces endpoint as is", () => {
    assert.equal(
      resolveOtlpConfig({}, envOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example:4318" })).url,
      "https://c.example:4318/v1/traces",
    );
    assert.equal(
      resolveOtlpConfig({}, envOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example/base/" })).url,
      "https://c.example/base/v1/traces",
    );
    assert.equal(
      resolveOtlpConfig(
        {},
        envOf({
          OTEL_EXPORTER_OTLP_ENDPOINT: "https://generic.example",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example/custom/path",
        }),
      ).url,
      "https://traces.example/custom/path",
    );
  });

  it("lets explicit options win over every environment variable", () => {
    const env = envOf({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://env.example/v1/traces",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_COMPRESSION: "none",
      OTEL_EXPORTER_OTLP_TIMEOUT: "5000",
      OTEL_EXPORTER_OTLP_HEADERS: "x-team=env",
    });
    const config = resolveOtlpConfig({
      endpoint: "https://explicit.example/v1/traces",
      protocol: "http/protobuf",
      compression: "gzip",
      timeoutMillis: 1234,
      headers: { "X-Team": "explicit" },
    }, env);
    assert.equal(config.url, "https://explicit.example/v1/traces");
    assert.equal(config.protocol, "http/protobuf");
    assert.equal(config.compression, "gzip");
    assert.equal(config.timeoutMillis, 1234);
    assert.deepEqual(config.headers, { "x-team": "explicit" });
  });

  it("merges generic and traces headers (traces win) and percent-decodes values", () => {
    const config = resolveOtlpConfig(
      {},
      envOf({
        OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Bearer%20abc%3D%3D, x-a = 1 ,x-b=2",
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-b=3",
      }),
    );
    assert.deepEqual(config.headers, { authorization: "Bearer abc==", "x-a": "1", "x-b": "3" });
  });

  it("reads protocol, compression and timeout from env, traces-specific first", () => {
    const config = resolveOtlpConfig(
      {},
      envOf({
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
        OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "none",
        OTEL_EXPORTER_OTLP_TIMEOUT: "7000",
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "2500",
      }),
    );
    assert.equal(config.protocol, "http/json");
    assert.equal(config.compression, "none");
    assert.equal(config.timeoutMillis, 2500);
  });

  it("takes a timeout variable only as an integer number of milliseconds", () => {
    for (const bad of ["0.5", "1e3", "2500ms", "-5", "0", "0x10", "2147483648"]) {
      const { result, diagnostics } = capture(() =>
        resolveOtlpConfig({}, envOf({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: bad }))
      );
      assert.equal(result.timeoutMillis, 10_000, bad);
      assert.equal(diagnostics.length, 1, bad);
      assert.equal(diagnostics[0].code, "invalid_env");
      assert.match(diagnostics[0].message, /OTEL_EXPORTER_OTLP_TRACES_TIMEOUT.*integer/);
      assert.ok(!diagnostics[0].message.includes(bad), "the value is not quoted");
    }
    const { result, diagnostics } = capture(() =>
      resolveOtlpConfig(
        {},
        envOf({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "0.5", OTEL_EXPORTER_OTLP_TIMEOUT: " 3000 " }),
      )
    );
    assert.equal(result.timeoutMillis, 3000, "the generic variable is used instead");
    assert.equal(diagnostics.length, 1);
  });

  it("reports and ignores unusable environment values instead of crashing", () => {
    const { result, diagnostics } = capture(() =>
      resolveOtlpConfig(
        {},
        envOf({
          OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
          OTEL_EXPORTER_OTLP_COMPRESSION: "brotli",
          OTEL_EXPORTER_OTLP_TIMEOUT: "soon",
          OTEL_EXPORTER_OTLP_ENDPOINT: "not a url",
          OTEL_EXPORTER_OTLP_HEADERS: "novalue,ok=1,bad=%E0%A4%A",
        }),
      )
    );
    assert.equal(result.protocol, "http/protobuf");
    assert.equal(result.compression, "gzip");
    assert.equal(result.timeoutMillis, 10_000);
    assert.equal(result.url, "http://localhost:4318/v1/traces");
    assert.deepEqual(result.headers, { ok: "1" });
    assert.ok(diagnostics.length >= 5);
    assert.ok(diagnostics.every((d) => d.code === "invalid_env"));
  });

  it("builds the dreadnode endpoint with X-Api-Key and a 30 s timeout", () => {
    const config = resolveOtlpConfig({
      server: "https://platform.example/",
      apiKey: "dn_key_123456",
      organization: "acme corp",
    }, envOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://ignored.example" }));
    assert.equal(config.url, "https://platform.example/api/v1/org/acme%20corp/otel/traces");
    assert.equal(config.headers["x-api-key"], "dn_key_123456");
    assert.equal(config.timeoutMillis, 30_000);
    assert.ok(config.secrets.includes("dn_key_123456"));
  });

  it("lists the endpoint's query values among the secrets diagnostics never show", () => {
    const config = resolveOtlpConfig(
      { endpoint: "https://c.example/v1/traces?api_key=k%2Fey-12345&x=1" },
      envOf({ OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20tok-123" }),
    );
    assert.deepEqual([...config.secrets].sort(), ["Bearer tok-123", "k/ey-12345"]);
  });

  it("puts the dreadnode path on the server's path, dropping its query string and fragment", () => {
    const cases: [string, string][] = [
      ["https://dn.example?tenant=7", "https://dn.example/api/v1/org/acme/otel/traces"],
      ["https://dn.example/#frag", "https://dn.example/api/v1/org/acme/otel/traces"],
      ["https://dn.example/base/?t=1#f", "https://dn.example/base/api/v1/org/acme/otel/traces"],
      ["https://dn.example/base//", "https://dn.example/base/api/v1/org/acme/otel/traces"],
    ];
    for (const [server, url] of cases) {
      const config = resolveOtlpConfig({ server, apiKey: "dn_key_123456", organization: "acme" });
      assert.equal(config.url, url, server);
    }
  });

  it("keeps every organization inside the org path, refusing `.` and `..`", () => {
    const url = (organization: string) =>
      resolveOtlpConfig({ server: "https://dn.example", organization }).url;
    assert.equal(url("a/b"), "https://dn.example/api/v1/org/a%2Fb/otel/traces");
    assert.equal(url("%2e%2e"), "https://dn.example/api/v1/org/%252e%252e/otel/traces");
    assert.equal(url("..."), "https://dn.example/api/v1/org/.../otel/traces");
    for (const organization of [".", "..", ""]) {
      assert.throws(
        () => resolveOtlpConfig({ server: "https://dn.example", apiKey: "k-123456", organization }),
        (error: unknown) =>
          error instanceof TracerError && error.code === "INVALID_CONFIG" &&
          /`organization`/.test(error.message),
        JSON.stringify(organization),
      );
    }
  });

  it("reports and ignores a DREADNODE_ORGANIZATION of `.` or `..`", () => {
    for (const value of [".", ".."]) {
      const { result, diagnostics } = capture(() =>
        envOrganization(envOf({ DREADNODE_ORGANIZATION: value }))
      );
      assert.equal(result, undefined);
      assert.deepEqual(diagnostics.map((d) => d.code), ["invalid_env"]);
      assert.match(diagnostics[0].message, /DREADNODE_ORGANIZATION/);
    }
    const { result, diagnostics } = capture(() =>
      envOrganization(envOf({ DREADNODE_ORGANIZATION: "acme" }))
    );
    assert.deepEqual([result, diagnostics], ["acme", []]);
  });

  it("never applies OTEL_EXPORTER_OTLP_* variables to a dreadnode exporter", () => {
    const { result } = capture(() =>
      resolveOtlpConfig(
        { server: "https://dn.example", apiKey: "dn_key_123456", organization: "acme" },
        envOf({
          OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20GRAFANA_TOKEN,x-team=generic",
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-honeycomb-team=HONEYCOMB_SECRET",
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_COMPRESSION: "none",
          OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
        }),
      )
    );
    assert.deepEqual(result.headers, { "x-api-key": "dn_key_123456" });
    assert.equal(result.protocol, "http/protobuf");
    assert.equal(result.compression, "gzip");
    assert.equal(result.timeoutMillis, 30_000);
  });

  it("appends /v1/traces to the path of a base endpoint, keeping its query string last", () => {
    const env = envOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example/otlp?tenant=a" });
    assert.equal(resolveOtlpConfig({}, env).url, "https://c.example/otlp/v1/traces?tenant=a");
  });

  it("refuses endpoint URLs with a user name or password, never echoing the password", () => {
    for (
      const options of [{ endpoint: "https://otel:hunter2pass@c.example/v1/traces" }, {
        server: "https://otel:hunter2pass@dn.example",
        organization: "acme",
      }]
    ) {
      assert.throws(() => resolveOtlpConfig(options), (error: unknown) => {
        assert.ok(error instanceof TracerError);
        assert.equal(error.code, "INVALID_CONFIG");
        assert.match(error.message, /user name or password/);
        assert.ok(!error.message.includes("hunter2pass"));
        return true;
      });
    }
    const { result, diagnostics } = capture(() =>
      resolveOtlpConfig(
        {},
        envOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://otel:hunter2pass@c.example:4318" }),
      )
    );
    assert.equal(result.url, "http://localhost:4318/v1/traces");
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].code, "invalid_env");
    assert.match(diagnostics[0].message, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/);
    assert.ok(!JSON.stringify(diagnostics).includes("hunter2pass"));
  });

  it("throws TracerError for invalid explicit options, naming no values", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ endpoint: "ftp://x" }, "INVALID_CONFIG"],
      [{ protocol: "grpc" }, "INVALID_CONFIG"],
      [{ compression: "br" }, "INVALID_CONFIG"],
      [{ timeoutMillis: 0 }, "INVALID_CONFIG"],
      [{ server: "https://s.example", apiKey: "secret-key-1" }, "MISSING_CREDENTIALS"],
      [{ organization: "o", apiKey: "secret-key-1" }, "MISSING_CREDENTIALS"],
    ];
    for (const [options, code] of cases) {
      assert.throws(() => resolveOtlpConfig(options), (error: unknown) => {
        assert.ok(error instanceof TracerError);
        assert.equal(error.code, code);
        assert.ok(!error.message.includes("secret-key-1"));
        return true;
      });
    }
  });
});

describe("resolveTraceBackend", () => {
  const all = { server: "https://s.example", apiKey: "k-123456", organization: "o" };

  it("is remote in auto mode exactly when server, key and organization are all known", () => {
    assert.equal(resolveTraceBackend(undefined, all), "remote");
    assert.equal(resolveTraceBackend(undefined, { ...all, organization: undefined }), "local");
    assert.equal(resolveTraceBackend(undefined, {}), "local");
  });

  it("stays local when asked, even with credentials", () => {
    assert.equal(resolveTraceBackend("local", all), "local");
  });

  it("makes an explicit remote backend without credentials a configuration error", () => {
    assert.equal(resolveTraceBackend("remote", all), "remote");
    assert.throws(
      () => resolveTraceBackend("remote", { server: "https://s.example", apiKey: "k-123456" }),
      (error: unknown) =>
        error instanceof TracerError && error.code === "MISSING_CREDENTIALS" &&
        error.message.includes("organization") && !error.message.includes("k-123456"),
    );
    assert.throws(() => resolveTraceBackend("cloud" as "remote", all), /traceBackend/);
  });
});

describe("resolveResourceFromEnv", () => {
  it("sets service.name from the option, else OTEL_SERVICE_NAME, else the attributes, else a default", () => {
    const env = envOf({
      OTEL_SERVICE_NAME: "from-env",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs",
    });
    assert.equal(
      resolveResourceFromEnv({ serviceName: "explicit" }, env).attributes["service.name"],
      "explicit",
    );
    assert.equal(resolveResourceFromEnv({}, env).attributes["service.name"], "from-env");
    assert.equal(
      resolveResourceFromEnv({}, envOf({ OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attrs" }))
        .attributes["service.name"],
      "from-attrs",
    );
    assert.equal(
      resolveResourceFromEnv({}, envOf({})).attributes["service.name"],
      "unknown_service",
    );
  });

  it("includes OTEL_RESOURCE_ATTRIBUTES and telemetry.sdk.*, explicit attributes winning", () => {
    const resource = resolveResourceFromEnv(
      { attributes: { team: "explicit" } },
      envOf({ OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod, team=env,region=eu%2Dwest" }),
    );
    assert.deepEqual(resource.attributes, {
      "telemetry.sdk.name": "tracelet",
      "telemetry.sdk.language": "webjs",
      "telemetry.sdk.version": VERSION,
      "deployment.environment": "prod",
      team: "explicit",
      region: "eu-west",
      "service.name": "unknown_service",
    });
    assert.ok(Object.isFrozen(resource.attributes));
  });

  it("discards a malformed OTEL_RESOURCE_ATTRIBUTES as a whole and reports it", () => {
    const { result, diagnostics } = capture(() => parseResourceAttributes("a=1,broken"));
    assert.equal(result, undefined);
    assert.equal(diagnostics.length, 1);
    const second = capture(() =>
      resolveResourceFromEnv({}, envOf({ OTEL_RESOURCE_ATTRIBUTES: "a=%ZZ" }))
    );
    assert.equal(second.result.attributes.a, undefined);
    assert.equal(second.diagnostics.length, 1);
  });
});

describe("resolveResource", () => {
  it("builds the resource from explicit settings only, service.name option first", () => {
    const resource = resolveResource({
      attributes: { "service.name": "from-attributes", team: "a" },
      sdkLanguage: "nodejs",
    });
    assert.deepEqual(resource.attributes, {
      "telemetry.sdk.name": "tracelet",
      "telemetry.sdk.language": "nodejs",
      "telemetry.sdk.version": VERSION,
      "service.name": "from-attributes",
      team: "a",
    });
    assert.ok(Object.isFrozen(resource) && Object.isFrozen(resource.attributes));
    assert.equal(
      resolveResource({ serviceName: " explicit ", attributes: { "service.name": "x" } })
        .attributes["service.name"],
      "explicit",
    );
    assert.equal(resolveResource().attributes["service.name"], "unknown_service");
  });
});

describe("createOtlpExporter", () => {
  it("says who is calling with user-agent tracelet/<version> outside a browser", async () => {
    const sent: Headers[] = [];
    const exporter = createOtlpExporter({
      endpoint: "http://127.0.0.1:9/v1/traces",
      headers: { "x-api-key": "k" },
      fetch: (_url, init) => {
        sent.push(new Headers(init.headers));
        return Promise.resolve(new Response(null, { status: 200 }));
      },
    });
    const report = await exporter.export([makeSpanRecord()]);
    assert.equal(report.exported, 1);
    assert.equal(sent[0].get("user-agent"), `tracelet/${VERSION}`);
    assert.equal(sent[0].get("x-api-key"), "k");
  });

  it("is a server's exporter (user-agent, gzip) even with a global document (happy-dom, jsdom, SSR)", async () => {
    Object.defineProperty(globalThis, "document", {
      value: { nodeType: 9 },
      configurable: true,
      writable: true,
    });
    try {
      const sent: Headers[] = [];
      const exporter = createOtlpExporter({
        endpoint: "http://127.0.0.1:9/v1/traces",
        fetch: (_url, init) => {
          sent.push(new Headers(init.headers));
          return Promise.resolve(new Response(null, { status: 200 }));
        },
      });
      assert.equal(resolveOtlpConfig({}).compression, "gzip");
      assert.equal((await exporter.export([makeSpanRecord()])).exported, 1);
      assert.equal(sent[0].get("user-agent"), `tracelet/${VERSION}`);
      assert.equal(sent[0].get("content-encoding"), "gzip");
    } finally {
      delete (globalThis as { document?: unknown }).document;
    }
  });
});
