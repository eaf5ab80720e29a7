// instrument() given a handler with none of `fetch`, `scheduled` and `queue` as a function (a
// misspelled `fetchh`, or a Worker of other events only) traced nothing, silently. It is not an
// error (an `email`-only handler is a valid Worker, and every property still passes through), but
// a `worker_nothing_traced` warning now says so, naming the three and a likely misspelling.
// Called directly (every runtime, and inside workerd by the workerd runner).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { instrument } from "../../src/runtime/worker.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { isolated, setup } from "./_helpers.ts";

const nothingTraced = (diagnostics: readonly Diagnostic[]): Diagnostic[] =>
  diagnostics.filter((d) => d.code === "worker_nothing_traced");

describe("instrument() with nothing it traces", () => {
  it("warns once per call, naming fetch, scheduled and queue and the likely typo", () =>
    isolated(async () => {
      const { options } = setup();
      const handler = { fetchh: () => new Response("typo") };
      const { result: worker, diagnostics } = await captureDiagnostics(() =>
        instrument(handler, options)
      );
      const [warning, ...more] = nothingTraced(diagnostics);
      assert.deepEqual(more, []);
      assert.equal(warning?.level, "warn");
      assert.match(warning.message, /`fetch`, `scheduled` or `queue`/);
      assert.match(warning.message, /did you mean `fetch` for `fetchh`\?/);
      // Nothing else changes: the handler's own properties pass through, and it is not wrapped.
      assert.equal(worker.fetchh, handler.fetchh);
      assert.equal((worker as { fetch?: unknown }).fetch, undefined);
    }));

  it("warns without a suggestion for other events only; not when one of the three is there", () =>
    isolated(async () => {
      const { options } = setup();
      const handler = { email: () => "mail", tail: () => "tail", config: { x: 1 } };
      const { result: worker, diagnostics } = await captureDiagnostics(() =>
        instrument(handler, options)
      );
      const warnings = nothingTraced(diagnostics);
      assert.equal(warnings.length, 1);
      assert.doesNotMatch(warnings[0].message, /did you mean/);
      assert.equal(worker.email(), "mail");
      // A `fetch` that is not a function wraps nothing either.
      const second = await captureDiagnostics(() => instrument({ fetch: "x" }, options));
      assert.equal(nothingTraced(second.diagnostics).length, 1);
      // No warning when one of the three is a function (on a class instance's prototype too).
      const valid = await captureDiagnostics(() => {
        instrument({ fetch: () => new Response("ok") }, options);
        instrument({ scheduled() {}, email() {} }, options);
        instrument({ queue() {} }, options);
        instrument(
          new class {
            fetch(): Response {
              return new Response("ok");
            }
          }(),
          options,
        );
      });
      assert.deepEqual(nothingTraced(valid.diagnostics), []);
    }));
});
