// The README shows calling the CLI's `main()` from code, as a reporting service does again and
// again; each write left an `error` listener on stdout, so the eleventh call printed Node's
// MaxListenersExceededWarning and they were never removed (a multi-process trial). A child
// process per runtime (its stdout is the CLI's, not the test runner's).
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { repoRoot, runChildSource } from "../_support/child_module.ts";
import { isWorkerd } from "../_support/runtime.ts";

describe("the analysis CLI's main() called again and again", { skip: isWorkerd }, () => {
  it("leaves no listener on stdout or stderr", async () => {
    const cli = JSON.stringify(join(repoRoot(), "src", "analyze", "cli.ts"));
    const dir = JSON.stringify(join(repoRoot(), "tests", "fixtures", "analyze"));
    const { code, stderr } = await runChildSource(
      `import process from "node:process";\n` +
        `import { main } from ${cli};\n` +
        `const before = [process.stdout.listenerCount("error"), process.stderr.listenerCount("error")];\n` +
        `const codes = [];\n` +
        `for (let i = 0; i < 20; i++) codes.push(await main(["--trace-dir", ${dir}, "--json"]));\n` +
        `codes.push(await main(["--no-such-option"]));\n` +
        `const after = [process.stdout.listenerCount("error"), process.stderr.listenerCount("error")];\n` +
        `console.error(JSON.stringify({ before, after, codes: [...new Set(codes)] }));\n`,
    );
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stderr.trim().split("\n").at(-1)!);
    assert.deepEqual(result.after, result.before);
    assert.deepEqual(result.codes, [0, 2]);
    assert.doesNotMatch(stderr, /MaxListenersExceeded/);
  });
});
