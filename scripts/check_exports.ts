#!/usr/bin/env node
/**
 * Fails (exit 1) when the export maps of `deno.json` (JSR) and `npm/package.json` (the npm build)
 * disagree: every `deno.json` subpath must exist on npm as `{ types, default }` pointing at the
 * compiled form of the same source file, both files must exist, npm may have no other subpath
 * except `./auto`, and `./auto` must list its conditions in the required order (`types` first,
 * `default` last, `deno` before `node`, `bun` before `node`); and when a relative link of the
 * README points at a file neither package carries. Run after `scripts/build_npm.ts`.
 *
 * Run: `node --import tsx scripts/check_exports.ts` (or `deno run -A scripts/check_exports.ts`).
 *
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { AUTO_CONDITIONS, builtPath } from "./build_npm.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

type NpmExports = Record<string, Record<string, string> | string>;

/**
 * Compares the two export maps.
 *
 * @param deno The `deno.json` exports.
 * @param npm The `npm/package.json` exports.
 * @param exists Tells whether a path inside the npm package exists.
 * @returns One message per disagreement (empty when they agree).
 */
export function compareExports(
  deno: Record<string, string>,
  npm: NpmExports,
  exists: (path: string) => boolean,
): string[] {
  const problems: string[] = [];
  for (const [subpath, source] of Object.entries(deno)) {
    const target = npm[subpath];
    if (target === undefined) {
      problems.push(`${subpath}: in deno.json, missing from npm/package.json`);
      continue;
    }
    if (typeof target !== "object") {
      problems.push(
        `${subpath}: npm export must be { types, default }, got ${JSON.stringify(target)}`,
      );
      continue;
    }
    const expected = { types: builtPath(source, "d.ts"), default: builtPath(source, "js") };
    if (JSON.stringify(Object.keys(target)) !== JSON.stringify(["types", "default"])) {
      problems.push(`${subpath}: npm conditions must be exactly [types, default] in that order`);
    }
    for (const [condition, path] of Object.entries(expected)) {
      if (target[condition] !== path) {
        problems.push(
          `${subpath}: npm "${condition}" is ${
            target[condition]
          }, expected ${path} (from ${source})`,
        );
      } else if (!exists(path)) {
        problems.push(`${subpath}: ${path} does not exist in npm/`);
      }
    }
  }
  for (const subpath of Object.keys(npm)) {
    if (subpath !== "./auto" && !(subpath in deno)) {
      problems.push(`${subpath}: in npm/package.json, missing from deno.json`);
    }
  }
  const auto = npm["./auto"];
  if (typeof auto !== "object") {
    problems.push("./auto: missing from npm/package.json");
  } else {
    const order = Object.keys(auto);
    const wanted = AUTO_CONDITIONS.map(([condition]) => condition);
    if (JSON.stringify(order) !== JSON.stringify(wanted)) {
      problems.push(`./auto: conditions are [${order}], expected [${wanted}]`);
    }
    for (const [condition, path] of Object.entries(auto)) {
      if (!exists(path)) problems.push(`./auto: "${condition}" → ${path} does not exist in npm/`);
    }
  }
  return problems;
}

/**
 * The README's relative links (`[text](path)`, anchors and URLs left out) whose file the npm
 * package or the JSR publish list would not carry: such a link is broken on npmjs.com and jsr.io.
 *
 * @param readme The README's text.
 * @param inNpm Tells whether a path exists in the npm package.
 * @param include deno.json's `publish.include`.
 * @returns One message per broken link.
 */
export function unpublishedLinks(
  readme: string,
  inNpm: (path: string) => boolean,
  include: readonly string[],
): string[] {
  const problems: string[] = [];
  const published = (path: string) =>
    include.some((pattern) =>
      pattern === path ||
      (pattern.endsWith("/*.md") && path.startsWith(pattern.slice(0, -4)) &&
        path.endsWith(".md") && !path.slice(pattern.length - 4).includes("/"))
    );
  for (const [, target] of readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const path = target.replace(/^\.\//, "");
    if (!inNpm(path)) problems.push(`README link ${target}: not in the npm package`);
    if (!published(path)) problems.push(`README link ${target}: not in deno.json publish.include`);
  }
  return problems;
}

function main(): number {
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as {
    exports: Record<string, string>;
    publish?: { include?: string[] };
  };
  const pkgPath = join(ROOT, "npm", "package.json");
  if (!existsSync(pkgPath)) {
    console.error("check_exports: npm/package.json is missing; run scripts/build_npm.ts first");
    return 1;
  }
  const npm = JSON.parse(readFileSync(pkgPath, "utf8")) as { exports: NpmExports };
  const problems = compareExports(
    deno.exports,
    npm.exports,
    (p) => existsSync(join(ROOT, "npm", p)),
  );
  problems.push(
    ...unpublishedLinks(
      readFileSync(join(ROOT, "README.md"), "utf8"),
      (p) => existsSync(join(ROOT, "npm", p)),
      deno.publish?.include ?? [],
    ),
  );
  for (const [subpath, source] of Object.entries(deno.exports)) {
    if (!existsSync(join(ROOT, source))) {
      problems.push(`${subpath}: deno.json source ${source} does not exist`);
    }
  }
  if (problems.length > 0) {
    console.error(
      `check_exports: deno.json and npm/package.json disagree:\n  ${problems.join("\n  ")}`,
    );
    return 1;
  }
  console.log(
    `check_exports: ${
      Object.keys(deno.exports).length
    } deno.json exports match npm/package.json (+ ./auto)`,
  );
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(main());
}
