// Proves the cross-runtime harness itself: nesting, async tests, skips and runtime detection
// behave the same on Deno, Node, Bun and workerd.
import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import {
  hasFileSystem,
  isBun,
  isDeno,
  isNode,
  isWorkerd,
  runtimeName,
} from "./_support/runtime.ts";

const g = globalThis as unknown as {
  Deno?: unknown;
  Bun?: unknown;
  navigator?: { userAgent?: string };
  process?: { env?: Record<string, string | undefined> };
  __TRACELET_TEST_ENV__?: Record<string, unknown>;
};

/** The runtime scripts/test_all.mjs (or test_workerd.mjs) says it launched, if any. */
function expectedRuntime(): string | undefined {
  const fromEnv = g.__TRACELET_TEST_ENV__?.TRACELET_TEST_EXPECT_RUNTIME;
  if (typeof fromEnv === "string") return fromEnv;
  return g.process?.env?.TRACELET_TEST_EXPECT_RUNTIME;
}

describe("harness", () => {
  describe("nesting", () => {
    const order: string[] = [];
    it("runs the first nested test", () => {
      order.push("first");
      assert.deepEqual(order, ["first"]);
    });
    it("runs nested tests in declaration order", () => {
      order.push("second");
      assert.deepEqual(order, ["first", "second"]);
    });
  });

  it("awaits async tests before judging them", async () => {
    const value = await new Promise<number>((resolve) => setTimeout(() => resolve(42), 1));
    assert.equal(value, 42);
  });

  it("lets assert.rejects observe a rejected promise", async () => {
    await assert.rejects(Promise.reject(new RangeError("boom")), RangeError);
  });
});

describe("runtime detection", () => {
  test("exactly one runtime flag is set", () => {
    const flags = [isDeno, isNode, isBun, isWorkerd].filter(Boolean);
    assert.equal(flags.length, 1);
  });

  test("runtimeName matches the runtime's own globals", () => {
    if ("Deno" in globalThis) assert.equal(runtimeName, "deno");
    else if ("Bun" in globalThis) assert.equal(runtimeName, "bun");
    else if (g.navigator?.userAgent === "Cloudflare-Workers") assert.equal(runtimeName, "workerd");
    else assert.equal(runtimeName, "node");
  });

  test("runtimeName matches the runtime the harness launched", { skip: !expectedRuntime() }, () => {
    assert.equal(runtimeName, expectedRuntime());
  });

  test("the file system is available outside workerd", { skip: isWorkerd }, () => {
    assert.equal(hasFileSystem, true);
  });

  test("workerd reports no file system and exposes the test env", { skip: !isWorkerd }, () => {
    assert.equal(hasFileSystem, false);
    const env = g.__TRACELET_TEST_ENV__;
    assert.ok(env, "globalThis.__TRACELET_TEST_ENV__ is set");
    assert.equal(typeof (env.TEST_BUCKET as { put?: unknown }).put, "function");
    assert.equal(typeof (env.TEST_KV as { get?: unknown }).get, "function");
  });
});
