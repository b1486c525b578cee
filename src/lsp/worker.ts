// The analysis worker of `xsm lsp` (node:worker_threads): compiles one version of a unit at a time
// and posts the model back, so the server's thread answers requests while the compiler runs (a
// 6 MB policy takes seconds). The server cancels a stale version by terminating this worker.
import { parentPort } from "node:worker_threads";
import { runJob, transferables, type Job } from "./job.js";

parentPort!.on("message", (job: Job) => {
  try {
    const model = runJob(job);
    parentPort!.postMessage({ model }, transferables(model));
  } catch (err) {
    parentPort!.postMessage({
      failed: err instanceof Error ? (err.stack ?? err.message) : String(err),
      unit: job.unit,
      version: job.version,
    });
  }
});
