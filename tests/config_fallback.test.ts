// Which tracer configuredTracer() (the agent layer's default) and getTracer() give before and
// after configure():
// a tracer the user installed with setTracer is never replaced by the preset's fallback
// configuration, and a fallback that cannot be built is tried once, not at every span.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  configuredTracer,
  getConfig,
  peekConfig,
  setConfig,
  setConfigFallback,
  type TraceletConfig,
} from "../src/config_state.ts";
import { getTracer, setDefaultsBuilder, setTracer } from "../src/global.ts";
import { registerDefaultParts } from "../src/configure.ts";
import { portableParts } from "../src/portable.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import type { StoragePath } from "../src/storage/types.ts";
import { Tracer } from "../src/tracer.ts";
import { unconfigured, withoutTracer } from "./_support/global_state.ts";

/** A configuration around `tracer`, as configure() installs it (global tracer, then config). */
function install(tracer: Tracer): TraceletConfig {
  const config = makeConfig(tracer);
  setTracer(tracer);
  setConfig(config);
  return config;
}

function makeConfig(tracer: Tracer): TraceletConfig {
  return {
    tracer,
    storage: {} as TraceletConfig["storage"],
    project: "default",
    files: undefined,
    env: () => undefined,
    forceFlush: () => tracer.forceFlush(),
  };
}

/** Runs `fn` with no configuration and `fallback` registered; puts the previous state back. */
const withFallback = (fallback: () => TraceletConfig, fn: () => Promise<void> | void) =>
  unconfigured(() => setConfigFallback(fallback), fn);

describe("configuredTracer() with a preset fallback registered", () => {
  it("returns the tracer the user installed, without building the fallback", async () => {
    let built = 0;
    const fallbackTracer = new Tracer();
    await withFallback(() => (built++, install(fallbackTracer)), () => {
      const mine = new Tracer();
      setTracer(mine);
      assert.equal(configuredTracer(), mine);
      assert.equal(configuredTracer(), mine);
      assert.equal(built, 0);
    });
  });

  it("builds the fallback when the user installed nothing", async () => {
    const fallbackTracer = new Tracer();
    await withFallback(() => install(fallbackTracer), () => {
      assert.equal(configuredTracer(), fallbackTracer);
    });
  });

  it("returns a tracer the user installs after the fallback was built", async () => {
    const fallbackTracer = new Tracer();
    await withFallback(() => install(fallbackTracer), () => {
      assert.equal(configuredTracer(), fallbackTracer);
      const mine = new Tracer();
      setTracer(mine);
      assert.equal(configuredTracer(), mine);
    });
  });

  it("returns an explicit configuration's tracer over one the user installed before", async () => {
    await withFallback(() => install(new Tracer()), () => {
      setTracer(new Tracer());
      const configured = new Tracer();
      install(configured);
      assert.equal(configuredTracer(), configured);
    });
  });

  it("does not take an earlier configuration's tracer, still installed, for the user's", async () => {
    const fallbackTracer = new Tracer();
    await withFallback(() => install(fallbackTracer), () => {
      const earlier = new Tracer();
      install(earlier);
      setConfig(undefined); // as a test reset does: the global tracer is still `earlier`
      assert.equal(configuredTracer(), fallbackTracer);
    });
  });

  it("tries a fallback that cannot be built once, not at every span", async () => {
    let built = 0;
    await withFallback(() => {
      built++;
      throw new Error("bad OTEL_EXPORTER_OTLP_ENDPOINT");
    }, () => {
      const first = configuredTracer();
      for (let i = 0; i < 5; i++) assert.equal(configuredTracer(), first);
      assert.throws(() => getConfig(), /bad OTEL_EXPORTER_OTLP_ENDPOINT/);
      assert.equal(built, 1);
    });
  });
});

describe("getTracer() before configure()", () => {
  it("builds the defaults a preset registered at first use, so plain spans are written", () =>
    unconfigured(() => {}, () =>
      withoutTracer(async () => {
        const written: string[] = [];
        const storage = new class extends MemoryStorage {
          override appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
            written.push(...lines);
            return super.appendLines(path, lines);
          }
        }();
        registerDefaultParts({ ...portableParts, storage: () => storage });
        const tracer = getTracer();
        assert.equal(peekConfig(), undefined, "nothing is built by getTracer() itself");
        tracer.startSpan("plain").end();
        await getConfig().forceFlush();
        assert.deepEqual(written.map((line) => JSON.parse(line).name), ["plain"]);
      })));

  it("builds them once, and never from inside their own build", () =>
    unconfigured(() => {}, () =>
      withoutTracer(() => {
        let built = 0;
        const ended: string[] = [];
        const fallbackTracer = new Tracer({
          processors: [{ onSpanEnd: (span) => void ended.push(span.name) }],
        });
        setConfigFallback(() => {
          built++;
          getTracer().startSpan("inside the build").end(); // no loop: goes nowhere
          return install(fallbackTracer);
        });
        const tracer = getTracer();
        tracer.startSpan("first").end();
        tracer.startSpan("second").end();
        assert.equal(getTracer(), fallbackTracer);
        assert.equal(built, 1);
        assert.deepEqual(ended, ["first", "second"]);
      })));

  it("taken before configure(), reaches the tracer configure() installs, as OpenTelemetry's does", () =>
    unconfigured(() => {}, () =>
      withoutTracer(() => {
        setDefaultsBuilder(undefined);
        const early = getTracer();
        assert.ok(early instanceof Tracer);
        early.startSpan("before").end(); // no processors yet: discarded
        const ended: string[] = [];
        install(new Tracer({ processors: [{ onSpanEnd: (span) => void ended.push(span.name) }] }));
        early.startSpan("after").end();
        early.withSpan("active", () => assert.equal(early.activeSpan()?.name, "active"));
        assert.deepEqual(ended, ["after", "active"]);
      })));

  it("is a tracer with no processors when no preset registered defaults", () =>
    unconfigured(() => {}, () =>
      withoutTracer(() => {
        setDefaultsBuilder(undefined);
        getTracer().startSpan("nowhere").end();
        assert.deepEqual(getTracer().processors, []);
        assert.equal(peekConfig(), undefined, "nothing was configured");
      })));
});
