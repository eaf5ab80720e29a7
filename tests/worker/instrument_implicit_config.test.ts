// instrument() without a `configure` option configures tracing on the first invocation with the
// Worker's `env` as the environment, unless configure() was called. Defaults built earlier without
// `env` (a span started at the module's top builds the preset's defaults) are not such a call: the
// invocation still configures with `env`, so `OTEL_*` bindings apply. Every runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { peekConfig } from "../../src/config_state.ts";
import { registerDefaultParts } from "../../src/configure.ts";
import { getTracer } from "../../src/global.ts";
import { workerParts } from "../../src/runtime/worker.ts";
import { unconfigured, withoutTracer } from "../_support/global_state.ts";
import { RecordingContext, traced } from "./_helpers.ts";

describe("instrument() without a configure option", () => {
  it("configures with env even after a span at the module's top built the defaults", () =>
    unconfigured(() => registerDefaultParts(workerParts()), () =>
      withoutTracer(async () => {
        getTracer().startSpan("boot").end(); // builds the preset's defaults, without env
        assert.equal(peekConfig()?.env("OTEL_SERVICE_NAME"), undefined);
        const worker = traced({ fetch: () => new Response("ok") }, {});
        const ctx = new RecordingContext();
        const env = { OTEL_SERVICE_NAME: "from-env" };
        assert.equal(
          await (await worker.fetch(new Request("https://w.test/"), env, ctx)).text(),
          "ok",
        );
        await ctx.drain();
        assert.equal(peekConfig()?.env("OTEL_SERVICE_NAME"), "from-env");
        assert.equal(getTracer().resource.attributes["service.name"], "from-env");
        await peekConfig()?.forceFlush();
      })));
});
