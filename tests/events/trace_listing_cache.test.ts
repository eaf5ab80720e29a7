// traceInfo and resolveLatestTracePath list a trace directory only when it changed: asking again
// about a request in a directory nobody wrote to does not list it again (a directory of 100,000
// files took over 100 ms to list, on every call), and the answer stays the newest file on disk
// whoever writes it: a new file, a file written to again, a file removed. A request the tracer ran
// itself is answered from its file without listing (a service's directory always changes, and each
// call listed it: 8 ms a call after 6,000 runs), and without a file system the latest 1,000 ids
// are kept (all were forgotten at the 1,001st).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventTracer } from "../../src/events/mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { hasFileSystem } from "../_support/runtime.ts";

type Listing = (...args: unknown[]) => unknown;

/** Counts directory listings by the runtime's synchronous API while `fn` runs. */
async function countListings(fn: () => void | Promise<void>): Promise<number> {
  const g = globalThis as unknown as {
    Deno?: Record<string, Listing>;
    process?: { getBuiltinModule?(id: string): Record<string, Listing> };
  };
  const [owner, key] = g.Deno !== undefined
    ? [g.Deno, "readDirSync"]
    : [g.process!.getBuiltinModule!("node:fs"), "readdirSync"];
  const original = owner[key];
  let count = 0;
  owner[key] = (...args: unknown[]) => {
    count++;
    return original(...args);
  };
  try {
    await fn();
  } finally {
    owner[key] = original;
  }
  return count;
}

/** Runs `body` with a tracer on a new file-system root whose `traces` directory exists. */
async function withTraces(
  body: (dir: string, tracer: EventTracer) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "tracelet-trace-listing-"));
  const storage = new NodeFsStorage({ root });
  try {
    await mkdir(`${root}/traces`);
    await body(
      `${root}/traces`,
      new EventTracer({ storage, enableConsole: false, spanTracer: false }),
    );
  } finally {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** Writes a trace file with a modification time in epoch seconds. */
async function put(dir: string, name: string, seconds: number): Promise<void> {
  await writeFile(`${dir}/${name}`, "{}\n");
  await utimes(`${dir}/${name}`, seconds, seconds);
}

/** Sets a directory's times a minute back, as for a directory nobody wrote to lately. */
async function settle(dir: string): Promise<void> {
  const past = Date.now() / 1000 - 60;
  await utimes(dir, past, past);
}

const A = "run_20260101T000000Z_req-1.jsonl";
const B = "run_20260102T000000Z_req-1.jsonl";
const C = "run_20260103T000000Z_req-1.jsonl";

describe("events: finding the latest trace file", { skip: !hasFileSystem }, () => {
  it("does not list an unchanged directory again", async () => {
    await withTraces(async (dir, tracer) => {
      for (let i = 0; i < 50; i++) await put(dir, `run_20260101T000000Z_other-${i}.jsonl`, 1000);
      await put(dir, A, 2000);
      await settle(dir);
      const listings = await countListings(() => {
        for (let i = 0; i < 20; i++) {
          assert.equal(tracer.traceInfo("req-1").trace_path, `${dir}/${A}`);
          assert.equal(tracer.resolveLatestTracePath("req-2"), undefined);
        }
      });
      assert.ok(listings <= 2, `${listings} listings for 40 look-ups`);
    });
  });

  it("answers a request this tracer ran from its file, without listing a busy directory", async () => {
    await withTraces(async (dir, tracer) => {
      // A service's directory: other runs keep changing it, so a listing is never reused.
      for (let i = 0; i < 50; i++) await put(dir, `run_20260101T000000Z_other-${i}.jsonl`, 1000);
      const mine = tracer.buildTracePath("mine")!;
      await put(dir, mine.slice(dir.length + 1), Date.now() / 1000);
      const listings = await countListings(() => {
        for (let i = 0; i < 20; i++) assert.equal(tracer.traceInfo("mine").trace_path, mine);
      });
      assert.equal(listings, 0);
      // A request it did not run is still looked for on disk.
      const other = await countListings(() => void tracer.resolveLatestTracePath("other-1"));
      assert.equal(other, 1);
    });
  });

  it("still finds a file written since, by anyone", async () => {
    await withTraces(async (dir, tracer) => {
      await put(dir, A, 2000);
      await put(dir, B, 1000);
      await settle(dir);
      assert.equal(tracer.resolveLatestTracePath("req-1"), `${dir}/${A}`);
      // Another process writes to the older file: the directory itself does not change.
      await put(dir, B, 3000);
      assert.equal(tracer.resolveLatestTracePath("req-1"), `${dir}/${B}`);
      // A new file.
      await put(dir, C, 4000);
      assert.equal(tracer.resolveLatestTracePath("req-1"), `${dir}/${C}`);
      await settle(dir);
      assert.equal(tracer.resolveLatestTracePath("req-1"), `${dir}/${C}`);
      // A removed one.
      await unlink(`${dir}/${C}`);
      assert.equal(tracer.resolveLatestTracePath("req-1"), `${dir}/${B}`);
      await unlink(`${dir}/${B}`);
      await unlink(`${dir}/${A}`);
      assert.equal(tracer.resolveLatestTracePath("req-1"), undefined);
    });
  });

  it("lists again a directory whose time is too recent to tell two changes apart", async () => {
    await withTraces(async (dir, tracer) => {
      // A coarse file-system clock: both writes leave the directory with the same time.
      const tick = Math.floor(Date.now() / 1000);
      await put(dir, A, 2000);
      await utimes(dir, tick, tick);
      assert.equal(tracer.resolveLatestTracePath("req-1"), `${dir}/${A}`);
      await put(dir, B, 3000);
      await utimes(dir, tick, tick);
      assert.equal(tracer.resolveLatestTracePath("req-1"), `${dir}/${B}`);
    });
  });
});

describe("events: the paths a tracer remembers without a file system", () => {
  it("keeps the latest 1,000 request ids, forgetting the least recently built first", () => {
    const tracer = new EventTracer({
      storage: new MemoryStorage(),
      enableConsole: false,
      spanTracer: false,
    });
    for (let i = 0; i < 1000; i++) tracer.buildTracePath(`r${i}`);
    tracer.buildTracePath("r0"); // built again: now the latest
    tracer.buildTracePath("r1000"); // the 1,001st id: r1, the least recent, is forgotten
    assert.equal(tracer.resolveLatestTracePath("r1"), undefined);
    for (const id of ["r0", "r2", "r999", "r1000"]) {
      assert.match(tracer.resolveLatestTracePath(id) ?? "", new RegExp(`_${id}\\.jsonl$`), id);
    }
  });
});
