// The fuzz driver's worker: runs one case at a time, so a case that never ends can be stopped
// (the driver terminates this worker after its timeout and counts a hang).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { runBinary } from "./binary.js";
import { runCase } from "./harness.js";
import { runScenarioFile } from "./scenario.js";

const { dir } = workerData as { dir: string };

type Message = { kind: "policy"; bytes: Uint8Array; binary: boolean } | { kind: "scenario"; text: string; id: number } | { kind: "binary"; bytes: Uint8Array };

parentPort!.on("message", (m: Message) => {
  if (m.kind === "policy") {
    const r = runCase(m.bytes, "fuzz.conf", m.binary);
    parentPort!.postMessage({ verdict: r.verdict, ownLimit: r.ownLimit, ms: r.ms, crash: r.crash, badSpans: r.badSpans });
    return;
  }
  if (m.kind === "binary") {
    const t = performance.now();
    try {
      parentPort!.postMessage({ verdict: runBinary(m.bytes), ms: performance.now() - t, badSpans: [] });
    } catch (err) {
      parentPort!.postMessage({ verdict: "crash", ms: performance.now() - t, crash: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err), badSpans: [] });
    }
    return;
  }
  const file = join(dir, `s${m.id % 8}.json`);
  writeFileSync(file, m.text);
  const t = performance.now();
  try {
    const verdict = runScenarioFile(file);
    parentPort!.postMessage({ verdict, ms: performance.now() - t, badSpans: [] });
  } catch (err) {
    parentPort!.postMessage({ verdict: "crash", ms: performance.now() - t, crash: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err), badSpans: [] });
  }
});
