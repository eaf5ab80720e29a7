// A small stand-in for `node:test`, used only inside workerd (scripts/test_workerd.mjs aliases
// `node:test` to this file). It collects test/it/describe calls into a tree, then `runAll()`
// runs them sequentially. Supported: (name, fn), (name, opts, fn), (fn) argument orders;
// sync, async and callback (`done`) functions; `{ skip, todo, timeout }` options; `.skip`,
// `.todo`, `.only` (treated as a normal test); nested describe; before/after/beforeEach/
// afterEach hooks (scoped to their describe block or file); `t.skip()`, `t.todo()`,
// `t.test()` subtests, `t.after()`, `t.signal`, `t.diagnostic()`. Todo tests are not run and
// count as skipped (as in Deno and Bun). Anything else (mock, run, snapshot) is left out on
// purpose, so a test that uses it fails to bundle instead of passing vacuously.

const DEFAULT_TIMEOUT_MS = 20_000;

function newSuite(name, opts = {}) {
  return {
    kind: "suite",
    name,
    skip: Boolean(opts.skip),
    todo: Boolean(opts.todo),
    children: [],
    hooks: { before: [], after: [], beforeEach: [], afterEach: [] },
    errors: [],
  };
}

const root = newSuite("");
let current = root;
let defaultTimeout = DEFAULT_TIMEOUT_MS;
const totals = { passed: 0, failed: 0, skipped: 0, failures: [] };

function parseArgs(args) {
  let name;
  let opts = {};
  let fn;
  for (const arg of args) {
    if (typeof arg === "string") name = arg;
    else if (typeof arg === "function") fn = arg;
    else if (arg && typeof arg === "object") opts = arg;
  }
  return { name: name ?? (fn?.name || "<anonymous>"), opts, fn };
}

function addTest(args, extra = {}) {
  const { name, opts, fn } = parseArgs(args);
  const o = { ...opts, ...extra };
  current.children.push({
    kind: "test",
    name,
    fn,
    skip: Boolean(o.skip) || !fn,
    todo: Boolean(o.todo),
    timeout: o.timeout,
  });
}

function addSuite(args, extra = {}) {
  const { name, opts, fn } = parseArgs(args);
  const suite = newSuite(name, { ...opts, ...extra });
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    const result = fn?.({ name, signal: new AbortController().signal });
    if (result && typeof result.then === "function") {
      suite.errors.push(
        new Error("Cannot run describe(): async describe callbacks are not supported"),
      );
    }
  } catch (err) {
    suite.errors.push(err);
  } finally {
    current = parent;
  }
}

function withVariants(fn, kind) {
  fn.skip = (...args) => kind(args, { skip: true });
  fn.todo = (...args) => kind(args, { todo: true });
  fn.only = (...args) => kind(args);
  return fn;
}

/** Registers a test (node:test `test` / `it`). */
export const test = withVariants((...args) => addTest(args), addTest);
/** Alias of `test`. */
export const it = test;
/** Registers a suite (node:test `describe` / `suite`). */
export const describe = withVariants((...args) => addSuite(args), addSuite);
/** Alias of `describe`. */
export const suite = describe;
/** Runs once before the tests of the enclosing describe block (or file). */
export const before = (fn) => current.hooks.before.push(fn);
/** Runs once after the tests of the enclosing describe block (or file). */
export const after = (fn) => current.hooks.after.push(fn);
/** Runs before each test in the enclosing describe block (or file), outermost first. */
export const beforeEach = (fn) => current.hooks.beforeEach.push(fn);
/** Runs after each test in the enclosing describe block (or file), innermost first. */
export const afterEach = (fn) => current.hooks.afterEach.push(fn);

Object.assign(test, { test, it, describe, suite, before, after, beforeEach, afterEach });
export default test;

/**
 * Imports one test file with its registrations grouped under a per-file suite, so
 * top-level hooks only apply to that file. Import errors become failures.
 */
export async function collectFile(name, load) {
  const fileSuite = newSuite(name);
  root.children.push(fileSuite);
  current = fileSuite;
  try {
    await load();
  } catch (err) {
    fileSuite.errors.push(err);
  } finally {
    current = root;
  }
}

function formatError(err) {
  if (!(err instanceof Error)) return String(err);
  const stack = typeof err.stack === "string" ? err.stack : "";
  const head = stack.includes(err.message) ? stack : `${err.name}: ${err.message}\n${stack}`;
  return head.split("\n").filter((l) => !l.includes("node-internal:")).slice(0, 12).join("\n");
}

function fail(name, err) {
  totals.failed++;
  totals.failures.push({ name, error: formatError(err) });
}

async function withTimeout(run, ms, controller) {
  if (!Number.isFinite(ms) || ms <= 0) return await run();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`test timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function callTest(fn, t) {
  if (fn.length < 2) return fn(t);
  return new Promise((resolve, reject) => {
    fn(t, (err) => (err ? reject(err) : resolve()));
  });
}

async function runHooks(list, arg) {
  for (const hook of list) await hook(arg);
}

async function runTest(entry, chain) {
  const fullName = [...chain.map((s) => s.name).filter(Boolean), entry.name].join(" > ");
  if (entry.skip || entry.todo) {
    totals.skipped++;
    return;
  }
  const controller = new AbortController();
  const cleanups = [];
  let skipped = false;
  const t = {
    name: entry.name,
    fullName,
    signal: controller.signal,
    skip: () => void (skipped = true),
    todo: () => void (skipped = true),
    diagnostic: (msg) => console.log(`# ${fullName}: ${msg}`),
    after: (fn) => void cleanups.push(fn),
    test: (...args) => {
      const sub = parseArgs(args);
      const subEntry = { ...sub, skip: Boolean(sub.opts.skip) || !sub.fn, todo: !!sub.opts.todo };
      return runTest({ ...subEntry, timeout: sub.opts.timeout }, [...chain, { name: entry.name }]);
    },
  };
  let failed = false;
  let error;
  try {
    await runHooks(chain.flatMap((s) => s.hooks?.beforeEach ?? []), t);
    await withTimeout(() => callTest(entry.fn, t), entry.timeout ?? defaultTimeout, controller);
  } catch (err) {
    failed = true;
    error = err;
  }
  try {
    await runHooks(cleanups.reverse(), t);
    await runHooks(chain.flatMap((s) => s.hooks?.afterEach ?? []).reverse(), t);
  } catch (err) {
    if (!failed) error = err;
    failed = true;
  }
  if (failed) fail(fullName, error);
  else if (skipped) totals.skipped++;
  else totals.passed++;
}

function countTests(suite) {
  return suite.children.reduce((n, c) => n + (c.kind === "suite" ? countTests(c) : 1), 0);
}

async function runSuite(suite, chain, skipAll) {
  const here = [...chain, suite];
  const label = here.map((s) => s.name).filter(Boolean).join(" > ");
  for (const err of suite.errors) fail(label, err);
  const skip = skipAll || suite.skip || suite.todo;
  if (skip) {
    totals.skipped += countTests(suite);
    return;
  }
  try {
    await runHooks(suite.hooks.before, { name: suite.name });
  } catch (err) {
    fail(`${label} (before hook)`, err);
    totals.skipped += countTests(suite);
    return;
  }
  // Index loop: tests registered while running (test() inside a test) still run.
  for (let i = 0; i < suite.children.length; i++) {
    const child = suite.children[i];
    if (child.kind === "suite") await runSuite(child, here, false);
    else await runTest(child, here);
  }
  try {
    await runHooks(suite.hooks.after, { name: suite.name });
  } catch (err) {
    fail(`${label} (after hook)`, err);
  }
}

/**
 * Runs every collected test sequentially.
 * @returns {Promise<{passed: number, failed: number, skipped: number,
 *   failures: {name: string, error: string}[]}>}
 */
export async function runAll(options = {}) {
  if (options.timeoutMs !== undefined) defaultTimeout = options.timeoutMs;
  await runSuite(root, [], false);
  return { ...totals, failures: [...totals.failures] };
}
