#!/usr/bin/env node
// Bundle-size budget of the default Worker path, next to OpenTelemetry JS for the same program.
//
// Each program is a Worker that creates a tracer with a batch processor and an OTLP/HTTP exporter,
// ends one span and flushes through ctx.waitUntil. esbuild bundles it the way a Worker is built
// (`--bundle --minify --format=esm --platform=browser --conditions=workerd,worker,browser`,
// `node:*` external) and the script prints min and min+gzip (zlib level 9) sizes:
//
//   tracelet core      Tracer + BatchSpanProcessor + OtlpHttpExporter (protobuf, gzip, retry,
//                      outbox) — the BUDGETED path. Issue 5's target is 8 KiB gzip; it is not met
//                      yet, so the script reports the target as NOT MET and fails only when the
//                      core grows past CEILING (a ratchet: lower it whenever the core shrinks)
//   tracelet worker    instrument() from the ./worker preset with configure({ otlp }) (adds the
//                      request lifecycle, JSONL to storage, redaction) — printed for information
//   OpenTelemetry JS   @opentelemetry/sdk-trace-base BasicTracerProvider + BatchSpanProcessor +
//                      @opentelemetry/exporter-trace-otlp-http (JSON, no gzip on this path)
//   OTel, ESM fields   the same program with `mainFields: ["browser", "module", "main"]` set. By
//                      default (as Wrangler builds) esbuild resolves a package that is require()d
//                      through its `main` field: @opentelemetry/core's browser build require()s
//                      @opentelemetry/semantic-conventions, whose CommonJS build cannot be
//                      tree-shaken (83 kB minified of its 177 kB). With the explicit list every
//                      package resolves to its ES module build. Both are shown, so the comparison
//                      holds for a tuned build too. (tracelet has no dependencies: its sizes are
//                      the same either way.)
//
// The script also fails when README.md's bundle section quotes a core size, ceiling, or core or
// Workers preset table row other than the measured ones (it said 10,848 B for a core of 11,259 B).
//
// tracelet is bundled from source with every src/ module but the presets marked side-effect free,
// exactly what the npm package's `sideEffects` list tells bundlers.
//
//   node scripts/bundle_budget.mjs            # add --json for machine-readable output

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { WORKER_BUILD } from "./worker_build.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
/** Issue 5's budget of the tracelet core path, in bytes of min+gzip (not met yet). */
const BUDGET_GZIP_BYTES = 8 * 1024;
/**
 * The ratchet: the core may not grow past this many bytes of min+gzip (measured 9763 on
 * 2026-12-05). Lower it when the core shrinks; never raise it to make room for new features.
 * It was raised twenty times, for correctness fixes only but two (sampling; the one-step attribute
 * copy, for speed):
 * - 8800 → 9050: span methods that threw on hostile input (a revoked proxy, an object without a
 *   prototype, a throwing getter), span data that could make a whole batch unencodable, and an
 *   export that rejected on an unprintable fetch error (+262 B);
 * - 9041 → 9200: a batch flush that never resolved under steady traffic, shutdown deadlines
 *   that did not reach the export, a wait for a request slot that ignored the deadline and the
 *   abort signal, a Bearer token printed in a diagnostic, a queue byte bound blind to event
 *   attributes, timer delays past 2^31 - 1 ms firing at once, span limits that NaN disabled
 *   (+159 B);
 * - 9200 → 9350: times in microseconds or beyond 2^64 ns that made a batch unexportable, a
 *   tracer flush or shutdown that never settled when one processor hung, strings in array
 *   attributes that escaped the length limit, a links option that lost the span's parent,
 *   errors from another realm recorded without type or stack, OpenTelemetry's numeric status
 *   codes taken as ERROR (+151 B; 9351, lowered to 9350 when three timed races became one);
 * - 9350 → 9462 (2026-12-04): span times that drifted from the wall clock as a process ran
 *   (`performance.timeOrigin + now()` alone: 20 ppm measured, 1.7 s a day; the clock now slews
 *   toward `Date.now()` without jumps, +118 B), and a tracer scope whose name or version was not a
 *   string making every batch unencodable (+22 B); the faster id generation of the same day had
 *   saved 29 B of it;
 * - 9462 → 9496 (2026-12-04): a review of that clock found it overshooting after an idle time
 *   (161 ms after an hour; the slew now stops when the gap is closed, +19 B), and a secret echoed
 *   in an error body leaked its start when the body was cut before it was masked (now masked whole,
 *   then cut, +15 B);
 * - 9496 → 9527 (2026-12-04): a second review found a short header value (an org id) masked inside
 *   a longer token first, leaving the rest of the token in the diagnostic, and secrets holding
 *   whitespace escaping because the body was reformatted before masking (now longest first, masked
 *   before whitespace is collapsed; the decoded error body is capped at 64 KiB again, +31 B);
 * - 9527 → 9585 (2026-12-05): an audit found a redirect from the endpoint followed (a 301 made the
 *   POST an empty GET whose 200 counted every span exported while none arrived, and a 307 took the
 *   API key to another origin; redirects are now failures), and the attribute length limit cutting
 *   an emoji in half (the lone surrogate makes a Collector reject the whole OTLP/JSON request; cuts
 *   now keep whole characters), +58 B;
 * - 9585 → 9688 (2026-12-05): sampling. A caller's traceparent with flags 00 (not sampled) was
 *   recorded and exported, where OpenTelemetry's default sampler drops it (services behind a
 *   sampling gateway exported every span, as orphan fragments): +23 B; and the `sampler` option
 *   (ratio, parent-based, rules on name and attributes, OTEL_TRACES_SAMPLER), +80 B. This one is
 *   a feature, an exception to the rule above taken on purpose: a sampling decision can only be
 *   made where spans start, so it cannot live outside the core, and a tracer for services without
 *   head sampling is not one users can run at volume.
 * - 9688 → 9753 (2026-12-05): a memory audit found the exporter reading a collector's response
 *   body whole to keep 64 KiB of it (a 512 MiB error page from a proxy took 569 MB of RSS; an
 *   endless one held the export until its attempt timed out). It now reads at most 64 KiB and
 *   cancels the rest, +81 B; the same audit's fix of the batch processor's unbounded chain of
 *   queued exports saved 16 B of it. 9753 → 9758: a review found an exportTriggerSize below
 *   maxBatchSize never starting an export without a timer (+5 B); and that a partial-success
 *   answer over 64 KiB, cut, no longer parsed (spans rejected counted as exported): the bound is
 *   now 1 MiB. 9758 → 9768: a wire-format audit found resource attributes sent unconverted (a
 *   Date, BigInt or object dropped from every request, a mixed array sent as OTLP forbids, a
 *   cyclic array making every batch fail); they are now coerced as span attributes are, +10 B.
 * - 9768 → 9766 (2026-12-05): a browser audit moved the exporter's `user-agent` out of the core
 *   (a browser preflights it and a Collector allowing only the page's origin refused every
 *   export; the factory adds it outside browsers) and made an opaque redirect a failure, -10 B.
 *   9766 → 9760: the W3C Level 2 random flag on new roots, written with fewer bytes than before.
 * - 9760 → 9763 (2026-12-05): a review found the batch processor merging an export's counts into
 *   the report object read before the export was awaited: an export overlapping a flush was
 *   counted in a report already returned, and the next flush reported 0 for spans it exported
 *   (tail sampling's shutdown lost 100 delivered spans from its report this way), +3 B.
 * - 9763 → 9898 (2026-12-05, ninth session): a network-fault audit found `shutdown(deadline)`
 *   waiting behind an export already running (a full batch's, with its own 30 s timeout): the
 *   tracer gave up a second past the deadline with an empty report, the queued spans counted
 *   nowhere; exports now get an abort signal the deadline fires (+71 B). The same audit found a
 *   negative `rejected_spans` in protobuf counting every span rejected and a protobuf error body
 *   printed as raw bytes (+8 B net, after 13 B saved nearby). A context audit found two copies of
 *   tracelet in one process (an app and a library) not seeing each other's active span, so the
 *   library's spans started new traces, and lazy thenables run outside their span (+57 B).
 *   9898 → 9971: a review of that deadline fix found spans still lost or counted nowhere (a drain
 *   started after the deadline got a live signal; an exporter ignoring the signal left the report
 *   empty and exported after its own shutdown; a user forceFlush next to a shutdown aborted it
 *   early) and another copy's Context not taken as a parent: +78 B, 25 B saved nearby (one queue
 *   helper, a shorter Context.get), net +73 B.
 *   9971 → 10017: a third review (with a randomized harness checking that every span is counted
 *   once) found a flush queued before a shutdown exporting with its own past deadline (spans
 *   dropped as `deadline` from a healthy endpoint), every forceFlush() hanging after a shutdown
 *   gave up on an export, and a parent's non-number trace flags making startSpan drop its
 *   options (+40 B, 10 B saved by dropping a flag); Context.get back to its faster two-step walk
 *   (+6 B: the shorter loop cost ~5 % of startSpan in a micro-benchmark).
 *   10017 → 10035: the fresh-clone CI found the batch processor reading the previous drain's
 *   AbortController, which workerd binds to the request that made it: in a Worker the second
 *   request's flush threw and every later flush was skipped (spans kept nowhere). Each drain now
 *   makes its own and never touches another's, and the shutdown's abort is guarded (+18 B).
 * - 10035 → 10127 (2026-12-05, tenth session): speed, issue 6's A-flat targets, an exception
 *   taken on purpose like sampling. A span's and an event's attributes are copied in one step
 *   (`{...attributes}`, then coerced in place; src/attributes.ts copyAttributes) instead of key by
 *   key, whose megamorphic keyed store per attribute was the largest cost left in a span; the
 *   attribute map is no longer frozen at `end()` (freezing cost 30-50 ns a span, and on Node 20's
 *   V8 it turns a copied map into a dictionary: 3x slower spans). A-flat went from 635 to 507 ns
 *   a span on Node (OpenTelemetry 2.x / tracelet 3.59x → 4.46x) and from 780 to 656 ns on Deno,
 *   for +102 B; 10 B came back from the merge's empty-map shortcut, which the copy replaced.
 *   10127 → 10153: a review found the copy giving up on an `undefined` value or a key past the
 *   count limit and merging from the caller's object again, so its getters and `toJSON` ran
 *   twice (an optional attribute left undefined made such spans slower than before); the merge
 *   now reads the copy, and the dropped count is read before any user code can run (+26 B).
 *   10153 → 10157: a configuration audit found `tracer.shutdown(deadline)` with a deadline
 *   already past returning an empty report while its batch processor counted the queued spans
 *   dropped a moment later (spans counted nowhere); the tracer now waits a second past the later
 *   of the deadline and now (+4 B).
 *   10157 → 10293: a processor audit found a `forceFlush()` waiting forever once a
 *   `shutdown(deadline)` gave up on an export that never settles (+42 B); one exporter's report
 *   with a string, NaN or negative count corrupting the tracer's whole report (string
 *   concatenation, other processors' spans subtracted; counts are now checked, +59 B); a report
 *   already returned by `tracer.shutdown()` changed when a processor reported late (+3 B); and
 *   the queue's byte bound blind to event names, status messages and tracestate (a 1 MiB bound
 *   held 400 MiB, +30 B).
 * - 10293 → 10300 (2026-12-05, eleventh session): a seed-parity audit found `end()` overwriting a
 *   caller's own `dreadnode.type` / `dreadnode.label` (given in `attributes` or set later) with the
 *   span's, silently; dreadnode lets the caller's win and re-sets only the tags (+7 B).
 *   10300 → 10339: a performance audit found `dropPolicy: "oldest"` costing O(queue) a span once
 *   the queue is full (`splice(0, 1)`: 90 µs a span at maxQueueSize 32768, 232 µs at 131072 on
 *   Node, during the outage that fills it); the queue now keeps a head index, compacted when a
 *   quarter is taken (+39 B). Not speed on the normal path: a host slowed a thousandfold.
 * - 10339 → 10431 (2026-12-05, twelfth session): a batch the receiver refused as too large (413,
 *   from a Collector's body limit or a proxy's, nginx's 1 MiB by default; AI spans carry prompts
 *   of 100 kB) was dropped whole as `http_413`; it is now sent again in halves, halved while
 *   refused, within the export's deadline, so only a span too large on its own is lost (+92 B,
 *   with its `export_split` warning). 10431 → 10447: a review of it found a single span refused
 *   413 parked in the outbox (a receiver refusing everything filled it with single-span entries),
 *   halves dropped as `shutdown` when `shutdown()` came during the split, and halves still gzipped
 *   after an abort (a processor's shutdown deadline overrun by 575 ms, its spans then counted
 *   twice), +16 B.
 * - 10447 → 10482 (2026-12-05, thirteenth session): a Workers audit found a span started at a
 *   Worker's module scope (a "boot" span, the preset's own `configure()` example written at the
 *   top of a module) throwing out of `startSpan`, since workerd forbids random values there: the
 *   Worker failed to start. Such ids now take Math.random bytes (+23 B). A tail-sampling audit
 *   found its shutdown handing spans to a batch queue smaller than its chunks (spans dropped as
 *   `queue_full`); the pipeline now sizes the chunks from the batch queue's bounds, whose defaults
 *   the batch processor exports for it (+12 B).
 * - 10482 → 10615 (2026-12-06, fifteenth session): an agents audit found a program importing no
 *   runtime preset (the package entry alone, or `./agents` alone, as the agents layer's own doc
 *   example does) on Node, Deno or Bun losing the active span at the first `await`: a span started
 *   after it inside `withSpan` began a new trace, and agent spans after it were not recorded, both
 *   silently. The default context manager is now AsyncLocalStorage where
 *   `process.getBuiltinModule("node:async_hooks")` offers it (+133 B). The same session made the
 *   package entry tree-shake (it bundled every layer, 42.8 kB gzip, for this very program): the
 *   program imported from `mod.ts` is now checked against this ceiling too.
 *   10615 → 10640: a TypeScript-consumer audit found `tracer.shutdown(5000)` (a timeout, as other
 *   SDKs' `shutdown(timeoutMillis)` take it) read as a deadline in 1970: every queued span was
 *   dropped at once, silently. A number below 10^12 is now a timeout in ms (+25 B).
 *   10640 → 10646 with no code change: the types-only commit that lets every optional option take
 *   `undefined` left the minified core the same length (27,268 B) but changed which short names
 *   esbuild's frequency-based renaming gives some parameters, which gzip 6 B worse.
 * - 10646 → 10658 (2026-12-06, sixteenth session): a boundedness audit found, on Node, a finished
 *   run kept in memory for as long as the process sat idle (204 MB held until the next export): the
 *   batch processor's export chain, timer and saved shutdown were made in the ending span's
 *   AsyncLocalStorage context, which Node's promise hooks attach to every promise made. They are
 *   made in the root context now (`runDetached`), also outside the flow-local stores of the agents
 *   and events layers (103 MB held through them); and an ended span queued for export no longer
 *   holds the live thrown error (2 GB for 2,048 queued spans whose errors held 1 MiB). Net +12 B:
 *   the plain exception data and the API pass's renames saved 5 B, the detach +17 B (10658 B; the
 *   same program imported from `mod.ts`, the same 27,375 B minified, gzips to 10661 B after
 *   esbuild's renaming).
 * - 10661 → 10677 (2026-12-06, seventeenth session): with an outbox, a collector that was down
 *   made every batch wait its retries (~7 s with the defaults) before it was parked, so the batch
 *   queue overflowed: at a steady 300 spans/s to a closed port, 2,868 of 5,940 spans were dropped as
 *   `queue_full` while the outbox had room for all. Once a batch is parked, the next ones get one
 *   attempt each until one is delivered (the outbox retries them with its own backoff): none
 *   dropped (+15 B core, 10673 B; 10677 B through `mod.ts`).
 * - 10677 → 10765 (2026-12-06, eighteenth session): a collector that takes connections and never
 *   answers held every batch for the whole export timeout (10 s) before it was parked, so at a
 *   steady 300 spans/s 71 % of the spans were dropped as `queue_full` while the outbox had room.
 *   After such a timeout the next batches are parked without an attempt (and the outbox is not
 *   drained, by `forceFlush` either) for the timeout, doubled at each timeout after it up to a
 *   minute: 13 % dropped over 60 s, less the longer the outage (+65 B). A batch parked in the
 *   outbox was reported as `export_failed: … not delivered`, as if lost; it is `export_parked: …
 *   parked for redelivery` (+24 B). 10761 B core, 10766 B through `mod.ts`.
 * - 10766 → 10782 (2026-12-06, eighteenth session): a string cut to a limit (an attribute value
 *   past `attributeValueLengthLimit`) was a slice, which V8 and JavaScriptCore keep as a view of the
 *   whole string: 40 values cut to 1,000 characters from 2 MB texts held ~90 MB in the export queue,
 *   whose byte bound counts the 1,000. A cut is a copy now (`copyOf`, +20 B): 10781 B core,
 *   10782 B through `mod.ts`.
 * - 10782 → 10799 (2026-12-06, eighteenth session): a receiver answering 429/503 with
 *   `Retry-After` got a request from every next batch meanwhile (each answered 429 and parked); the
 *   next batches are now held for it (at most a minute), as OTLP asks clients to honour it (+17 B):
 *   10799 B core, 10798 B through `mod.ts`.
 * - 10799 → 10851 (2026-12-06, eighteenth session): a review of that hold found a caller's tight
 *   flush deadline (a healthy receiver cut short) or a deadline already past starting a hold,
 *   exports timing out together doubling it once each (6 at once: 9.6 s), a plain failure finishing
 *   later cutting a running hold short, and an outbox redelivery not starting the doubling over. The
 *   hold now starts only for a request unanswered for a quarter of an attempt's time (a drain that
 *   hung first leaves the batch half), doubles once per round, is only ever extended, and any
 *   delivery resets it; a cut copy that JSON cannot escape (over the engine's longest string) falls
 *   back to the slice (+52 B): 10848 B core, 10851 B via `mod.ts`.
 * - 10851 → 10884 (2026-12-06, nineteenth session): an in-memory outbox's batches end with the
 *   process, yet the shutdown's flush left a batch backing off (not due) and, during a hold, every
 *   parked batch where they were: lost at exit even with the collector answering again. A
 *   processor's shutdown flushes the exporter with `closing`, and the exporter then tries every
 *   batch of a volatile outbox, due or held or not (+33 B): 10881 B core.
 * - 10884 → 10985 (2026-12-06, nineteenth session): after a hold for a hung collector, the next
 *   batch was the probe and held the batch queue up for the whole timeout again (12 % of the spans
 *   dropped at a steady 300 spans/s over 60 s). An empty request probes in the background now
 *   while batches stay parked, and any answer ends the hold: 5 % dropped, all during the first
 *   timeout (+101 B): 10982 B core, 10985 B via `mod.ts`.
 * - 10985 → 11257 (2026-12-06, nineteenth session): a program that only awaits (a loop of tasks
 *   that never waits on I/O) gave the local log's export no chance to finish, and the full batch
 *   queue dropped 2,441 of 5,000 spans, the run's root among them; an exporter that writes at once
 *   (`exportSync`) now takes a full queue (+69 B). From user trials: an invalid `traceId`/`spanId`
 *   option or remote parent was ignored without a word (now `invalid_span_options` /
 *   `invalid_link`), and `new Tracer({ processors: [null] })` threw a raw TypeError at the first
 *   span (now `TracerError` `INVALID_CONFIG` at once; the error class was not in the core before)
 *   (+193 B): 11244 B core, 11257 B via `mod.ts`.
 * - 11257 → 11272 (2026-12-06, nineteenth session): a review found the background probe could
 *   hold a request slot for good on Workers (an invocation that ended leaves its fetch unsettled):
 *   the probe takes none now, and its abort at shutdown cannot throw (+15 B): 11259 B core,
 *   11272 B via `mod.ts`.
 * - 11272 → 11325 (2026-12-06, twentieth session): an OpenTelemetry conformance audit found
 *   attributes with an empty key exported (an OTLP `KeyValue` with key "", where the specification
 *   says "The attribute key MUST be a non-null and non-empty string" and OpenTelemetry JS drops
 *   them): dropped now, and reported once as `invalid_attribute_key` (+57 B; 408 no longer retried,
 *   the specification's list, -4 B): 11314 B core, 11325 B via `mod.ts`.
 * - 11325 → 11353 (2026-12-06, twentieth session): a red-team trial found a custom `fetch` that
 *   ignores its abort signal (a wrapper that drops it) able to stop all export: the exporter's
 *   time limits worked only through that signal, so a request the collector never answered held
 *   its slot for good (every later batch dropped as `queue_full`) and `shutdown(deadline)` never
 *   returned. Each attempt now races the fetch and its body against its own stop signal (+30 B):
 *   11344 B core, 11353 B via `mod.ts`.
 * - 11353 → 11396 (2026-12-06, twentieth session): the same trial found an API key leaking into
 *   diagnostics when a server echoed it encoded: a base64 key holding `/`, `+` or `=` came back
 *   JSON-escaped with `\/` (PHP's default) or percent-encoded and was masked only verbatim. Both
 *   forms are masked now, in the OTLP exporter's and the agents backend's diagnostics (+43 B):
 *   11387 B core, 11396 B via `mod.ts`.
 * - 11396 → 11477 (2026-12-06, twentieth session): the same trial blocked the event loop through
 *   span methods: tags were unbounded and de-duplicated in quadratic time (60,000 tags in one
 *   option: 5 s; a task span then dropped whole as `queue_full`) — at most 256 now, the rest
 *   dropped and reported once (+54 B); and an array attribute cost its length, not its contents
 *   (a one-element sparse array of length 2^25: 12.6 s and 1.1 GB in `setAttribute`) — arrays,
 *   nested ones too, keep their first 65,536 elements (+28 B): 11469 B core, 11477 B via `mod.ts`.
 * - 11477 → 11530 (2026-12-06, twentieth session): an operator's trial found `queue_full`
 *   reported once per process (a service's second outage lost 1,909 requests' spans without a
 *   word): now at most once a minute per processor, with the count since the last report; and a
 *   failing batch retried six times over ~10 s before the outbox took it, so at 600 spans/s to a
 *   closed port the queue dropped 1,820 of 11,940 spans: with an outbox the first batch gets two
 *   attempts (none dropped) (+58 B): 11527 B core, 11530 B via `mod.ts`.
 * - 11530 → 11543 (2026-12-06, twentieth session): the percent-encoded form of a secret made
 *   `maskSecrets` throw on a lone surrogate (`encodeURIComponent`'s URIError, from a diagnostic):
 *   a secret holding one is masked as given (+12 B): 11539 B core, 11543 B via `mod.ts`.
 * - 11543 → 11576 (2026-12-06, twentieth session): the review of the session's diff found one
 *   array shared many times multiplying the JSON-encoding work of an attribute (1,024 references
 *   to a sparse array: 10.5 s, a V8 crash at 4,096; a value shared down a chain: 2^40 paths) — a
 *   JSON-encoded value writes at most 65,536 values now; and a response body that never ends kept
 *   its connection open when the fetch ignored its signal — cancelled at the attempt's end
 *   (+25 B): 11564 B core, 11576 B via `mod.ts`.
 * - 11576 → 11592 (2026-12-06, twentieth session): the same review found the rest of an outage's
 *   `queue_full` drops told only with the next outage's first drop (an hour later in its trial);
 *   a drain's end now reports them too, a minute after the outage's first report (+5 B core,
 *   11569 B; 11592 B via `mod.ts`, whose minified names esbuild assigns differently).
 * - 11592 → 11595 (2026-12-06, twentieth session), a refactor, not a feature: the span size
 *   estimate, which four modules use, moved out of `batch.ts` into `span_bytes.ts` (one concept per
 *   file). The minified core is the same 29,920 B; the changed module order gzips 2 B smaller for
 *   the core program and 3 B larger through `mod.ts`: 11567 B core, 11595 B via `mod.ts`.
 * - 11595 → 11654 (2026-12-06, twenty-first session), OTLP conformance: `Span.flags` and
 *   `Link.flags` carry bits 8 and 9 (`CONTEXT_HAS_IS_REMOTE`, `CONTEXT_IS_REMOTE`, OTLP 1.1, as
 *   OpenTelemetry JS 2.x writes them): a backend could not tell a service's entry span (its parent
 *   from a `traceparent` header) without assembling the trace, and a link lost its trace flags
 *   (+66 B): 11633 B core, 11654 B via `mod.ts`.
 * - 11654 → 12142 (2026-12-06, twenty-first session): a typed-API trial's setup mistakes that lost
 *   every span silently now fail where they are made (+403 B, with the review's mends: a relative
 *   endpoint where `fetch` resolves one, an object with both a hook and an `export` still a
 *   processor): an exporter passed where a
 *   processor goes (`processors: [otlpExporter]` compiled, and nothing was ever exported), a
 *   processor without an exporter, an `OtlpHttpExporter` endpoint that is no http(s) URL or holds
 *   a password (each export retried a parse error until its deadline; the URL check moved into
 *   the exporter, one implementation), a sampler that is no function (an OpenTelemetry `Sampler`
 *   object); OpenTelemetry's numeric `SpanKind` (it became INTERNAL, silently) (+57 B); a task's
 *   tags counted against the attribute limit (a 129th attribute) (+5 B); a second copy of tracelet
 *   calling `configure()` dropped the active span of every request in flight (+25 B); a Map with
 *   keys that are no strings lost entries in an attribute (+23 B): 12123 B core, 12142 B via
 *   `mod.ts`.
 * - 12142 → 12169 (2026-12-07, twenty-fourth session), durability: the OTLP outbox parked each
 *   batch uncompressed and gzipped it again at every redelivery, so during an outage its 8 MiB
 *   bound held about 15× fewer spans than it could (a soak lost 6,684 spans as `outbox_full` that
 *   the gzip would have kept). A batch is now gzipped once, before it is sent, and parked as that
 *   gzip, marked in its content type (+18 B core after a shorter `gzip_failed` message; +28 B
 *   through `mod.ts`, whose module order gzips worse): 12137 B core, 12169 B via `mod.ts`.
 * - 12169 → 12235 (2026-12-07, twenty-fifth session), span methods that never returned: tag and link
 *   lists were read to their end although 256 tags and 128 links are kept, so `setTags(new
 *   Array(1e8))` took 16 s, 100,000 undefined links 2.7 s, and an endless iterable of repeated tags
 *   never returned (a security trial). Reading stops past 4,096 repeated or empty tags and past four
 *   times the link limit plus 16 (the rest of an array counted as dropped links) (+68 B): 12205 B
 *   core, 12235 B via `mod.ts`.
 * - 12235 → 12237 (2026-12-07, twenty-sixth session), an outbox that never answers held every
 *   export: a Durable Object outbox that hung kept a healthy collector from getting any span (no
 *   flush report after 45 s), and one answering in 15 s pushed the flush past Workers' 30 s
 *   `waitUntil` limit (a Workers user trial). The exporter now hands its deadline to the outbox's
 *   write of a parked batch (+2 B): 12207 B core, 12237 B via `mod.ts`.
 * - 12237 → 12265 (2026-12-07, twenty-seventh session), thrown data lost its fields: `throw { code:
 *   42 }` (or a rejected promise with a response object) through `withSpan` was recorded as
 *   `[object Object]` of type `object`. `recordException` now records such an object by its class
 *   and JSON (+30 B): 12237 B core, 12265 B via `mod.ts`.
 * - 12265 → 12268 (same session), `Retry-After: 0` (or a past date) turned the retry backoff off:
 *   a collector answering it while restarting got six attempts within a second and the batch was
 *   dropped (an OTLP operator trial). Retry-After is now the least delay (+3 B): 12240 B core,
 *   12268 B via `mod.ts`.
 * - 12268 → 12298 (same session), a key in the endpoint's query string (`?api_key=…`) was shown
 *   in clear in export diagnostics when a collector or proxy echoed the request URL (same trial):
 *   the exporter masks the endpoint's query values as it masks header values (+34 B): 12274 B
 *   core, 12298 B via `mod.ts`.
 * - 12298 → 12312 (same session), a run whose error was left uncaught lost every span of the
 *   process: no flush runs when a process ends by an uncaught error, an unhandled rejection or
 *   `process.exit()`, and the spans queued for the local files died with it (a distributed-task
 *   user trial). The batch processor can now write its queue synchronously through an exporter's
 *   `exportSync` (`exportQueuedSync`, +14 B), which the Node and Deno presets call as the process
 *   ends: 12288 B core, 12312 B via `mod.ts`.
 * - 12312 → 12321 (2026-12-07), large spans were dropped while the receiver took everything: the
 *   batch processor exported at a full batch (512 spans) or its timer (5 s), never on bytes, so
 *   spans of 64 KiB (long prompts) filled the 16 MiB byte bound at 256 and half of them were
 *   dropped at 100/s (a host-impact trial). Half the byte bound queued now exports what is queued
 *   (+14 B): 12302 B core, 12321 B via `mod.ts`.
 * - 12321 → 12360 (same session), `setAttribute` with a 2 MB byte buffer blocked the program for
 *   0.9–3.8 s, a Map of 200,000 entries for up to 0.6 s (a host-impact trial): JSON encoding
 *   visited every index of a typed array past the 65,536-value bound and expanded Maps and Sets
 *   whole before cutting. They are read only as far as the bound now (+43 B): 12345 B core,
 *   12360 B via `mod.ts`.
 */
const CEILING_GZIP_BYTES = 12360;

const src = (path) => JSON.stringify(join(ROOT, path));

/** The core Worker's body: a tracer, a batch processor, an OTLP exporter, one span, a flush. */
const CORE_WORKER = `export default {
  async fetch(_request, env, ctx) {
    const exporter = new OtlpHttpExporter({ endpoint: env.OTLP_ENDPOINT });
    const tracer = new Tracer({
      serviceName: "budget",
      processors: [new BatchSpanProcessor(exporter, { timers: false })],
    });
    tracer.startSpan("work").end();
    ctx.waitUntil(tracer.forceFlush());
    return new Response("ok");
  },
};
`;

/** The OpenTelemetry JS Worker, measured with esbuild's default main fields and with ESM ones. */
const OTEL_PROGRAM =
  `import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
export default {
  async fetch(_request, env, ctx) {
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: env.OTLP_ENDPOINT }))],
    });
    provider.getTracer("budget").startSpan("work").end();
    ctx.waitUntil(provider.forceFlush());
    return new Response("ok");
  },
};
`;

const PROGRAMS = [
  {
    name: "tracelet core",
    budget: BUDGET_GZIP_BYTES,
    ceiling: CEILING_GZIP_BYTES,
    source: `import { BatchSpanProcessor } from ${src("src/processor/batch.ts")};
import { Tracer } from ${src("src/tracer.ts")};
import { OtlpHttpExporter } from ${src("src/exporter/otlp_http.ts")};
${CORE_WORKER}`,
  },
  {
    // The same program importing from the package entry, as npm and JSR users write it: the
    // entry must tree-shake to the core (it bundled every layer, 42.8 kB gzip, while a module
    // imported at the entry registered the portable defaults at import).
    name: "core via mod.ts",
    ceiling: CEILING_GZIP_BYTES,
    source: `import { BatchSpanProcessor, OtlpHttpExporter, Tracer } from ${src("mod.ts")};
${CORE_WORKER}`,
  },
  {
    name: "tracelet worker",
    source: `import { instrument } from ${src("src/runtime/worker.ts")};
export default instrument({ fetch: () => new Response("ok") }, {
  configure: (env) => ({ serviceName: "budget", otlp: { endpoint: env.OTLP_ENDPOINT } }),
});
`,
  },
  {
    name: "OpenTelemetry JS",
    source: OTEL_PROGRAM,
  },
  {
    name: "OTel, ESM fields",
    build: { mainFields: ["browser", "module", "main"] },
    source: OTEL_PROGRAM,
  },
];

/** The modules with an effect at import (scripts/side_effect_modules.json: the presets and the modules importing them), as in the npm package's `sideEffects`. */
const SIDE_EFFECT_MODULES = JSON.parse(
  readFileSync(join(ROOT, "scripts", "side_effect_modules.json"), "utf8"),
).map((module) => join(ROOT, module));

/** Marks tracelet's other source modules side-effect free (as the npm package does). */
const sideEffectFree = {
  name: "tracelet-side-effect-free",
  setup(build) {
    const srcDir = join(ROOT, "src") + "/";
    build.onResolve({ filter: /\.ts$/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      const path = resolve(args.resolveDir, args.path);
      if (!path.startsWith(srcDir) || SIDE_EFFECT_MODULES.includes(path)) return undefined;
      return { path, sideEffects: false };
    });
  },
};

async function measure(program, dir) {
  const entry = join(dir, `${program.name.replace(/\W+/g, "_")}.mjs`);
  writeFileSync(entry, program.source);
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    nodePaths: [join(ROOT, "node_modules")],
    ...WORKER_BUILD,
    minify: true,
    write: false,
    metafile: true,
    external: ["node:*"],
    plugins: [sideEffectFree],
    ...program.build,
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  const top = Object.entries(inputs)
    .map(([path, info]) => [path.replace(/^.*?(src\/|node_modules\/)/, "$1"), info.bytesInOutput])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8);
  return {
    name: program.name,
    min: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    budget: program.budget,
    ceiling: program.ceiling,
    top,
  };
}

/** Sizes in KiB (1024 bytes), as the README's bundle table gives them. */
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "tracelet-budget-"));
  let results;
  try {
    results = [];
    for (const program of PROGRAMS) results.push(await measure(program, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    console.log("program            min        min+gzip   target");
    for (const r of results) {
      const budget = r.budget === undefined
        ? "-"
        : `${kb(r.budget)} ${r.gzip <= r.budget ? "met" : "NOT MET"}`;
      console.log(
        `${r.name.padEnd(18)} ${kb(r.min).padEnd(10)} ${kb(r.gzip).padEnd(10)} ${budget}`,
      );
    }
    const core = results[0];
    const otel = results.find((r) => r.name === "OpenTelemetry JS");
    const otelEsm = results.find((r) => r.name === "OTel, ESM fields");
    console.log(
      `\n${core.name} is ${(otel.gzip / core.gzip).toFixed(1)}x smaller than ${otel.name} ` +
        `(min+gzip; ${(otelEsm.gzip / core.gzip).toFixed(1)}x with ESM main fields)`,
    );
    console.log(`largest modules of ${core.name} (minified bytes):`);
    for (const [path, bytes] of core.top) console.log(`  ${String(bytes).padStart(6)}  ${path}`);
  }
  // With --json, stdout carries only the JSON; the verdict lines go to stderr.
  const say = process.argv.includes("--json") ? console.error : console.log;
  let grew = false;
  for (const r of results.filter((r) => r.ceiling !== undefined)) {
    if (r.budget !== undefined) {
      say(
        r.gzip <= r.budget
          ? `target: met, ${r.name} is ${r.gzip} B min+gzip, within ${r.budget} B`
          : `target: NOT MET, ${r.name} is ${r.gzip} B min+gzip, ${r.gzip - r.budget} B above ` +
            `the ${r.budget} B target (issue 5 stays open)`,
      );
    }
    if (r.gzip > r.ceiling) {
      grew = true;
      say(`ratchet: FAILED, ${r.name} grew past its ${r.ceiling} B ceiling`);
    } else say(`ratchet: ok, ${r.name} is within its ${r.ceiling} B ceiling`);
  }
  const stale = readmeDisagreements(
    results[0],
    results.find((r) => r.name === "core via mod.ts"),
    results.find((r) => r.name === "tracelet worker"),
    results.find((r) => r.name === "OpenTelemetry JS"),
    results.find((r) => r.name === "OTel, ESM fields"),
  );
  for (const line of stale) say(`README: STALE, ${line}`);
  if (stale.length === 0) say("README: ok, it quotes the core's size and ceiling as measured");
  return grew || stale.length > 0 ? 1 : 0;
}

/**
 * What README.md's bundle section says about the core that this run did not measure: the
 * "not met (N B)" size, the "ratchet ceiling (N B)", the core's size in the introduction and
 * through the package root, the core's size ratios to OpenTelemetry JS's, and the min and
 * min+gzip in kB of the core's and the Workers preset's rows. A change that moves a size must update the manual in the same
 * commit.
 */
function readmeDisagreements(core, viaMod, worker, otel, otelEsm) {
  const ratio = (peer) => (peer.gzip / core.gzip).toFixed(1);
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const bytes = (n) => `${n.toLocaleString("en-US")} B`;
  const quoted = [
    [/it is not met \(([\d,]+ B)\)/, bytes(core.gzip), "core size"],
    [/ratchet ceiling \(([\d,]+ B)\)/, bytes(core.ceiling), "ratchet ceiling"],
    [/\| tracelet core: [^|]*\| *([\d.]+ KiB) *\|/, kb(core.min), "core row, min"],
    [/\| tracelet core: [^|]*\|[^|]*\| *([\d.]+ KiB) *\|/, kb(core.gzip), "core row, min+gzip"],
    [/core Worker path bundles to\s+([\d.]+ KiB)/, kb(core.gzip), "the introduction's core size"],
    [/gzip: ([\d.]+)× smaller than OpenTelemetry JS/, ratio(otel), "the introduction's ratio"],
    [/Wrangler bundles it, ([\d.]+)× against/, ratio(otelEsm), "the introduction's ESM ratio"],
    [/The tracelet core is ([\d.]+)× smaller/, ratio(otel), "the bundle section's ratio"],
    [/and ([\d.]+)× smaller than a build tuned/, ratio(otelEsm), "the bundle section's ESM ratio"],
    [/the same\s+([\d.]+ KiB)\s+gzip\s+imported/, kb(viaMod.gzip), "the package root's core size"],
    [/\| tracelet Workers preset: [^|]*\| *([\d.]+ KiB) *\|/, kb(worker.min), "Workers row, min"],
    [
      /\| tracelet Workers preset: [^|]*\|[^|]*\| *([\d.]+ KiB) *\|/,
      kb(worker.gzip),
      "Workers row, min+gzip",
    ],
  ];
  const stale = [];
  for (const [pattern, measured, what] of quoted) {
    const found = readme.match(pattern)?.[1];
    if (found !== measured) {
      stale.push(`${what}: README says ${found ?? "nothing"}, measured ${measured}`);
    }
  }
  return stale;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`budget: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
