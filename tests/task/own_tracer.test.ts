// A user who installed their own tracer with setTracer and did not call configure(): run(), tasks
// and the events layer use that tracer and never build the preset's default configuration over
// it (the tracer, context manager and redaction policy stay); storage, project and files come from
// the preset's defaults, built alone. After configure(), the configured pipeline is used again.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiConfig, peekConfig } from "../../src/config_state.ts";
import { registerDefaultParts } from "../../src/configure.ts";
import { getContextManager } from "../../src/context/manager.ts";
import { EventTracer } from "../../src/events/event_tracer.ts";
import { getTracer, setTracer } from "../../src/global.ts";
import { configure, portableParts } from "../../src/portable.ts";
import { getRedactionPolicy, setRedactionPolicy } from "../../src/redact/global.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { run } from "../../src/task/spans.ts";
import { getCurrentTask } from "../../src/task/task_context.ts";
import { Tracer } from "../../src/tracer.ts";
import { unconfigured } from "../_support/global_state.ts";

/** Runs `fn` before any configuration, with the portable preset's defaults registered. */
const withDefaults = (fn: () => Promise<void>) =>
  unconfigured(() => registerDefaultParts(portableParts), fn);

/** A tracer of the user's, with the names of the spans it ended. */
function userTracer(): { tracer: Tracer; seen: string[] } {
  const seen: string[] = [];
  const tracer = new Tracer({ processors: [{ onSpanEnd: (span) => void seen.push(span.name) }] });
  return { tracer, seen };
}

describe("run() for a user who installed their own tracer, without configure()", () => {
  it("records to that tracer and replaces neither it, the context manager nor the policy", () =>
    withDefaults(async () => {
      const { tracer, seen } = userTracer();
      setTracer(tracer);
      setRedactionPolicy({ extraKeys: ["session_key"] });
      const policy = getRedactionPolicy();
      const manager = getContextManager();
      await run("my-run", () => {});
      assert.deepEqual(seen, ["my-run"], "the run's span reached the user's processor");
      assert.equal(getTracer(), tracer, "the global tracer stays");
      assert.equal(getContextManager(), manager, "the context manager stays");
      assert.equal(getRedactionPolicy(), policy, "the redaction policy stays");
      assert.equal(peekConfig(), undefined, "the default configuration was not built");
    }));

  it("gives tasks and the events layer the defaults' storage, one for all", () =>
    withDefaults(async () => {
      setTracer(userTracer().tracer);
      const first = await run("a", () => getCurrentTask()?.storage);
      const second = await run("b", () => getCurrentTask()?.storage);
      assert.ok(first instanceof MemoryStorage, "the portable defaults' storage");
      assert.equal(second, first);
      assert.equal(new EventTracer({ enableConsole: false }).storage, first);
      assert.equal(apiConfig().project, "default");
    }));

  it("uses the configured pipeline once configure() was called", () =>
    withDefaults(async () => {
      const { tracer, seen } = userTracer();
      setTracer(tracer);
      const configured = configure({ storage: new MemoryStorage() });
      await run("configured", () => {});
      assert.deepEqual(seen, []);
      assert.equal(apiConfig().tracer, configured.tracer);
      await configured.shutdown();
    }));
});

describe("run() without configure() and without a tracer of the user's", () => {
  it("builds and installs the preset's default configuration, as before", () =>
    withDefaults(async () => {
      await run("fallback", () => {});
      const config = peekConfig();
      assert.ok(config !== undefined);
      assert.equal(getTracer(), config.tracer);
    }));
});
