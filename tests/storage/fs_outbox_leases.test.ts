// Outbox leases on the file-system adapters: two storage objects on one root (as when configure()
// replaces a pipeline while the old one still drains) share them, so each parked batch is
// delivered once; and the lease table shared by name stays bounded.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { OutboxLeases } from "../../src/storage/_outbox_leases.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { OutboxInput, TraceStorage } from "../../src/storage/types.ts";
import { withTempDir } from "../_support/files.ts";
import { drainBoth } from "../_support/outbox_drain.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";

const OURS = "aaaaaaaa";

function entry(body: number): OutboxInput {
  return {
    body: new Uint8Array([body]),
    contentType: `application/x-protobuf; tracelet-destination=${OURS}`,
    spanCount: 1,
    reason: "http_503",
    createdAt: Date.now(),
    notBefore: 0,
    attempts: 0,
  };
}

describe("fs outbox: two storage objects on one root", { skip: !hasFileSystem }, () => {
  const others: [string, (root: string) => TraceStorage][] = [
    ["node-fs", (root) => new NodeFsStorage({ root })],
  ];
  if (isDeno) others.push(["deno-fs", (root) => new DenoFsStorage({ root })]);
  for (const [kind, other] of others) {
    it(`deliver each parked batch once when both drain (node-fs and ${kind})`, () =>
      withTempDir("tracelet-leases-", async (root) => {
        const a = new NodeFsStorage({ root });
        const b = other(root);
        try {
          for (let i = 0; i < 5; i++) await a.outbox.enqueue(entry(i));
          const { delivered, exported } = await drainBoth(a, b, OURS);
          assert.deepEqual(delivered, [0, 1, 2, 3, 4]);
          assert.equal(exported, 5);
          assert.deepEqual(await b.outbox.peek(10), []);
        } finally {
          await Promise.all([a.close(), b.close?.()]);
        }
      }));
  }

  it("see each other's leases, and a lease ends with the entry's update", () =>
    withTempDir("tracelet-leases-", async (root) => {
      const a = new NodeFsStorage({ root });
      const b = new NodeFsStorage({ root });
      try {
        for (let i = 0; i < 3; i++) await a.outbox.enqueue(entry(i));
        const lease = (owner: string) => ({ lease: { owner, millis: 60_000 } });
        const [leasedA, leasedB] = await Promise.all([
          a.outbox.peek(10, lease("A")),
          b.outbox.peek(10, lease("B")),
        ]);
        assert.equal(leasedA.length + leasedB.length, 3, "no entry handed to both");
        const first = [...leasedA, ...leasedB].sort((x, y) => x.id < y.id ? -1 : 1)[0];
        const holder = leasedA.includes(first) ? a : b;
        await holder.outbox.update(first.id, { attempts: 1, notBefore: 0, reason: "http_503" });
        const again = await (holder === a ? b : a).outbox.peek(10, lease("C"));
        assert.deepEqual(again.map((e) => e.id), [first.id]);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    }));
});

describe("OutboxLeases", () => {
  it("shares claims by name, and keeps its own without one", () => {
    const x = new OutboxLeases("test:x");
    const y = new OutboxLeases("test:x");
    const own = new OutboxLeases();
    x.take("e1", "A", 2_000, 1_000);
    assert.equal(y.heldByOther("e1", "B", 1_500), true);
    assert.equal(y.heldByOther("e1", "A", 1_500), false);
    assert.equal(own.heldByOther("e1", "B", 1_500), false);
    y.release("e1");
    assert.equal(x.heldByOther("e1", "B", 1_500), false);
  });

  it("prunes expired claims and claims on gone entries, but not one taken after the listing", () => {
    const leases = new OutboxLeases("test:prune");
    leases.take("old", "A", 10_000, 100);
    leases.take("new", "A", 10_000, 300);
    leases.take("due", "A", 400, 100);
    leases.prune(500, () => false, 200);
    assert.equal(leases.heldByOther("old", "B", 500), false, "gone before the listing");
    assert.equal(leases.heldByOther("new", "B", 500), true, "taken after the listing began");
    assert.equal(leases.heldByOther("due", "B", 300), false, "expired");
    leases.prune(20_000, () => true);
    assert.equal(leases.heldByOther("new", "B", 500), false);
  });
});
