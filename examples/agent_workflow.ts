/**
 * A traced example agent workflow: a small "research agent" answers a question by planning,
 * calling a (fake) search tool and a (fake) model, scoring its answer, and saving a report as an
 * artifact. It uses the dreadnode-style task API and the OpenAI Agents-style span API together;
 * everything goes through one tracelet pipeline into local JSONL files.
 *
 * Run: `npm run demo` (Node) or `deno run -A examples/agent_workflow.ts` (Deno).
 *
 * @module
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { agentSpan, functionSpan, generationSpan, trace } from "../src/agents/mod.ts";
import {
  configure,
  logArtifact,
  logInput,
  logMetric,
  logOutput,
  logParam,
  run,
  task,
  taskSpan,
} from "../src/runtime/node.ts";

// Where the files go: TRACELET_HOME, else ./.tracelet. As configure() reads it, the value is
// trimmed and a blank one (`TRACELET_HOME= npm run demo`) counts as unset.
const storageRoot = process.env.TRACELET_HOME?.trim() || join(process.cwd(), ".tracelet");
const tracing = configure({ storageRoot, project: "demo", serviceName: "research-agent" });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake search tool: returns canned snippets after a short delay. */
const search = task(async (query: string): Promise<string[]> => {
  await sleep(15);
  return [`${query}: tracelet runs on Deno, Node, Bun and Workers`, `${query}: zero dependencies`];
}, { name: "search", tags: ["tool"] });

/** A fake model call traced as an OpenAI Agents-style generation span. */
async function callModel(prompt: string): Promise<string> {
  const span = generationSpan({
    model: "demo-model-1",
    input: [{ role: "user", content: prompt }],
  }).start(true);
  try {
    await sleep(25);
    const answer = `Answer based on ${prompt.split("\n").length} lines of context.`;
    span.spanData.output = [{ role: "assistant", content: answer }];
    span.spanData.usage = { input_tokens: prompt.length, output_tokens: answer.length };
    return answer;
  } finally {
    span.finish(true);
  }
}

const question = "Why is tracelet portable?";
const runId = await run("research", { params: { question, max_sources: 2 } }, async (root) => {
  logParam("api_key", "sk-demo-never-written"); // redacted before it reaches any file
  const answer = await trace("research-agent").run(() =>
    agentSpan("researcher", { tools: ["search"] }).run(async () => {
      const plan = await taskSpan("plan", () => {
        logInput("question", question);
        const steps = ["search the docs", "summarise"];
        logOutput("steps", steps);
        return steps;
      });
      const snippets = await functionSpan("search", { input: { query: question } }).run(() =>
        search(question)
      );
      const result = await callModel([question, ...plan, ...snippets].join("\n"));
      logMetric("sources", snippets.length);
      return result;
    })
  );
  logOutput("answer", answer);
  logMetric("quality", answer.length > 10 ? 1 : 0);
  await logArtifact(new TextEncoder().encode(`# Report\n\n${answer}\n`), { name: "report.md" });
  return root.runId;
});

await tracing.shutdown();

async function listFiles(directory: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const full = join(directory, entry.name);
    if (entry.isDirectory()) out.push(...await listFiles(full));
    else if (entry.name.endsWith(".jsonl")) out.push(full);
  }
  return out;
}

const runDir = join(storageRoot, "projects", "demo", runId);
console.log(`tracelet demo: run ${runId} finished.`);
for (const file of await listFiles(runDir)) {
  const { size } = await stat(file);
  console.log(`  wrote ${relative(process.cwd(), file)} (${size} bytes)`);
}
console.log(
  `Analyze it with: npm run analyze -- --trace-dir ${
    relative(process.cwd(), runDir)
  } --glob '*.jsonl'`,
);
