import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { getCwd, getDeno, getEnv, getProcess, runtimeKey } from "../src/runtime/_globals.ts";
import { hasFileSystem, isDeno, runtimeName } from "./_support/runtime.ts";

describe("runtime globals", () => {
  it("names the runtime the tests run on", () => {
    assert.equal(runtimeKey(), runtimeName);
    assert.equal(getDeno() !== undefined, isDeno);
  });

  const skip = !hasFileSystem;
  it("reads environment variables; unset or invalid names give undefined", { skip }, () => {
    process.env.TRACELET_GLOBALS_TEST = "yes";
    try {
      assert.equal(getEnv("TRACELET_GLOBALS_TEST"), "yes");
    } finally {
      delete process.env.TRACELET_GLOBALS_TEST;
    }
    assert.equal(getEnv("TRACELET_GLOBALS_TEST"), undefined);
    assert.equal(getEnv("BAD=NAME\u0000"), undefined);
  });

  it("reads the working directory", { skip }, () => {
    assert.equal(getCwd(), process.cwd());
    assert.equal(typeof getProcess()?.cwd, "function");
  });
});
