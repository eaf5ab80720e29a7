/**
 * Logging a large array of numbers through a task span, as an ML user logs embeddings or score
 * arrays (`logInput("scores", numbers)`): the median of 5 timed runs (after one warm-up) of
 *
 * - `logInput`: the call alone, inside a running task (serialize, hash, span copy);
 * - `task`: a whole task that logs the array, ends, and is written to the JSONL log (a
 *   synchronous task: its blob write has not finished when it ends, so the array is exported
 *   inline, the path that measures and writes the inline copy);
 * - `floor`: `JSON.stringify` of the same array, its UTF-8 bytes and their SHA-1, the least any
 *   writer of a hashed JSON copy does.
 *
 * SHA-1 is `node:crypto`'s `createHash`, registered as the Node and Deno presets register it (the
 * object hashes use it for large inputs; without a preset they use the portable JavaScript one).
 *
 * The numbers are uniform in [-1, 1) from a fixed-seed generator: about one in 10^4 is below
 * 1e-4, which Python (and so the hashed text) writes with an exponent (`1.5e-05`).
 *
 *   node --import ./bench/_node_loader.mjs bench/log_float_array.ts
 *   deno run -A bench/log_float_array.ts
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { setConfig } from "../src/config_state.ts";
import { AsyncLocalStorageContextManager } from "../src/context/als_manager.ts";
import { setContextManager } from "../src/context/manager.ts";
import { setDiagnosticsHook } from "../src/diagnostics.ts";
import { JsonlSpanExporter } from "../src/exporter/jsonl.ts";
import { registerCreateHash } from "../src/hash/native_digest.ts";
import { SimpleSpanProcessor } from "../src/processor/simple.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { taskSpan } from "../src/task/spans.ts";
import { Tracer } from "../src/tracer.ts";

/** Timed runs per case (the median is reported). */
const RUNS = 5;

/** `n` numbers uniform in [-1, 1), the same ones every run (a linear congruential generator). */
function floats(n: number): number[] {
  let seed = 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out[i] = (seed / 2147483648) * 2 - 1;
  }
  return out;
}

/** The median milliseconds of {@linkcode RUNS} runs of `fn`, after one warm-up run. */
async function median(fn: () => number | Promise<number>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await fn());
  times.sort((a, b) => a - b);
  return times[RUNS >> 1];
}

/** Milliseconds of the least work: stringify, UTF-8, SHA-1. */
function floor(numbers: readonly number[]): number {
  const start = performance.now();
  const bytes = new TextEncoder().encode(JSON.stringify(numbers));
  createHash("sha1").update(bytes).digest();
  return performance.now() - start;
}

/** Milliseconds of one `logInput` call inside a task (the task's end is not timed). */
function logInputOnly(numbers: readonly number[]): number {
  let time = 0;
  taskSpan("bench", (t) => {
    const start = performance.now();
    t.logInput("scores", numbers);
    time = performance.now() - start;
  });
  return time;
}

/** Milliseconds of a whole task logging the array, through its JSONL line. */
async function wholeTask(tracer: Tracer, numbers: readonly number[]): Promise<number> {
  const start = performance.now();
  taskSpan("bench", (t) => void t.logInput("scores", numbers));
  await tracer.forceFlush();
  return performance.now() - start;
}

async function main(): Promise<void> {
  registerCreateHash(createHash);
  const storage = new MemoryStorage();
  const tracer = new Tracer({
    processors: [new SimpleSpanProcessor(new JsonlSpanExporter({ storage }))],
  });
  setContextManager(new AsyncLocalStorageContextManager(AsyncLocalStorage));
  setDiagnosticsHook(() => {});
  setConfig({
    tracer,
    storage,
    project: "bench",
    files: undefined,
    env: () => undefined,
    forceFlush: (deadline?: number) => tracer.forceFlush(deadline),
  });
  const g = globalThis as { Deno?: { version: { deno: string } }; process?: { version: string } };
  const runtime = g.Deno !== undefined
    ? `Deno ${g.Deno.version.deno}`
    : `Node ${g.process?.version}`;
  console.log(`log_float_array on ${runtime}: median of ${RUNS} runs, milliseconds`);
  console.log("numbers    logInput   task       floor");
  for (const n of [100_000, 1_000_000]) {
    const numbers = floats(n);
    const log = await median(() => logInputOnly(numbers));
    const task = await median(() => wholeTask(tracer, numbers));
    const least = await median(() => floor(numbers));
    console.log(
      `${String(n).padEnd(10)} ${log.toFixed(1).padEnd(10)} ${task.toFixed(1).padEnd(10)} ${
        least.toFixed(1)
      }`,
    );
  }
  await tracer.shutdown();
}

await main();
