/**
 * MIME types guessed from a file name's extension (a small table of the types agents and ML
 * pipelines produce most often), like Python's `mimetypes.guess_type`.
 *
 * @module
 */
import { safeString } from "../safe_string.ts";

const TYPES: Readonly<Record<string, string>> = {
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  html: "text/html",
  htm: "text/html",
  css: "text/css",
  xml: "application/xml",
  js: "text/javascript",
  mjs: "text/javascript",
  ts: "text/x-typescript",
  py: "text/x-python",
  json: "application/json",
  jsonl: "application/jsonl",
  ndjson: "application/x-ndjson",
  yaml: "application/yaml",
  yml: "application/yaml",
  toml: "application/toml",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  tar: "application/x-tar",
  bin: "application/octet-stream",
  pt: "application/octet-stream",
  pth: "application/octet-stream",
  ckpt: "application/octet-stream",
  safetensors: "application/octet-stream",
  onnx: "application/octet-stream",
  npy: "application/octet-stream",
  parquet: "application/vnd.apache.parquet",
  wasm: "application/wasm",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  ico: "image/vnd.microsoft.icon",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  ogg: "audio/ogg",
  mp4: "video/mp4",
  webm: "video/webm",
};

/**
 * Guesses a MIME type from a file name.
 *
 * @param name A file name or path (`/` or `\` separated).
 * @returns The MIME type, or `null` when the extension is unknown (dreadnode records `null` too).
 * @example
 * ```ts
 * import { guessMimeType } from "@tracelet/tracelet";
 * console.log(guessMimeType("results/scores.csv")); // "text/csv"
 * ```
 */
export function guessMimeType(name: string): string | null {
  const base = safeString(name).split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  if (dot <= 0 || dot === base.length - 1) return null;
  return TYPES[base.slice(dot + 1).toLowerCase()] ?? null;
}
