// In-memory storage on Workers (cloudflareStorage() without bindings): a Workers isolate has
// 128 MiB, so line logs, blobs and the outbox are each bounded to a few MiB by default, and every
// bound stays configurable.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../../src/errors.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import {
  cloudflareStorage,
  WORKER_MEMORY_BOUND_BYTES,
  workerMemoryStorage,
} from "../../src/runtime/_worker_storage.ts";
import { captureDiagnostics } from "../_support/collect.ts";

const MiB = 1024 * 1024;

/** Writes 6 MiB each of log lines, blobs and outbox entries, in 1 MiB pieces. */
async function fill(storage: TraceStorage): Promise<void> {
  const line = "x".repeat(MiB - 1); // plus its newline: 1 MiB
  for (let i = 0; i < 6; i++) {
    await storage.appendLines(["p", "spans.jsonl"], [line]);
    // Past the 4 MiB blob bound a put is refused (a blob is never evicted once accepted).
    await storage.putBlob(`blob-${i}`, new Uint8Array(MiB)).catch(() => {});
    await storage.outbox.enqueue({
      body: new Uint8Array(MiB),
      contentType: "application/x-protobuf",
      spanCount: 1,
      reason: "network",
      createdAt: Date.now(),
      notBefore: 0,
      attempts: 0,
    });
  }
}

function memory(storage: TraceStorage): MemoryStorage {
  assert.ok(storage instanceof MemoryStorage, "in-memory storage");
  return storage;
}

describe("cloudflareStorage() without bindings", () => {
  it("keeps line logs, blobs and the outbox to 4 MiB each by default", async () => {
    assert.equal(WORKER_MEMORY_BOUND_BYTES, 4 * MiB);
    const storage = memory(cloudflareStorage());
    await captureDiagnostics(() => fill(storage));
    const stats = storage.stats();
    assert.equal(stats.lineBytes, 4 * MiB);
    assert.equal(stats.droppedLines, 2);
    assert.equal(stats.blobBytes, 4 * MiB);
    assert.equal(stats.droppedBlobs, 2);
    assert.equal(await storage.outbox.bytes(), 4 * MiB);
    assert.equal(storage.outbox.maxDeliveriesPerDrain, 16);
    assert.equal((await storage.readLines(["p", "spans.jsonl"])).length, 4, "the newest remain");
  });

  it("takes other bounds, and rejects a bad one with INVALID_CONFIG", async () => {
    const storage = memory(cloudflareStorage({
      maxLineBytes: 8 * MiB,
      maxBlobBytes: 2 * MiB,
      outboxMaxBytes: 1 * MiB,
    }));
    await captureDiagnostics(() => fill(storage));
    assert.equal(storage.stats().lineBytes, 6 * MiB);
    assert.equal(storage.stats().blobBytes, 2 * MiB);
    assert.equal(await storage.outbox.bytes(), 1 * MiB);
    for (const bad of [{ maxLineBytes: 0 }, { maxBlobBytes: -1 }, { outboxMaxBytes: 1.5 }]) {
      assert.throws(
        () => cloudflareStorage(bad),
        (error) => error instanceof TracerError && error.code === "INVALID_CONFIG",
      );
    }
  });
});

describe("workerMemoryStorage()", () => {
  it("applies the Workers defaults only where no bound is given", async () => {
    const storage = workerMemoryStorage({ maxBlobBytes: 1 * MiB, maxDeliveriesPerDrain: 4 });
    await captureDiagnostics(() => fill(storage));
    assert.equal(storage.stats().lineBytes, 4 * MiB);
    assert.equal(storage.stats().blobBytes, 1 * MiB);
    assert.equal(await storage.outbox.bytes(), 4 * MiB);
    assert.equal(storage.outbox.maxDeliveriesPerDrain, 4);
  });
});

describe("the Workers preset's default storage", () => {
  it("is the bounded in-memory storage (4 MiB each), not the 56 MiB server defaults", async () => {
    const { workerParts } = await import("../../src/runtime/worker.ts");
    const storage = memory(workerParts().storage(undefined));
    await captureDiagnostics(() => fill(storage));
    assert.equal(storage.stats().lineBytes, 4 * MiB);
    assert.equal(storage.stats().blobBytes, 4 * MiB);
    assert.equal(await storage.outbox.bytes(), 4 * MiB);
  });
});
