/**
 * The shared storage conformance suite: every adapter (memory, node-fs, deno-fs, Cloudflare R2 /
 * KV / Durable Object) registers it with its own factory. Only `node:test` and `node:assert`;
 * no file-system assumptions (fs-specific checks live in tests/_conformance/fs_storage.ts).
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { OutboxOptions, TraceStorage } from "../../src/storage/types.ts";
import { batch, outboxConformance } from "./_storage_outbox.ts";

export { batch };

/** One adapter instance under test. */
export interface StorageFixture {
  /** A fresh, empty storage. */
  readonly storage: TraceStorage;
  /** Removes whatever the fixture created (temp dirs, buckets). */
  cleanup(): Promise<void>;
  /** A new adapter instance over the same backend (durable adapters only). */
  reopen?(): Promise<TraceStorage>;
}

/** Creates a fixture; it must honour the outbox options it is given. */
export type MakeStorage = (options?: OutboxOptions) => Promise<StorageFixture>;

/** How to run the suite. */
export interface ConformanceOptions {
  /** Skip everything (e.g. no file system on this runtime). */
  readonly skip?: boolean;
  /** The adapter is durable: fixtures provide `reopen`, and persistence is tested. */
  readonly reopen?: boolean;
  /**
   * `readLines` leaves empty lines out (the fs adapters: a JSONL line is never empty, and two
   * processes that each end a line torn by a crash leave one).
   */
  readonly skipsEmptyLines?: boolean;
  /** The adapter has the optional `putBlobStream` (the fs adapters); else its tests are skipped. */
  readonly streamsBlobs?: boolean;
}

/** Runs `fn` with a fresh fixture, then closes the storage and cleans up. */
export async function withStorage(
  make: MakeStorage,
  options: OutboxOptions | undefined,
  fn: (fixture: StorageFixture) => Promise<void>,
): Promise<void> {
  const fixture = await make(options);
  try {
    await fn(fixture);
  } finally {
    await fixture.storage.close?.();
    await fixture.cleanup();
  }
}

/**
 * Two different ids crafted (in about a second) to share one rewritten name when names held a
 * 64-bit hash whose halves did not depend on each other: a storage must keep them apart.
 */
export const COLLIDING_IDS: readonly [string, string] = [
  "s".repeat(110) +
  "\u6083\ud07e\u655c\ue3fa\u87a1\u5409\u5414\ue660\uc6f9\u7842\u4e30\u8ddd" +
  "\ud732\ub001\u5393\u28fa\ucdd1\uc5b1\u6474\u07a8\uc75d\ua185\u101a\ufdb1" +
  "\ud853\u424b\ua6f4\u3b23\u1d72\u6d03\uc5bc\u9d99\ud8fa\u9718\u7f1a\u91d6" +
  "\u840e\uef7d\u86bc\u3fc6\uc19d\uf2b0\u691d\uc7f8\udbab\u44b9\u7eed\u2093" +
  "\ub352\uf800\ua6bc\u1893\ub012\u035c\u564e\u6046\uffc4\u9f94\u914f\u263c" +
  "\u06be\uda46\ucf74\u3b6a",
  "s".repeat(110) +
  "\u9d82\u48c9\u655c\ue3fa\u24a0\uccbe\ue91b\u7fdd\u61fa\ucfb7\ueb37\u1448" +
  "\u7233\u2f96\uac92\ub065\ucdd1\uc5b1\u6474\u07a8\u625c\u392a\u101a\ufdb1" +
  "\u7552\udae4\u43f5\u808c\u1d72\u6d03\u62bd\u066a\u7bfd\u0f8d\u9a19\u6abb" +
  "\u840e\uef7d\u63bd\ud655\u6c9e\u692d\u8c1a\u6f4d\u38a4\ud3c4\u7eed\u2093" +
  "\u1e53\u40b3\u4bbf\ub06e\ub012\u035c\u564e\u6046\uffc4\u9f94\u3c4c\u8ea9" +
  "\ua4bf\u2629\ucf74\u3b6a",
];

/** Path segments and keys that must never escape a root or collide with each other. */
export const HOSTILE_IDS: readonly string[] = [
  "..",
  ".",
  "",
  "../x",
  "/etc/passwd",
  "a/../../b",
  "a/b",
  "a_b",
  "a\\b",
  "a\u0000b",
  "\u0001\u001f",
  "C:\\x",
  "C:",
  "CON",
  "con.txt",
  "trailing.",
  " spaced ",
  "~",
  "caf\u00e9",
  "x".repeat(10_000),
  "x".repeat(10_000) + "y",
  ...COLLIDING_IDS,
];

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

/** Chunks as an async iterable that rejects with `error` after them, when given. */
export async function* chunksOf(
  chunks: readonly Uint8Array[],
  error?: Error,
): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
  if (error !== undefined) throw error;
}

/** A storage with the optional `putBlobStream`. */
type StreamingStorage = TraceStorage & Required<Pick<TraceStorage, "putBlobStream">>;

/**
 * Registers the conformance tests for one adapter.
 *
 * @param name Adapter name shown in test names.
 * @param makeStorage Factory of fresh fixtures.
 * @param options Skip flag and durability.
 */
export function storageConformance(
  name: string,
  makeStorage: MakeStorage,
  options: ConformanceOptions = {},
): void {
  const run = (fn: (storage: TraceStorage) => Promise<void>, outbox?: OutboxOptions) => () =>
    withStorage(makeStorage, outbox, (fixture) => fn(fixture.storage));

  describe(`storage conformance (${name}): lines`, { skip: options.skip }, () => {
    it(
      "reads appended lines back in append order",
      run(async (s) => {
        await s.appendLines(["projects", "p", "run", "spans.jsonl"], ["a", "b"]);
        await s.appendLines(["projects", "p", "run", "spans.jsonl"], ["c"]);
        assert.deepEqual(await s.readLines(["projects", "p", "run", "spans.jsonl"]), [
          "a",
          "b",
          "c",
        ]);
      }),
    );

    it(
      "reads a missing log as [] and an empty append creates nothing",
      run(async (s) => {
        assert.deepEqual(await s.readLines(["projects", "none", "spans.jsonl"]), []);
        await s.appendLines(["projects", "empty", "spans.jsonl"], []);
        assert.deepEqual(await s.readLines(["projects", "empty", "spans.jsonl"]), []);
      }),
    );

    it(
      "never interleaves or loses lines of concurrent appends",
      run(async (s) => {
        const log = ["sessions", "s1", "spans_s1.jsonl"];
        await Promise.all(
          Array.from(
            { length: 40 },
            (_, p) =>
              s.appendLines(log, Array.from({ length: 5 }, (_, j) => `{"p":${p},"j":${j}}`)),
          ),
        );
        const lines = await s.readLines(log);
        assert.equal(lines.length, 200);
        for (let p = 0; p < 40; p++) {
          const first = lines.indexOf(`{"p":${p},"j":0}`);
          assert.ok(first >= 0, `batch ${p} is missing`);
          for (let j = 1; j < 5; j++) assert.equal(lines[first + j], `{"p":${p},"j":${j}}`);
        }
      }),
    );

    it(
      options.skipsEmptyLines
        ? "round-trips unicode and JSON lines exactly, leaving empty lines out"
        : "round-trips unicode, empty and JSON lines exactly",
      run(async (s) => {
        const lines = [
          "h\u00e9llo w\u00f6rld",
          "\u65e5\u672c\u8a9e",
          "\u{1f389}\u{1f469}\u200d\u{1f52c}",
          "",
          "tab\there",
          JSON.stringify({ q: 'a"b\\c', n: [1, 2.5] }),
        ];
        await s.appendLines(["u.jsonl"], lines);
        await s.appendLines(["u.jsonl"], [""]);
        const expected = options.skipsEmptyLines
          ? lines.filter((line) => line !== "")
          : [...lines, ""];
        assert.deepEqual(await s.readLines(["u.jsonl"]), expected);
      }),
    );

    it(
      "keeps a leading U+FEFF (byte order mark) on the first line of a log and of each append",
      run(async (s) => {
        const log = ["projects", "p", "bom", "spans.jsonl"];
        await s.appendLines(log, ['\ufeff{"a":1}', "b"]);
        await s.appendLines(log, ["\ufeff\ufeffc"]);
        await s.appendLines(["bom.jsonl"], ["\ufeff"]);
        assert.deepEqual(await s.readLines(log), ['\ufeff{"a":1}', "b", "\ufeff\ufeffc"]);
        assert.deepEqual(await s.readLines(["bom.jsonl"]), ["\ufeff"]);
      }),
    );

    it(
      "keeps logs with distinct (even hostile) paths apart",
      run(async (s) => {
        const paths = HOSTILE_IDS.map((id) => ["h", id, "log.jsonl"]);
        paths.push(["h", "a", "b", "log.jsonl"], ["h2", "..", "..", "log.jsonl"], [
          "h2",
          "log.jsonl",
        ]);
        for (const [i, path] of paths.entries()) await s.appendLines(path, [`line ${i}`]);
        for (const [i, path] of paths.entries()) {
          assert.deepEqual(
            await s.readLines(path),
            [`line ${i}`],
            `path ${JSON.stringify(path).slice(0, 60)}`,
          );
        }
      }),
    );

    it(
      "rejects a line with a newline, or an empty path, and writes nothing",
      run(async (s) => {
        await assert.rejects(s.appendLines(["n.jsonl"], ["ok", "bad\nline"]), TypeError);
        assert.deepEqual(await s.readLines(["n.jsonl"]), []);
        await assert.rejects(s.appendLines([], ["x"]), TypeError);
      }),
    );
  });

  describe(`storage conformance (${name}): blobs`, { skip: options.skip }, () => {
    const artifact = "sha256:" + "ab".repeat(32);

    it(
      "stores, reads and reports blobs; absent ones read as undefined",
      run(async (s) => {
        assert.equal(await s.hasBlob(artifact), false);
        assert.equal(await s.getBlob(artifact), undefined);
        await s.putBlob(artifact, bytes(1, 2, 3));
        await s.putBlob("0123456789abcdef", bytes(4));
        await s.putBlob("empty", bytes());
        assert.equal(await s.hasBlob(artifact), true);
        assert.deepEqual(await s.getBlob(artifact), bytes(1, 2, 3));
        assert.deepEqual(await s.getBlob("0123456789abcdef"), bytes(4));
        assert.deepEqual(await s.getBlob("empty"), bytes());
        assert.equal(await s.hasBlob("missing"), false);
      }),
    );

    it(
      "is write-once: a second put keeps the first bytes",
      run(async (s) => {
        await s.putBlob(artifact, bytes(1));
        await s.putBlob(artifact, bytes(2, 2));
        assert.deepEqual(await s.getBlob(artifact), bytes(1));
      }),
    );

    it(
      "copies bytes on put and on get",
      run(async (s) => {
        const input = bytes(7, 7);
        const pending = s.putBlob("k", input);
        input[0] = 0;
        await pending;
        const read = (await s.getBlob("k"))!;
        read[1] = 0;
        assert.deepEqual(await s.getBlob("k"), bytes(7, 7));
      }),
    );

    it(
      "keeps distinct (even hostile) keys apart",
      run(async (s) => {
        const keys = [
          ...HOSTILE_IDS,
          "sha256:" + "A".repeat(64),
          "sha256:" + "a".repeat(64),
          "sha256:../x",
        ];
        for (const [i, key] of keys.entries()) await s.putBlob(key, bytes(i));
        for (const [i, key] of keys.entries()) {
          assert.deepEqual(
            await s.getBlob(key),
            bytes(i),
            `key ${JSON.stringify(key).slice(0, 60)}`,
          );
        }
      }),
    );
  });

  describe(`storage conformance (${name}): streamed blobs`, {
    skip: options.skip || !options.streamsBlobs,
  }, () => {
    const artifact = "sha256:" + "ef".repeat(32);
    const streaming = (fn: (storage: StreamingStorage) => Promise<void>) =>
      run(async (s) => {
        assert.equal(typeof s.putBlobStream, "function", "the adapter has putBlobStream");
        await fn(s as StreamingStorage);
      });

    it(
      "stores chunks that read back as their concatenation",
      streaming(async (s) => {
        await s.putBlobStream(artifact, chunksOf([bytes(1, 2), bytes(), bytes(3), bytes(4, 5)]));
        await s.putBlobStream("none", chunksOf([]));
        assert.equal(await s.hasBlob(artifact), true);
        assert.deepEqual(await s.getBlob(artifact), bytes(1, 2, 3, 4, 5));
        assert.deepEqual(await s.getBlob("none"), bytes());
      }),
    );

    it(
      "is write-once: an existing blob keeps its bytes, whole or streamed",
      streaming(async (s) => {
        await s.putBlob(artifact, bytes(1));
        await s.putBlobStream(artifact, chunksOf([bytes(2, 2)]));
        assert.deepEqual(await s.getBlob(artifact), bytes(1));
        await s.putBlobStream("k", chunksOf([bytes(3)]));
        await s.putBlobStream("k", chunksOf([bytes(4)]));
        await s.putBlob("k", bytes(5));
        assert.deepEqual(await s.getBlob("k"), bytes(3));
      }),
    );

    it(
      "stores nothing when the chunks reject or one is not a Uint8Array",
      streaming(async (s) => {
        const failed = new Error("source failed");
        await assert.rejects(s.putBlobStream(artifact, chunksOf([bytes(1)], failed)), failed);
        // "Not found" from the chunks' own source (a file deleted meanwhile) is no missing
        // directory: retrying would store what is left of the chunks (nothing). "present" makes
        // sure a file-system adapter has the directory, so the error comes from the chunks.
        await s.putBlob("present", bytes(0));
        const gone = Object.assign(new Error("ENOENT: source gone"), { code: "ENOENT" });
        await assert.rejects(s.putBlobStream("gone", chunksOf([], gone)), gone);
        const odd = chunksOf([bytes(1), "text" as unknown as Uint8Array]);
        await assert.rejects(s.putBlobStream("odd", odd), TypeError);
        for (const key of [artifact, "gone", "odd"]) {
          assert.equal(await s.hasBlob(key), false, key);
          assert.equal(await s.getBlob(key), undefined, key);
        }
        await s.putBlobStream(artifact, chunksOf([bytes(6)]));
        assert.deepEqual(await s.getBlob(artifact), bytes(6), "a later put stores");
      }),
    );

    it(
      "keeps distinct (even hostile) keys apart",
      streaming(async (s) => {
        const keys = [...HOSTILE_IDS, "sha256:../x", "sha256:" + "A".repeat(64)];
        for (const [i, key] of keys.entries()) await s.putBlobStream(key, chunksOf([bytes(i)]));
        for (const [i, key] of keys.entries()) {
          assert.deepEqual(await s.getBlob(key), bytes(i), JSON.stringify(key).slice(0, 60));
        }
      }),
    );
  });

  outboxConformance(name, run, options.skip);

  describe(
    `storage conformance (${name}): persistence`,
    { skip: options.skip || !options.reopen },
    () => {
      it("keeps lines, blobs and outbox entries for a new instance", async () => {
        await withStorage(makeStorage, undefined, async (fixture) => {
          const s = fixture.storage;
          assert.ok(fixture.reopen, "a durable fixture must provide reopen()");
          await s.appendLines(["projects", "p", "r", "spans.jsonl"], ["one", "two"]);
          await s.putBlob("sha256:" + "cd".repeat(32), bytes(9));
          await s.outbox.enqueue(batch(10, 1));
          await s.outbox.enqueue(batch(20, 2));
          const [first] = await s.outbox.peek(1);
          await s.outbox.update(first.id, { attempts: 3, notBefore: 42, reason: "http_503" });
          await s.close?.();
          const again = await fixture.reopen();
          try {
            assert.deepEqual(await again.readLines(["projects", "p", "r", "spans.jsonl"]), [
              "one",
              "two",
            ]);
            assert.deepEqual(await again.getBlob("sha256:" + "cd".repeat(32)), bytes(9));
            const entries = await again.outbox.peek(10);
            assert.deepEqual(entries.map((e) => [e.spanCount, e.attempts, e.notBefore, e.reason]), [
              [1, 3, 42, "http_503"],
              [2, 0, 0, "network"],
            ]);
            assert.equal(entries[0].id, first.id);
            assert.equal(await again.outbox.bytes(), 30);
            await again.outbox.ack(first.id);
            await again.appendLines(["projects", "p", "r", "spans.jsonl"], ["three"]);
            assert.deepEqual(await again.readLines(["projects", "p", "r", "spans.jsonl"]), [
              "one",
              "two",
              "three",
            ]);
            assert.deepEqual((await again.outbox.peek(10)).map((e) => e.spanCount), [2]);
          } finally {
            await again.close?.();
          }
        });
      });
    },
  );
}
