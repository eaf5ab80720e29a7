// Resource attributes (`resourceAttributes`, OTEL_RESOURCE_ATTRIBUTES) go through the redaction
// policy like span attributes, on the JSONL line and in the OTLP body, and the redacted resource
// is made once per resource and policy, not once per span.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  RedactingExporter,
  RedactionPolicy,
  redactSpan,
  SimpleSpanProcessor,
  Tracer,
} from "../mod.ts";
import type { Attributes, Resource, SpanRecord } from "../mod.ts";
import { MemoryExporter } from "./_support/collect.ts";
import { makeSpanRecord } from "./_support/span_records.ts";
import { exportOneSpan } from "./_support/otlp_helpers.ts";

const R = "***REDACTED***";

describe("resource redaction", () => {
  it("masks sensitive resource attributes from options and the environment", async () => {
    const env = (name: string) =>
      name === "OTEL_RESOURCE_ATTRIBUTES"
        ? "deployment.environment=prod,api_key=SECRET_ENV"
        : undefined;
    const { line, body, resource: { attributes: otlp } } = await exportOneSpan(() => {}, {
      env,
      resourceAttributes: { "db.password": "SECRET_OPT", "service.version": "1.2" },
    });
    for (const secret of ["SECRET_ENV", "SECRET_OPT"]) {
      assert.ok(!line.includes(secret), `${secret} in the JSONL line: ${line}`);
      assert.ok(!body.includes(secret), `${secret} in the OTLP body: ${body}`);
    }
    const resource = JSON.parse(line).resource;
    assert.equal(resource.api_key, R);
    assert.equal(resource["db.password"], R);
    assert.equal(resource["deployment.environment"], "prod");
    assert.equal(resource["service.version"], "1.2");
    assert.equal(otlp.find((a) => a.key === "api_key")?.value.stringValue, R);
  });

  it("redacts each resource once per policy and shares the copy between spans", async () => {
    const policy = new RedactionPolicy();
    const calls: Attributes[] = [];
    const redactAttributes = policy.redactAttributes.bind(policy);
    policy.redactAttributes = (attributes) => {
      calls.push(attributes as Attributes);
      return redactAttributes(attributes);
    };
    const inner = new MemoryExporter();
    const tracer = new Tracer({
      resource: { attributes: { token: "SECRET_RES", "service.name": "svc" } },
      processors: [new SimpleSpanProcessor(new RedactingExporter(inner, policy))],
    });
    for (let i = 0; i < 5; i++) tracer.withSpan(`s${i}`, () => {});
    await tracer.shutdown();
    assert.equal(inner.spans.length, 5);
    const first = inner.spans[0].resource;
    assert.deepEqual(first.attributes.token, R);
    assert.equal(first.attributes["service.name"], "svc");
    for (const span of inner.spans) assert.equal(span.resource, first);
    assert.equal(calls.filter((a) => a === tracer.resource.attributes).length, 1);
    // The tracer's own resource is not changed.
    assert.equal(tracer.resource.attributes.token, "SECRET_RES");

    // Another policy gets its own result for the same resource.
    const other = new MemoryExporter();
    const own = new RedactionPolicy({ keys: ["region"] });
    const twin = new Tracer({
      resource: { attributes: { token: "t", region: "eu" } },
      processors: [
        new SimpleSpanProcessor(new RedactingExporter(inner, policy)),
        new SimpleSpanProcessor(new RedactingExporter(other, own)),
      ],
    });
    twin.withSpan("both", () => {});
    await twin.shutdown();
    assert.deepEqual(inner.spans.at(-1)!.resource.attributes.token, R);
    assert.deepEqual(inner.spans.at(-1)!.resource.attributes.region, "eu");
    assert.deepEqual(other.spans[0].resource.attributes.token, "t");
    assert.deepEqual(other.spans[0].resource.attributes.region, R);
  });

  it("redacts a resource that is not frozen at every span, so a change is never missed", () => {
    const policy = new RedactionPolicy();
    // Records built by hand (a custom processor, a replay) may share a mutable resource.
    const resource = { attributes: { "service.name": "svc" } as Attributes };
    const first = redactSpan(recordWith(resource), policy);
    assert.deepEqual(first.resource.attributes, { "service.name": "svc" });
    resource.attributes.api_key = "SECRET_MUT";
    const again = redactSpan(recordWith(resource), policy);
    assert.deepEqual(again.resource.attributes, { "service.name": "svc", api_key: R });
    redactSpan(recordWith({ attributes: {} }), policy); // Another resource in between.
    resource.attributes.token = "SECRET_MUT2";
    const third = redactSpan(recordWith(resource), policy);
    assert.equal(third.resource.attributes.token, R);
    assert.ok(!JSON.stringify([again, third]).includes("SECRET_MUT"));
    // The input is not changed.
    assert.equal(resource.attributes.api_key, "SECRET_MUT");
  });

  it("passes a resource with nothing to redact through as the same object", async () => {
    const inner = new MemoryExporter();
    const tracer = new Tracer({
      resource: { attributes: { "service.name": "svc" } },
      processors: [new SimpleSpanProcessor(new RedactingExporter(inner))],
    });
    tracer.withSpan("clean", () => {});
    await tracer.shutdown();
    assert.equal(inner.spans[0].resource, tracer.resource);
  });
});

/** A finished span record with the given resource. */
function recordWith(resource: Resource): SpanRecord {
  return makeSpanRecord({ resource, scope: { name: "test" } });
}
