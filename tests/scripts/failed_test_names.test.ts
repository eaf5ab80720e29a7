// The test command's summary names the failed tests, so a CI log cut to its last lines still
// says which test failed. Fixtures are each runner's real output (trimmed) for one file with a
// failing test inside a describe block, a passing one beside it, and a failing top-level test.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
// @ts-types="./failed_test_names.d.ts"
import { failedTestNames } from "../../scripts/_summary.mjs";

const EXPECTED = [
  "tests/x/fail.test.ts > outer > inner fails",
  "tests/x/fail.test.ts > top fails",
];

const DENO = `Check tests/x/fail.test.ts
running 2 tests from ./tests/x/fail.test.ts
outer ...
  inner fails ... FAILED (3ms)
  inner ok ... ok (0ms)
outer ... FAILED (due to 1 failed step) (6ms)
top fails ... FAILED (1ms)

 ERRORS 

outer ... inner fails => ext:deno_node/testing.ts:1:23191
error: AssertionError: Expected values to be strictly equal:

 FAILURES 

outer ... inner fails => ext:deno_node/testing.ts:1:23191
top fails => ./tests/x/fail.test.ts:7:1

FAILED | 0 passed (1 step) | 2 failed (1 step) (19ms)
`;

const NODE_TAP = `TAP version 13
# Subtest: outer
    # Subtest: inner fails
    not ok 1 - inner fails
      ---
      duration_ms: 1.2
      location: '/work/p/tests/x/fail.test.ts:4:3'
      failureType: 'testCodeFailure'
      ...
    # Subtest: inner ok
    ok 2 - inner ok
      ---
      duration_ms: 0.2
      ...
    1..2
not ok 1 - outer
  ---
  duration_ms: 3.1
  type: 'suite'
  location: '/work/p/tests/x/fail.test.ts:3:1'
  failureType: 'subtestsFailed'
  ...
# Subtest: top fails
not ok 2 - top fails
  ---
  duration_ms: 0.4
  location: '/work/p/tests/x/fail.test.ts:7:1'
  failureType: 'testCodeFailure'
  ...
1..2
# pass 1
# fail 2
`;

const BUN = `bun test v1.4.5 (a7733435c)

tests/x/fail.test.ts:
AssertionError: Expected values to be strictly equal:

(fail) outer > inner fails [2.32ms]
(pass) outer > inner ok [0.13ms]
error: x
(fail) top fails [0.18ms]

 1 pass
 2 fail
Ran 3 tests across 1 file. [27.00ms]
`;

const WORKERD = `workerd: bundling 1 test file(s)

FAIL tests/x/fail.test.ts > outer > inner fails
    AssertionError [ERR_ASSERTION]: Values are not strictly equal:
        at tests/x/fail.test.ts:4:34

FAIL tests/x/fail.test.ts > top fails
    Error: x
        at tests/x/fail.test.ts:7:31

workerd: 1 passed, 2 failed, 0 skipped
`;

describe("the test summary's list of failed tests", () => {
  it("names Deno's failures by file, describe block and test", () => {
    assert.deepEqual(failedTestNames("deno", DENO), EXPECTED);
  });

  it("names Node's failures by the file in their TAP location, not the enclosing block", () => {
    assert.deepEqual(failedTestNames("node", NODE_TAP), EXPECTED);
  });

  it("names Bun's failures under the file header they follow", () => {
    assert.deepEqual(failedTestNames("bun", BUN), EXPECTED);
  });

  it("names workerd's failures as the workerd runner prints them", () => {
    assert.deepEqual(failedTestNames("workerd", WORKERD), EXPECTED);
  });

  it("names nothing when every test passed", () => {
    const passing = "running 1 test from ./tests/x/ok.test.ts\nfine ... ok (1ms)\n";
    assert.deepEqual(failedTestNames("deno", passing), []);
    assert.deepEqual(failedTestNames("node", "ok 1 - fine\n# pass 1\n# fail 0\n"), []);
  });
});
