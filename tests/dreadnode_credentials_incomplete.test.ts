// Some dreadnode credentials without the others (say DREADNODE_SERVER and DREADNODE_API_KEY,
// which dreadnode itself takes as enough, since it picks the organization) leave remote export
// off: the auto backend now says so once (`dreadnode_credentials_incomplete`), naming what is
// missing and never the key. It used to stay local without a word.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureWith, type RuntimeParts } from "../src/configure.ts";
import { SyncContextManager } from "../src/context/sync_manager.ts";
import { type Diagnostic, resetReportedOnce, setDiagnosticsHook } from "../src/diagnostics.ts";
import { resolveTraceBackend } from "../src/exporter/_trace_backend.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { isolated } from "./_support/global_state.ts";

const KEY = "dn-secret-key-0123456789";
const CODE = "dreadnode_credentials_incomplete";

/** Runs `fn` with diagnostics captured, once-only keys reset first. */
function capture(fn: () => void): Diagnostic[] {
  const seen: Diagnostic[] = [];
  resetReportedOnce();
  const previous = setDiagnosticsHook((d) => void seen.push(d));
  try {
    fn();
  } finally {
    setDiagnosticsHook(previous);
  }
  return seen;
}

/** Runtime parts with in-memory storage and the given environment. */
function parts(env: Record<string, string>): RuntimeParts {
  return {
    runtime: "test",
    contextManager: () => new SyncContextManager(),
    storage: () => new MemoryStorage(),
    env: (name) => env[name],
    timers: false,
  };
}

describe("the auto trace backend with some dreadnode credentials missing", () => {
  it("stays local and warns once, naming the missing ones and never the key", () => {
    const seen = capture(() => {
      for (let i = 0; i < 3; i++) {
        const backend = resolveTraceBackend(undefined, {
          server: "https://dn.example",
          apiKey: KEY,
        });
        assert.equal(backend, "local");
      }
    });
    assert.deepEqual(seen.map((d) => [d.level, d.code]), [["warn", CODE]]);
    assert.match(seen[0]!.message, /organization \/ DREADNODE_ORGANIZATION/);
    assert.doesNotMatch(seen[0]!.message, /DREADNODE_SERVER|DREADNODE_API_KEY/);
    assert.ok(!seen[0]!.message.includes(KEY));
  });

  it("names every missing credential", () => {
    const seen = capture(() => {
      resolveTraceBackend(undefined, { apiKey: KEY });
    });
    assert.equal(seen.length, 1);
    assert.match(seen[0]!.message, /missing server \/ DREADNODE_SERVER, organization/);
    assert.ok(!seen[0]!.message.includes(KEY));
  });

  it('says nothing with no credential, all of them, or traceBackend: "local"', () => {
    const all = { server: "https://dn.example", apiKey: KEY, organization: "org" };
    const seen = capture(() => {
      assert.equal(resolveTraceBackend(undefined, {}), "local");
      assert.equal(resolveTraceBackend(undefined, all), "remote");
      assert.equal(resolveTraceBackend("local", { server: "https://dn.example" }), "local");
    });
    assert.deepEqual(seen, []);
  });

  it("reaches configure()'s diagnostics hook for DREADNODE_SERVER + DREADNODE_API_KEY", () =>
    isolated(async () => {
      resetReportedOnce();
      const heard: Diagnostic[] = [];
      const tracing = configureWith(
        parts({ DREADNODE_SERVER: "https://dn.example", DREADNODE_API_KEY: KEY }),
        { local: false, diagnostics: (d) => void heard.push(d) },
      );
      await tracing.shutdown();
      const warned = heard.filter((d) => d.code === CODE);
      assert.equal(warned.length, 1, JSON.stringify(heard));
      assert.match(warned[0]!.message, /DREADNODE_ORGANIZATION/);
      assert.ok(!JSON.stringify(heard).includes(KEY));
    }));

  it("is not reported when OTEL_SDK_DISABLED turns the remote backend off", () =>
    isolated(async () => {
      resetReportedOnce();
      const heard: Diagnostic[] = [];
      const tracing = configureWith(
        parts({
          DREADNODE_SERVER: "https://dn.example",
          DREADNODE_API_KEY: KEY,
          OTEL_SDK_DISABLED: "true",
        }),
        { local: false, diagnostics: (d) => void heard.push(d) },
      );
      await tracing.shutdown();
      assert.deepEqual(heard.filter((d) => d.code === CODE), []);
    }));
});
