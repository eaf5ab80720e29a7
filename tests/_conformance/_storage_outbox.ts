/**
 * The outbox part of the storage conformance suite (registered by `storageConformance`).
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type {
  OutboxEntry,
  OutboxInput,
  OutboxOptions,
  TraceStorage,
} from "../../src/storage/types.ts";

/** When the suite's entries were created (recent: outboxes expire entries older than 7 days). */
const CREATED = Date.now();
const DAY = 24 * 60 * 60 * 1000;

/** An outbox input with a body of `size` bytes filled with `fill`. */
export function batch(size: number, fill = 1, overrides: Partial<OutboxInput> = {}): OutboxInput {
  return {
    body: new Uint8Array(size).fill(fill),
    contentType: "application/x-protobuf",
    spanCount: fill,
    reason: "network",
    createdAt: CREATED + fill,
    notBefore: 0,
    attempts: 0,
    ...overrides,
  };
}

type Run = (
  fn: (storage: TraceStorage) => Promise<void>,
  outbox?: OutboxOptions,
) => () => Promise<void>;

const fills = (entries: readonly OutboxEntry[]): number[] => entries.map((e) => e.body[0]);

/**
 * Registers the outbox tests.
 *
 * @param name Adapter name.
 * @param run Wraps a test body with a fresh fixture built with the given outbox options.
 * @param skip Skip everything.
 */
export function outboxConformance(name: string, run: Run, skip: boolean | undefined): void {
  describe(`storage conformance (${name}): outbox`, { skip }, () => {
    it(
      "returns entries oldest first with every field, ids sorting in order",
      run(async (s) => {
        for (const fill of [1, 2, 3]) {
          const result = await s.outbox.enqueue(
            batch(10 + fill, fill, { reason: `r${fill}`, notBefore: fill * 1000, attempts: fill }),
          );
          assert.deepEqual(result, { accepted: true, evicted: [] });
        }
        const entries = await s.outbox.peek(10);
        assert.deepEqual(
          entries.map(({ id: _id, ...rest }) => rest),
          [1, 2, 3].map((fill) => ({
            ...batch(10 + fill, fill, {
              reason: `r${fill}`,
              notBefore: fill * 1000,
              attempts: fill,
            }),
          })),
        );
        const ids = entries.map((e) => e.id);
        assert.equal(new Set(ids).size, 3);
        assert.deepEqual([...ids].sort(), ids);
      }),
    );

    it(
      "peek honours its limit",
      run(async (s) => {
        for (const fill of [1, 2, 3]) await s.outbox.enqueue(batch(5, fill));
        assert.deepEqual(fills(await s.outbox.peek(2)), [1, 2]);
        assert.deepEqual(await s.outbox.peek(0), []);
        assert.deepEqual(await s.outbox.peek(-1), []);
        assert.deepEqual(fills(await s.outbox.peek(Infinity)), [1, 2, 3]);
      }),
    );

    it(
      "peek pages after a cursor and skips entries not due yet",
      run(async (s) => {
        for (const fill of [1, 2, 3, 4, 5]) {
          await s.outbox.enqueue(batch(5, fill, { notBefore: fill % 2 === 0 ? 5000 : 1000 }));
        }
        const all = await s.outbox.peek(10);
        const page1 = await s.outbox.peek(2, {});
        assert.deepEqual(fills(page1), [1, 2]);
        assert.deepEqual(fills(await s.outbox.peek(2, { after: page1[1].id })), [3, 4]);
        assert.deepEqual(fills(await s.outbox.peek(10, { after: all[4].id })), []);
        // Due by 1000 ms: the odd fills only; the even ones (due at 5000) are skipped, not counted.
        assert.deepEqual(fills(await s.outbox.peek(2, { dueBy: 1000 })), [1, 3]);
        assert.deepEqual(
          fills(await s.outbox.peek(10, { after: all[0].id, dueBy: 1000 })),
          [3, 5],
        );
        assert.deepEqual(fills(await s.outbox.peek(10, { dueBy: 999 })), []);
        assert.deepEqual(fills(await s.outbox.peek(10, { dueBy: Infinity })), [1, 2, 3, 4, 5]);
        await assert.rejects(s.outbox.peek(1, { after: 5 as never }), TypeError);
        await assert.rejects(s.outbox.peek(1, { dueBy: "soon" as never }), TypeError);
        await assert.rejects(s.outbox.peek(1, { dueBy: NaN }), TypeError);
        await assert.rejects(s.outbox.peek(1, { destination: 7 as never }), TypeError);
        for (const lease of [{ owner: "", millis: 1 }, { owner: "a", millis: NaN }, "a"]) {
          await assert.rejects(s.outbox.peek(1, { lease: lease as never }), TypeError);
        }
      }),
    );

    it(
      "peek for a destination returns its entries and untagged ones, not other destinations'",
      run(async (s) => {
        const tagged = (tag: string) => ({
          contentType: `application/json; tracelet-destination=${tag}`,
        });
        await s.outbox.enqueue(batch(5, 1, tagged("0badc0de")));
        await s.outbox.enqueue(batch(5, 2, tagged("aaaaaaaa")));
        await s.outbox.enqueue(batch(5, 3));
        await s.outbox.enqueue(batch(5, 4, tagged("0badc0de")));
        await s.outbox.enqueue(batch(5, 5, tagged("aaaaaaaa")));
        assert.deepEqual(fills(await s.outbox.peek(10, { destination: "aaaaaaaa" })), [2, 3, 5]);
        assert.deepEqual(fills(await s.outbox.peek(2, { destination: "0badc0de" })), [1, 3]);
        assert.deepEqual(fills(await s.outbox.peek(10)), [1, 2, 3, 4, 5]);
      }),
    );

    it(
      "a lease hides entries from other owners' leasing peeks until ack, update or its end",
      run(async (s) => {
        for (const fill of [1, 2, 3]) await s.outbox.enqueue(batch(5, fill));
        const a = { owner: "drainer-a", millis: 600_000 };
        const b = { owner: "drainer-b", millis: 600_000 };
        const leased = await s.outbox.peek(2, { lease: a });
        assert.deepEqual(fills(leased), [1, 2]);
        assert.deepEqual(fills(await s.outbox.peek(10, { lease: b })), [3]);
        assert.deepEqual(fills(await s.outbox.peek(10, { lease: a })), [1, 2]); // its own
        assert.deepEqual(fills(await s.outbox.peek(10)), [1, 2, 3]); // no lease: sees all
        await s.outbox.update(leased[1].id, { attempts: 1, notBefore: 0, reason: "http_400" });
        assert.deepEqual(fills(await s.outbox.peek(10, { lease: b })), [2, 3]);
        await s.outbox.ack(leased[0].id);
        assert.deepEqual(fills(await s.outbox.peek(10, { lease: a })), []); // b holds 2 and 3
        // b takes them again for 0 ms: that lease ends at once.
        assert.deepEqual(fills(await s.outbox.peek(10, { lease: { ...b, millis: 0 } })), [2, 3]);
        assert.deepEqual(fills(await s.outbox.peek(10, { lease: a })), [2, 3]);
      }),
    );

    it(
      "enqueue removes entries older than the maximum age, whatever their destination",
      run(async (s) => {
        const old = { createdAt: Date.now() - 8 * DAY, contentType: "x; tracelet-destination=01" };
        assert.deepEqual(await s.outbox.enqueue(batch(5, 1, old)), { accepted: true, evicted: [] });
        // Full (1 entry, dropping the newest), but the stored entry is too old: it goes, this
        // one stays.
        const result = await s.outbox.enqueue(batch(5, 2));
        assert.equal(result.accepted, true);
        assert.deepEqual(result.evicted, []);
        assert.deepEqual(result.expired?.map((e) => [e.spanCount, e.size]), [[1, 5]]);
        assert.deepEqual(fills(await s.outbox.peek(10)), [2]);
        assert.equal(await s.outbox.bytes(), 5);
        const refused = await s.outbox.enqueue(batch(5, 3));
        assert.deepEqual(refused, { accepted: false, rejected: "full", evicted: [] });
      }, { outboxMaxEntries: 1, outboxDropPolicy: "newest" }),
    );

    it(
      "honours outboxMaxAgeMillis",
      run(async (s) => {
        await s.outbox.enqueue(batch(5, 1, { createdAt: Date.now() - 120_000 }));
        const result = await s.outbox.enqueue(batch(5, 2, { createdAt: Date.now() - 30_000 }));
        assert.deepEqual(result.expired?.map((e) => e.spanCount), [1]);
        assert.equal((await s.outbox.enqueue(batch(5, 3))).expired, undefined);
        assert.deepEqual(fills(await s.outbox.peek(10)), [2, 3]);
      }, { outboxMaxAgeMillis: 60_000 }),
    );

    it(
      "stores an entry whatever its reason, keeping the reason or a prefix of it",
      run(async (s) => {
        const reasons = [
          '"'.repeat(300),
          "\u0001".repeat(300),
          "\u65e5".repeat(300),
          "\u{1f389}".repeat(300),
          "\ud800x".repeat(150),
        ];
        for (const [i, reason] of reasons.entries()) {
          assert.equal((await s.outbox.enqueue(batch(3, i + 1, { reason }))).accepted, true);
        }
        const entries = await s.outbox.peek(10);
        assert.deepEqual(fills(entries), [1, 2, 3, 4, 5]);
        for (const [i, entry] of entries.entries()) {
          assert.ok(reasons[i].startsWith(entry.reason), `reason ${i} is a prefix`);
          assert.ok(entry.reason.length >= 50, `reason ${i} keeps at least 50 characters`);
          await s.outbox.update(entry.id, { attempts: 1, notBefore: 0, reason: reasons[i] });
        }
        assert.equal((await s.outbox.peek(10)).filter((e) => e.attempts === 1).length, 5);
      }),
    );

    it(
      "update replaces the retry bookkeeping and keeps body and order",
      run(async (s) => {
        await s.outbox.enqueue(batch(5, 1));
        await s.outbox.enqueue(batch(5, 2));
        const [first] = await s.outbox.peek(1);
        await s.outbox.update(first.id, { attempts: 2, notBefore: 99, reason: "http_429" });
        await s.outbox.update("no-such-id", { attempts: 1, notBefore: 0, reason: "x" });
        const entries = await s.outbox.peek(10);
        assert.deepEqual(entries[0], { ...first, attempts: 2, notBefore: 99, reason: "http_429" });
        assert.deepEqual(fills(entries), [1, 2]);
        await assert.rejects(
          s.outbox.update(first.id, { attempts: -1, notBefore: 0, reason: "x" }),
          TypeError,
        );
      }),
    );

    it(
      "ack removes an entry; unknown and repeated ids are ignored",
      run(async (s) => {
        await s.outbox.enqueue(batch(5, 1));
        await s.outbox.enqueue(batch(5, 2));
        const [first] = await s.outbox.peek(1);
        await s.outbox.ack(first.id);
        await s.outbox.ack(first.id);
        await s.outbox.ack("../../etc/passwd");
        assert.deepEqual(fills(await s.outbox.peek(10)), [2]);
      }),
    );

    it(
      "bytes() sums the stored bodies",
      run(async (s) => {
        assert.equal(await s.outbox.bytes(), 0);
        await s.outbox.enqueue(batch(7, 1));
        await s.outbox.enqueue(batch(0, 2));
        await s.outbox.enqueue(batch(13, 3));
        assert.equal(await s.outbox.bytes(), 20);
        await s.outbox.ack((await s.outbox.peek(1))[0].id);
        assert.equal(await s.outbox.bytes(), 13);
      }),
    );

    it(
      "evicts the oldest entries beyond the byte bound and reports them",
      run(async (s) => {
        await s.outbox.enqueue(batch(40, 1));
        await s.outbox.enqueue(batch(40, 2));
        const [oldest] = await s.outbox.peek(1);
        const result = await s.outbox.enqueue(batch(40, 3));
        assert.equal(result.accepted, true);
        const { body: _body, ...info } = oldest;
        assert.deepEqual(result.evicted, [{ ...info, size: 40 }]);
        assert.equal(await s.outbox.bytes(), 80);
        assert.deepEqual(fills(await s.outbox.peek(10)), [2, 3]);
        const big = await s.outbox.enqueue(batch(100, 4));
        assert.deepEqual(big.evicted.map((e) => e.spanCount), [2, 3]);
        assert.deepEqual(fills(await s.outbox.peek(10)), [4]);
      }, { outboxMaxBytes: 100 }),
    );

    it(
      "evicts the oldest entries beyond the entry bound",
      run(async (s) => {
        for (const fill of [1, 2, 3]) await s.outbox.enqueue(batch(1, fill));
        assert.deepEqual(fills(await s.outbox.peek(10)), [2, 3]);
      }, { outboxMaxEntries: 2 }),
    );

    it(
      "does not accept an entry larger than the whole bound",
      run(async (s) => {
        await s.outbox.enqueue(batch(30, 1));
        const result = await s.outbox.enqueue(batch(101, 2));
        assert.deepEqual(result, { accepted: false, rejected: "too_large", evicted: [] });
        assert.deepEqual(fills(await s.outbox.peek(10)), [1]);
        assert.equal(await s.outbox.bytes(), 30);
      }, { outboxMaxBytes: 100 }),
    );

    it(
      'outboxDropPolicy "newest" refuses new entries when full and keeps the stored ones',
      run(async (s) => {
        await s.outbox.enqueue(batch(60, 1));
        const result = await s.outbox.enqueue(batch(60, 2));
        assert.deepEqual(result, { accepted: false, rejected: "full", evicted: [] });
        assert.deepEqual(fills(await s.outbox.peek(10)), [1]);
        assert.equal((await s.outbox.enqueue(batch(40, 3))).accepted, true);
      }, { outboxMaxBytes: 100, outboxDropPolicy: "newest" }),
    );

    it(
      "keeps every concurrent enqueue, with unique ids in peek order",
      run(async (s) => {
        await Promise.all(Array.from({ length: 25 }, (_, i) => s.outbox.enqueue(batch(3, i + 1))));
        const entries = await s.outbox.peek(100);
        assert.deepEqual(
          fills(entries).sort((a, b) => a - b),
          Array.from({ length: 25 }, (_, i) => i + 1),
        );
        const ids = entries.map((e) => e.id);
        assert.equal(new Set(ids).size, 25);
        assert.deepEqual([...ids].sort(), ids);
      }),
    );

    it(
      "copies the body on enqueue and rejects malformed entries",
      run(async (s) => {
        const input = batch(4, 5);
        const pending = s.outbox.enqueue(input);
        input.body[0] = 0;
        await pending;
        const bad = { ...batch(4, 6), body: [1, 2] as unknown as Uint8Array };
        await assert.rejects(s.outbox.enqueue(bad), TypeError);
        await assert.rejects(s.outbox.enqueue(batch(4, 6, { spanCount: -1 })), TypeError);
        await assert.rejects(s.outbox.enqueue(batch(4, 6, { createdAt: NaN })), TypeError);
        assert.deepEqual(fills(await s.outbox.peek(10)), [5]);
      }),
    );
  });
}
