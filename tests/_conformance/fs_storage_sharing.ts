/**
 * On-disk checks of the fs adapters for what other writers do to the same root: a second storage
 * object (as when `configure()` replaces a pipeline), a process killed mid-append, a symbolic
 * link planted in the tree, an outbox update racing an ack in another instance, and logs read
 * back in chunks. Registered by `fsStorageSuite` (fs_storage.ts).
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdir, open, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { type Diagnostic, setDiagnosticsHook } from "../../src/diagnostics.ts";
import type { FsStorageOptions } from "../../src/storage/_fs_storage.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { batch } from "./_storage_outbox.ts";

type Create = (options: FsStorageOptions) => TraceStorage;
type InTemp = (
  fn: (s: TraceStorage, root: string, parent: string) => Promise<void>,
) => () => Promise<void>;

const LOG = ["projects", "p", "run", "spans.jsonl"];

function lines(tag: string, count: number, pad: number): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ tag, i, pad: "x".repeat(pad) }));
}

/**
 * Registers the checks.
 *
 * @param name Adapter name.
 * @param create Builds the adapter.
 * @param inTemp Runs a test body with a storage on a fresh temporary root.
 * @param skip Skip everything on this runtime.
 */
export function fsSharingSuite(name: string, create: Create, inTemp: InTemp, skip: boolean): void {
  describe(`${name} sharing a root`, { skip }, () => {
    it(
      "keeps each batch whole and in one piece when two storage objects append to one file",
      inTemp(async (a, root) => {
        const b = create({ root });
        try {
          await a.appendLines(LOG, ["{}"]);
          // Over 1 MiB each: Node's appendFile would write them in 512 KiB pieces.
          await Promise.all([
            a.appendLines(LOG, lines("A", 1000, 1100)),
            b.appendLines(LOG, lines("B", 1000, 1100)),
          ]);
          const read = await a.readLines(LOG);
          assert.equal(read.length, 2001);
          const tags = read.slice(1).map((line) => JSON.parse(line).tag);
          assert.equal(new Set(tags.slice(0, 1000)).size, 1, "the first batch is whole");
          assert.equal(new Set(tags.slice(1000)).size, 1, "the second batch is whole");
        } finally {
          await b.close?.();
        }
      }),
    );

    it(
      "orders the appends and reads of two storage objects on one file in call order",
      inTemp(async (a, root) => {
        const b = create({ root });
        try {
          for (let i = 0; i < 5; i++) {
            const pending = a.appendLines(LOG, lines(`a${i}`, 200, 10));
            const read = await b.readLines(LOG);
            assert.equal(read.length, 200 * (i + 1), "the read waits for the queued append");
            await pending;
          }
        } finally {
          await b.close?.();
        }
      }),
    );

    it(
      "ends a line torn by a crash before appending, so the next batch loses nothing",
      inTemp(async (s, root) => {
        await s.appendLines(LOG, ['{"n":1}']);
        await appendFile(join(root, ...LOG), '{"n":2,"na'); // the process died mid-append
        const next = create({ root }); // the next process
        try {
          await next.appendLines(LOG, ['{"n":3}', '{"n":4}']);
          await appendFile(join(root, ...LOG), '{"n":5'); // torn again, under a live object
          await next.appendLines(LOG, ['{"n":6}']);
          assert.deepEqual(await next.readLines(LOG), [
            '{"n":1}',
            '{"n":2,"na',
            '{"n":3}',
            '{"n":4}',
            '{"n":5',
            '{"n":6}',
          ]);
        } finally {
          await next.close?.();
        }
      }),
    );

    it(
      "refuses to append through a symbolic link, with a diagnostic, and writes nothing outside",
      inTemp(async (s, root, parent) => {
        await mkdir(join(root, ...LOG.slice(0, -1)), { recursive: true });
        const victim = join(parent, "victim.txt");
        await writeFile(victim, "original\n");
        await symlink(victim, join(root, ...LOG));
        const dangling = ["projects", "p", "run", "dangling.jsonl"];
        await symlink(join(parent, "created.txt"), join(root, ...dangling));
        const seen: Diagnostic[] = [];
        const previous = setDiagnosticsHook((d) => void seen.push(d));
        try {
          await assert.rejects(s.appendLines(LOG, ['{"span":1}']), /symbolic link/);
          await assert.rejects(s.appendLines(dangling, ['{"span":2}']), /symbolic link/);
        } finally {
          setDiagnosticsHook(previous);
        }
        assert.equal(await readFile(victim, "utf8"), "original\n");
        assert.deepEqual((await readdir(parent)).sort(), ["root", "victim.txt"]);
        assert.ok(seen.some((d) => d.code === "storage_symlink_refused"));
      }),
    );

    it(
      "never counts an outbox entry whose body is gone (an update that raced an ack)",
      inTemp(async (s, root) => {
        await s.outbox.enqueue(batch(100, 1));
        const [entry] = await s.outbox.peek(1);
        const metadata = join(root, "outbox", `${entry.id}.json`);
        const saved = await readFile(metadata);
        await s.outbox.ack(entry.id);
        await writeFile(metadata, saved); // what the other instance's late rename leaves
        assert.equal(await s.outbox.bytes(), 0);
        assert.deepEqual(await s.outbox.peek(10), []);
        assert.deepEqual(await readdir(join(root, "outbox")), []);
        const full = create({ root, outboxMaxEntries: 1, outboxDropPolicy: "newest" });
        try {
          await writeFile(metadata, saved);
          assert.equal((await full.outbox.enqueue(batch(10, 2))).accepted, true);
          assert.deepEqual((await full.outbox.peek(10)).map((e) => e.spanCount), [2]);
        } finally {
          await full.close?.();
        }
      }),
    );

    it(
      "leaves no ghost entries when acks and updates of two objects race",
      inTemp(async (a, root) => {
        const b = create({ root });
        try {
          for (let i = 0; i < 30; i++) {
            await a.outbox.enqueue(batch(100, 1));
            const [entry] = await a.outbox.peek(1);
            await Promise.all([
              a.outbox.ack(entry.id),
              b.outbox.update(entry.id, { attempts: 1, notBefore: 0, reason: "http_503" }),
            ]);
          }
          assert.equal(await a.outbox.bytes(), 0);
          assert.deepEqual(await b.outbox.peek(100), []);
          assert.deepEqual(await readdir(join(root, "outbox")), []);
        } finally {
          await b.close?.();
        }
      }),
    );

    it(
      "reads lines that cross the read chunks, multi-byte characters included",
      inTemp(async (s) => {
        // 1 MiB chunks: lines of odd lengths with 2-, 3- and 4-byte characters cross them.
        const written = Array.from(
          { length: 700 },
          (_, i) => `${i}:${"\u00e9\u65e5\u{1f389}".repeat(i % 13)}${"y".repeat(4000 + i)}`,
        );
        await s.appendLines(LOG, written.slice(0, 350));
        await s.appendLines(LOG, written.slice(350));
        assert.deepEqual(await s.readLines(LOG), written);
      }),
    );

    it(
      "reads a log larger than the longest string (576 MiB; set TRACELET_HEAVY_TESTS=1)",
      { skip: process.env.TRACELET_HEAVY_TESTS !== "1" },
      inTemp(async (s, root) => {
        await s.appendLines(LOG, ["first"]);
        const file = await open(join(root, ...LOG), "r+");
        const line = 64 * 1024 * 1024;
        try { // a sparse file: nine 64 MiB lines of NUL characters after "first"
          for (let i = 1; i <= 9; i++) await file.write(new Uint8Array([10]), 0, 1, 5 + i * line);
        } finally {
          await file.close();
        }
        const read = await s.readLines(LOG);
        assert.deepEqual(read.map((l) => l.length), [5, ...Array(9).fill(line - 1)]);
      }),
    );
  });
}
