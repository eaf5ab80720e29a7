// Crash consistency of the file-system adapters: temporary files of writes that failed or were
// killed are removed, an outbox body cut short by a power loss is never sent, and the empty line
// two processes leave when each ends a torn line is not read back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  appendFile,
  mkdir,
  readdir,
  readFile,
  truncate,
  utimes,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import type { FileSystem } from "../../src/storage/_fs.ts";
import { FsStorage } from "../../src/storage/_fs_storage.ts";
import { DenoFsStorage } from "../../src/storage/deno_fs.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { batch } from "../_conformance/_storage_outbox.ts";
import { withTempDir } from "../_support/files.ts";
import { nodeFileSystem } from "../_support/node_file_system.ts";
import { slowDrain } from "../_support/outbox_drain.ts";
import { hasFileSystem, isDeno } from "../_support/runtime.ts";

type Create = (root: string) => TraceStorage;

const adapters: [string, Create][] = [["node-fs", (root) => new NodeFsStorage({ root })]];
if (isDeno) adapters.push(["deno-fs", (root) => new DenoFsStorage({ root })]);

const HASH = "ab".repeat(32);
const HOUR = 60 * 60 * 1000;

const inTemp = (fn: (root: string) => Promise<void>) =>
  withTempDir("tracelet-crash-", (dir) => fn(join(dir, "root")));

/** Writes a file as a killed process leaves it, with a modification time `age` ms ago. */
async function leftover(path: string, age: number): Promise<void> {
  await writeFile(path, "half a blob");
  const then = new Date(Date.now() - age);
  await utimes(path, then, then);
}

/** node:fs/promises as a FileSystem whose writes of temporary files fail half-way (ENOSPC). */
const fullDisk: FileSystem = {
  ...nodeFileSystem,
  async writeFile(path, data) {
    for await (const bytes of data instanceof Uint8Array ? [data] : data) {
      await writeFile(path, bytes.subarray(0, bytes.byteLength >> 1)); // the first chunk's half
      break;
    }
    if (path.endsWith(".tmp")) {
      throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
    }
  },
};

describe("fs storage after crashes", { skip: !hasFileSystem }, () => {
  it("removes the temporary file of a blob (whole or streamed) or outbox write that fails (disk full)", async () => {
    await inTemp(async (root) => {
      const s = new FsStorage(fullDisk, "full-disk", { root });
      try {
        await assert.rejects(s.putBlob(`sha256:${HASH}`, new Uint8Array(64)), /ENOSPC/);
        await assert.rejects(s.putBlob("object-key", new Uint8Array(64)), /ENOSPC/);
        const chunks = (async function* () {
          yield new Uint8Array(64);
          yield new Uint8Array(64);
        })();
        await assert.rejects(s.putBlobStream(`sha256:${HASH}`, chunks), /ENOSPC/);
        assert.equal(await s.hasBlob(`sha256:${HASH}`), false);
        await assert.rejects(s.outbox.enqueue(batch(64, 1)), /ENOSPC/);
      } finally {
        await s.close?.();
      }
      assert.deepEqual(await readdir(join(root, "artifacts", "sha256", "ab", "ab")), []);
      assert.deepEqual(await readdir(join(root, "objects")), []);
      assert.deepEqual(await readdir(join(root, "outbox")), []);
    });
  });

  for (const [name, create] of adapters) {
    it(`${name}: a blob write removes temporary files left there by killed processes`, async () => {
      await inTemp(async (root) => {
        const artifacts = join(root, "artifacts", "sha256", "ab", "ab");
        const objects = join(root, "objects");
        await mkdir(artifacts, { recursive: true });
        await mkdir(objects, { recursive: true });
        const stale = [
          join(artifacts, `.${HASH}.1234.tmp`), // an earlier put of the same artifact
          join(artifacts, `.${"ab".repeat(31)}cd.5678.tmp`), // another artifact, same directory
          join(objects, ".object-key.1234.tmp"),
          join(objects, ".other-key.5678.tmp"),
        ];
        const young = [join(artifacts, `.${HASH}.9999.tmp`), join(objects, ".object-key.9999.tmp")];
        for (const path of stale) await leftover(path, HOUR);
        for (const path of young) await leftover(path, 1000); // maybe a write in progress
        const s = create(root);
        try {
          await s.putBlob(`sha256:${HASH}`, new Uint8Array([1, 2, 3]));
          await s.putBlob("object-key", new Uint8Array([4]));
        } finally {
          await s.close?.();
        }
        assert.deepEqual((await readdir(artifacts)).sort(), [`.${HASH}.9999.tmp`, HASH]);
        assert.deepEqual((await readdir(objects)).sort(), [".object-key.9999.tmp", "object-key"]);
        assert.deepEqual([...await readFile(join(artifacts, HASH))], [1, 2, 3]);
      });
    });

    it(`${name}: a write of a blob already stored also removes old temporary files there`, async () => {
      await inTemp(async (root) => {
        const artifacts = join(root, "artifacts", "sha256", "ab", "ab");
        const first = create(root);
        try {
          await first.putBlob(`sha256:${HASH}`, new Uint8Array([1, 2, 3]));
        } finally {
          await first.close?.();
        }
        // A later process was killed writing the same content, long ago; the next one to log it
        // finds the blob stored.
        await leftover(join(artifacts, `.${HASH}.1234.tmp`), HOUR);
        const next = create(root);
        try {
          await next.putBlob(`sha256:${HASH}`, new Uint8Array([1, 2, 3]));
        } finally {
          await next.close?.();
        }
        assert.deepEqual(await readdir(artifacts), [HASH]);
      });
    });

    it(`${name}: never returns or sends an outbox entry whose body was cut short`, async () => {
      await inTemp(async (root) => {
        const s = create(root);
        await withDiagnostics(async (seen) => {
          try {
            for (const fill of [1, 2, 3]) await s.outbox.enqueue(batch(100, fill));
            const [cut, emptied] = await s.outbox.peek(2);
            // A power loss before the bodies reached the disk: the metadata survived, not all bytes.
            await truncate(join(root, "outbox", `${cut.id}.bin`), 40);
            await truncate(join(root, "outbox", `${emptied.id}.bin`), 0);
            const delivered: number[] = [];
            await slowDrain(s, "any", delivered);
            assert.deepEqual(delivered, [3]);
            assert.deepEqual(await s.outbox.peek(10), []);
            assert.equal(await s.outbox.bytes(), 0);
            assert.deepEqual(await readdir(join(root, "outbox")), []);
            const corrupt = seen.filter((d) => d.code === "outbox_corrupt");
            assert.equal(corrupt.length, 2);
            assert.equal(corrupt[0].level, "warn");
            assert.match(corrupt[0].message, new RegExp(`${cut.id}.*40 bytes instead of 100`));
          } finally {
            await s.close?.();
          }
        });
      });
    });

    it(`${name}: skips the empty line two writers leave after a torn line`, async () => {
      await inTemp(async (root) => {
        const log = ["projects", "p", "run", "spans.jsonl"];
        const s = create(root);
        try {
          await s.appendLines(log, ['{"n":1}']);
          // A writer died mid-line; two others each saw the torn end and began with a newline.
          await appendFile(join(root, ...log), '{"n":2,"na');
          await appendFile(join(root, ...log), '\n{"n":3}\n');
          await appendFile(join(root, ...log), '\n{"n":4}\n');
          await s.appendLines(log, ['{"n":5}']);
          assert.deepEqual(await s.readLines(log), [
            '{"n":1}',
            '{"n":2,"na',
            '{"n":3}',
            '{"n":4}',
            '{"n":5}',
          ]);
        } finally {
          await s.close?.();
        }
      });
    });
  }
});
