/**
 * Artifacts: files, directories (recursively) or in-memory bytes logged on a task, stored
 * content-addressed by `_artifact_blobs.ts` and described by dreadnode's metadata record (§2.6)
 * on the task span and, one line per file, in the run's
 * `projects/<project>/<run id>/artifacts.jsonl` (written as dreadnode's `json.dumps` writes it).
 * An artifact's name is only metadata: it never becomes a storage path, so a hostile name cannot
 * escape the storage root.
 *
 * @module
 */
import { isoFromNs } from "../clock.ts";
import type { LocalFiles } from "../config_state.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { failureReason } from "../storage/_failure_reason.ts";
import type { StoragePath, TraceStorage } from "../storage/types.ts";
import { readUserOptions } from "./_read.ts";
import { safeString } from "../safe_string.ts";
import { pythonJsonDumps } from "../serialize/python_json.ts";
import type { JsonValue } from "../serialize/types.ts";
import { guessMimeType } from "./mime.ts";
import { storeBytes, storeFile, TooLarge } from "./_artifact_blobs.ts";
import type { StoredBlob } from "./_artifact_blobs.ts";

/** dreadnode's artifact metadata record. */
export interface ArtifactRecord {
  /** The task that logged it. */
  readonly task_id: string;
  /** The task's span id. */
  readonly span_id: string;
  /** The artifact name (`<dir name>/<relative path>` for files of a directory). */
  readonly name: string;
  /** `sha256:<64 hex>`: the blob key. */
  readonly oid: string;
  /** Absolute local path (symbolic links followed where the runtime can), or `null` for bytes. */
  readonly path: string | null;
  /** Size in bytes. */
  readonly size: number;
  /** MIME type guessed from the path (for bytes: from the name), or `null`. */
  readonly mime_type: string | null;
  /** ISO-8601 UTC time it was logged. */
  readonly timestamp: string;
}

/** What logging a directory returns. */
export interface DirectoryArtifact {
  /** Discriminator. */
  readonly type: "directory";
  /** The directory's artifact name. */
  readonly name: string;
  /** One record per file. */
  readonly files: readonly ArtifactRecord[];
}

/** A file or directory path (needs a file system), or bytes. */
export type ArtifactSource = string | Uint8Array | ArrayBuffer | Blob;

/** Options of `logArtifact`. */
export interface LogArtifactOptions {
  /**
   * The artifact name. Default (also for `""`, as dreadnode's `name or ...`): the file or directory
   * name (of the real path, symbolic links followed), a `File`'s name, or `artifact`.
   */
  name?: string | undefined;
  /**
   * For a directory: also log the files its symbolic links lead to outside it, as dreadnode's
   * `rglob` does. Default false: a link whose real path is outside the directory's real path (a
   * `notes.txt -> ~/.aws/credentials` planted by an agent) is skipped, and the skipped links are
   * counted in one `artifact_link_outside` warning per call; links that stay inside the directory
   * are logged. A path given itself (a file, or the directory) is followed wherever it leads: it
   * was named explicitly.
   */
  followLinksOutside?: boolean | undefined;
}

/** Where an artifact is recorded. @internal */
export interface ArtifactSink {
  readonly taskId: string;
  readonly spanId: string;
  readonly runId: string;
  readonly project: string;
  readonly storage: TraceStorage | undefined;
  readonly files: LocalFiles | undefined;
  /** The task's span: an unsampled one (trace flags `00`) stores no artifact. */
  readonly span: { readonly traceFlags: number };
  /** Adds a record to the task's `dreadnode.artifacts`. */
  addArtifact(record: ArtifactRecord): void;
}

/**
 * The `artifacts.jsonl` path of a run.
 *
 * @param project The project.
 * @param runId The run id.
 * @returns Storage path segments.
 */
export function artifactsLogPath(project: string, runId: string): StoragePath {
  return ["projects", project, runId, "artifacts.jsonl"];
}

/** The last segment of a path: `\` separates segments only where the platform says so. */
function baseName(path: string, files: LocalFiles): string {
  const parts = path.split(files.pathSeparator === "\\" ? /[\\/]/ : "/").filter((p) => p !== "");
  return parts.at(-1) ?? "artifact";
}

/**
 * The path dreadnode's `Path.resolve()` gives: symbolic links followed where the local files can
 * tell, else the path as given.
 */
async function realPath(files: LocalFiles, path: string): Promise<string> {
  try {
    return (await files.realPath?.(path)) ?? path;
  } catch {
    return path;
  }
}

/**
 * A private copy of in-memory bytes, taken synchronously when `logArtifact` is called: the caller
 * may reuse its buffer as soon as the call returns, and the hash and the stored blob must both
 * come from the bytes it passed. A `Blob` is immutable, so it is read later.
 */
function snapshot(source: Exclude<ArtifactSource, string>): Uint8Array | Blob {
  if (source instanceof Uint8Array) {
    // Through a plain view: `Buffer#slice` would return a view, not a copy.
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice();
  }
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  return source;
}

async function toBytes(source: Uint8Array | Blob): Promise<Uint8Array> {
  return source instanceof Uint8Array ? source : new Uint8Array(await source.arrayBuffer());
}

function artifactRecord(
  sink: ArtifactSink,
  name: string,
  path: string | null,
  blob: StoredBlob,
): ArtifactRecord {
  return {
    task_id: sink.taskId,
    span_id: sink.spanId,
    name,
    oid: blob.oid,
    path,
    size: blob.size,
    mime_type: guessMimeType(path ?? name), // dreadnode's guess_type(str(local_path))
    timestamp: isoFromNs(Date.now() * 1e6),
  };
}

function fail(code: string, message: string, cause?: unknown): undefined {
  report("warn", code, message, cause);
  return undefined;
}

/**
 * Logs an artifact for a task. Never rejects: problems (no storage, no file system, missing
 * path, a path that is neither a regular file nor a directory (`artifact_not_regular`: a FIFO or
 * a device), a file too large for the storage adapter (`artifact_too_large`), I/O errors, a
 * path that exists but cannot be stat-ed (`artifact_unreadable`, e.g. no read permission), a
 * source that cannot be read) are reported as diagnostics and resolve to
 * `undefined`. In a directory, a file that cannot be logged (removed since it was listed,
 * unreadable, too large, a name that is not valid UTF-8) is skipped with one `artifact_failed`
 * report for the directory, and the other files are logged. Symbolic links in a directory that
 * lead outside it are skipped (`artifact_link_outside`) unless `followLinksOutside` is true; a
 * path given that is a link is followed. A name that is not a string is recorded as its string form. Bytes are copied
 * before it returns, so the caller may reuse its buffer at once.
 *
 * @param sink The task.
 * @param source A path or bytes.
 * @param options The name; whether links in a directory may lead outside it.
 * @returns The record, a directory wrapper, or undefined.
 */
export async function logArtifactTo(
  sink: ArtifactSink,
  source: ArtifactSource,
  options: LogArtifactOptions = {},
): Promise<ArtifactRecord | DirectoryArtifact | undefined> {
  const storage = sink.storage;
  if ((sink.span.traceFlags & 1) === 0) {
    // Not sampled: nothing of the task is exported or stored, artifacts included.
    reportOnce(
      "artifact_not_sampled",
      "debug",
      "not_sampled",
      "Artifact of an unsampled task not stored",
    );
    return undefined;
  }
  if (storage === undefined) {
    return fail("artifact_no_storage", "Cannot log artifact: no storage is configured");
  }
  // What the failure message names: the artifact's name, and the file it comes from.
  let what = typeof source === "string" ? safeString(source) : "(bytes)";
  try {
    const records: ArtifactRecord[] = [];
    let result: ArtifactRecord | DirectoryArtifact;
    const read = readUserOptions(options, ["name", "followLinksOutside"], "logArtifact()", {
      positional: "name",
    });
    const given = read.name;
    // dreadnode's `name or local_path.name`: an empty name falls back too.
    const chosen = given === undefined ? undefined : safeString(given) || undefined;
    if (typeof source !== "string") {
      const bytes = snapshot(source); // before the first await
      const fileName = (source as { name?: unknown }).name;
      const name = chosen ??
        (typeof fileName === "string" && fileName !== "" ? fileName : "artifact");
      what = name;
      result = artifactRecord(sink, name, null, await storeBytes(storage, await toBytes(bytes)));
      records.push(result);
    } else {
      const files = sink.files;
      if (files === undefined) {
        return fail(
          "artifact_no_fs",
          `Cannot log artifact ${source}: this runtime has no file system; pass bytes or a Blob`,
        );
      }
      const path = files.resolve(source);
      what = path;
      let info;
      try {
        info = await files.stat(path);
      } catch (error) {
        return fail(
          "artifact_unreadable",
          `Cannot log artifact: ${path} cannot be read: ${safeString(error)}`,
          error,
        );
      }
      if (info === undefined) {
        return fail("artifact_not_found", `Cannot log artifact: ${path} does not exist`);
      }
      // Recorded as dreadnode records it: at its real path, named after it. It is still read
      // through the path given, which is all a Deno read permission may cover.
      const real = await realPath(files, path);
      if (info.isDirectory) {
        const dirName = chosen ?? baseName(real, files);
        let outside = 0;
        const listed = await files.listFiles(
          path,
          read.followLinksOutside === true ? undefined : { onLinkOutside: () => void outside++ },
        );
        if (outside > 0) {
          report(
            "warn",
            "artifact_link_outside",
            `Artifact ${dirName}: ${outside} symbolic link(s) in ${path} lead outside it and were ` +
              "not logged; pass { followLinksOutside: true } to log them",
          );
        }
        // One file that cannot be stored (removed since the listing, unreadable, too large, a
        // name that is not UTF-8) is skipped: the others are still logged, as dreadnode logs
        // each file of its `rglob` on its own.
        let failed = 0;
        let firstFailure = "";
        for (const relative of listed) {
          const file = files.resolve(`${path}/${relative}`);
          const name = `${dirName}/${relative}`;
          try {
            const stored = await storeFile(storage, files, file);
            records.push(artifactRecord(sink, name, files.resolve(`${real}/${relative}`), stored));
          } catch (error) {
            if (failed++ === 0) firstFailure = `${name} (${file}): ${failureReason(error)}`;
          }
        }
        if (failed > 0) {
          report(
            "warn",
            "artifact_failed",
            `Artifact ${dirName}: ${failed} of ${listed.length} file(s) could not be logged, ` +
              `the other ${records.length} were; the first: ${firstFailure}`,
          );
          if (records.length === 0) return undefined;
        }
        result = { type: "directory", name: dirName, files: records };
      } else if (info.isFile) {
        const name = chosen ?? baseName(real, files);
        what = `${name} (${path})`;
        result = artifactRecord(sink, name, real, await storeFile(storage, files, path));
        records.push(result);
      } else {
        // A FIFO or a device: reading it may never end.
        return fail(
          "artifact_not_regular",
          `Cannot log artifact: ${path} is neither a regular file nor a directory`,
        );
      }
    }
    for (const record of records) sink.addArtifact(record);
    if (records.length > 0) {
      await storage.appendLines(
        artifactsLogPath(sink.project, sink.runId),
        records.map((r) => pythonJsonDumps(r as unknown as JsonValue)), // dreadnode's bytes
      );
    }
    return result;
  } catch (error) {
    if (error instanceof TooLarge) return fail("artifact_too_large", error.message);
    return fail("artifact_failed", `Cannot log artifact ${what}: ${failureReason(error)}`, error);
  }
}
