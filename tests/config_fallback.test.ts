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
import { unconfigured } from "./_support/global_state.ts";

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

/** Runs `fn` with no tracer installed (as in a fresh process); puts the tracer slot back. */
async function withoutTracer(fn: () => Promise<void> | void): Promise<void> {
  const slot = (globalThis as unknown as Record<symbol, Record<string, unknown>>)[
    Symbol.for("tracelet.tracer")
  ];
  const saved = { ...slot };
  slot.tracer = undefined;
  try {
    await fn();
  } finally {
    for (const key of Object.keys(slot)) delete slot[key];
    Object.assign(slot, saved);
  }
}

describe("getTracer() before configure()", () => {
  it("builds the defaults a preset registered, so plain spans are written as run()'s are", () =>
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
        tracer.startSpan("plain").end();
        await getConfig().forceFlush();
        assert.equal(getTracer(), tracer, "the same tracer afterwards");
        assert.equal(written.length, 1);
        assert.equal(JSON.parse(written[0]).name, "plain");
      })));

  it("builds them once, and never from inside their own build", () =>
    unconfigured(() => {}, () =>
      withoutTracer(() => {
        let built = 0;
        const fallbackTracer = new Tracer();
        setConfigFallback(() => {
          built++;
          getTracer(); // a build that asks for the tracer gets a processor-less one, no loop
          return install(fallbackTracer);
        });
        assert.equal(getTracer(), fallbackTracer);
        assert.equal(getTracer(), fallbackTracer);
        assert.equal(built, 1);
      })));

  it("is a tracer with no processors when no preset registered defaults", () =>
    unconfigured(() => {}, () =>
      withoutTracer(() => {
        setDefaultsBuilder(undefined);
        const tracer = getTracer();
        assert.equal(peekConfig(), undefined, "nothing was configured");
        assert.equal(getTracer(), tracer);
      })));
});
