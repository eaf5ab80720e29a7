// A metric step given as a string of digits is read whatever its length, as a BigInt step is:
// past 2^53 it is the nearest number, rounded as the BigInt of the same digits. A string of more
// than 15 digits was stored as step 0 with `metric_invalid_step`, while the BigInt was accepted.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Metric, taskSpan } from "../../src/task/mod.ts";
import { metricStep } from "../../src/task/metric_point.ts";
import { withTaskEnv } from "../_support/task_env.ts";

describe("metric steps given as digits", () => {
  it("of more than 15 digits are read as the BigInt of the same digits is", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("steps");
      const digits = [
        "1234567890123456", // 16 digits, exact
        "9007199254740993", // 2^53 + 1: halfway, to even
        "12345678901234567890",
        String(2n ** 60n + 1n),
        "-" + String(2n ** 64n),
        " 00000000000000000000042 ",
        "1" + "0".repeat(300),
      ];
      for (const [i, step] of digits.entries()) {
        t.logMetric("m", i, { step: step as unknown as number });
      }
      assert.deepEqual(
        t.metrics.m.steps,
        digits.map((d) => Number(BigInt(d.trim()))),
      );
      assert.equal(t.metrics.m.steps[1], 2 ** 53);
      assert.equal(t.metrics.m.steps[3], 2 ** 60);
      assert.equal(t.metrics.m.steps[5], 42);
      assert.deepEqual(env.codes(), [], "nothing reported");
      t.end();
    });
  });

  it("agree with a BigInt step of the same value", () => {
    for (let i = 0; i < 200; i++) {
      const big = BigInt(Math.floor(Math.random() * 2 ** 52)) * 2n ** BigInt(i % 80) +
        BigInt(i);
      assert.equal(metricStep(String(big)), metricStep(big), String(big));
      assert.equal(metricStep(String(-big)), metricStep(-big), String(-big));
      assert.equal(new Metric(1, { step: String(big) as unknown as number }).step, Number(big));
    }
  });

  it("keep short steps as they were, and reject what is not an integer or has no number", () => {
    assert.equal(metricStep("1234567890123456"), 1234567890123456, "16 digits were step 0");
    assert.equal(metricStep("7"), 7);
    assert.equal(metricStep(" -12 "), -12);
    assert.ok(Object.is(metricStep("-0"), -0));
    for (const bad of ["1.5", "1e20", "", " ", "-", "+5", "0x10", "1_000", "1" + "0".repeat(400)]) {
      assert.equal(metricStep(bad), 0, JSON.stringify(bad));
    }
    assert.equal(metricStep(10n ** 400n), 0, "a BigInt past 1.8e308 is rejected too");
  });
});
