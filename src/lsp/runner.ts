// Runs analysis jobs off the server's thread: one worker per unit, one job at a time. A newer
// version cancels the job still running for its unit by terminating that worker (the compiler has
// no yield points, so stopping the thread is the only way to stop it), and the cancelled job
// resolves to undefined. Where no worker can start, jobs run in this thread (then a stale result is
// only dropped, by the server's version check).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { runJob, type Job } from "./job.js";
import { zero, type Model } from "./model.js";

export type RunnerEvent = {
  event: "start" | "cancel" | "done" | "fallback";
  unit: string;
  version: number;
  detail?: string;
};

interface Running {
  job: Job;
  worker?: Worker;
  settle: (m: Model | undefined) => void;
}

/** The worker's entry: beside this module (tsc's dist/lsp), the bundle's own entry next to the
 *  chunk holding this code (dist/bin/lsp-worker.js), or src/lsp/worker.ts when this runs from
 *  source (tests, the bench), loaded through tsx's loader registered in the worker itself. */
function workerEntry(): { code: string | URL; eval: boolean } | undefined {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    let api: string;
    try {
      // tsx's ESM API (its package exports map "tsx/esm/api" to this file for `import`)
      api = pathToFileURL(
        join(dirname(createRequire(here).resolve("tsx/package.json")), "dist/esm/api/index.mjs"),
      ).href;
    } catch {
      return undefined;
    }
    const worker = JSON.stringify(new URL("./worker.ts", here).href);
    return {
      code: `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${worker}, ${worker}))`,
      eval: true,
    };
  }
  for (const name of ["./worker.js", "./lsp-worker.js"]) {
    const url = new URL(name, here);
    if (existsSync(fileURLToPath(url))) return { code: url, eval: false };
  }
  return undefined;
}

export class AnalysisRunner {
  private readonly idle = new Map<string, Worker>();
  private readonly running = new Map<string, Running>();
  private entry: ReturnType<typeof workerEntry>;

  constructor(
    useWorker: boolean,
    private readonly trace: (e: RunnerEvent) => void = () => undefined,
  ) {
    this.entry = useWorker ? workerEntry() : undefined;
  }

  /** The model of `job`, or undefined when a newer job of its unit cancelled it. */
  run(job: Job): Promise<Model | undefined> {
    this.cancel(job.unit);
    return new Promise((settle) => {
      const r: Running = { job, settle };
      this.running.set(job.unit, r);
      this.trace({ event: "start", unit: job.unit, version: job.version });
      if (!this.entry) {
        setImmediate(() => this.finish(r, runJob(job)));
        return;
      }
      const worker = this.idle.get(job.unit) ?? this.spawn(job.unit);
      this.idle.delete(job.unit);
      r.worker = worker;
      worker.postMessage(job);
    });
  }

  /** Stops the job running for `unit`, if any. */
  cancel(unit: string): void {
    const r = this.running.get(unit);
    if (!r) return;
    this.running.delete(unit);
    this.trace({ event: "cancel", unit, version: r.job.version });
    void r.worker?.terminate();
    r.settle(undefined);
  }

  /** The unit is gone (its document closed): its job stops and its worker ends. */
  release(unit: string): void {
    this.cancel(unit);
    void this.idle.get(unit)?.terminate();
    this.idle.delete(unit);
  }

  dispose(): void {
    for (const unit of [...this.running.keys()]) this.cancel(unit);
    for (const w of this.idle.values()) void w.terminate();
    this.idle.clear();
  }

  private spawn(unit: string): Worker {
    const worker = new Worker(this.entry!.code, { eval: this.entry!.eval });
    worker.unref();
    worker.on("message", (msg: { model?: Model; failed?: string }) => {
      const r = this.running.get(unit);
      if (!r || r.worker !== worker) return;
      if (msg.model) {
        this.idle.set(unit, worker);
        this.finish(r, msg.model);
      } else {
        // the compiler threw (a bug, not a policy error): said on the document, not lost
        this.idle.set(unit, worker);
        const uri = r.job.origin.kind === "conf" ? r.job.origin.uri : r.job.reportUri;
        const d = {
          range: zero(),
          severity: 1 as const,
          source: "xsm",
          code: "input",
          message: `xsm lsp: the analysis failed: ${msg.failed}`,
        };
        this.finish(r, {
          unit,
          version: r.job.version,
          diagnostics: uri ? [[uri, [d]]] : [],
          platforms: [],
        });
      }
    });
    worker.on("error", (err) => {
      const r = this.running.get(unit);
      if (!r || r.worker !== worker) return;
      // the worker could not start (no entry, no loader): every job runs in this thread from now on
      this.entry = undefined;
      this.trace({ event: "fallback", unit, version: r.job.version, detail: err.message });
      this.finish(r, runJob(r.job));
    });
    return worker;
  }

  private finish(r: Running, model: Model): void {
    if (this.running.get(r.job.unit) !== r) return;
    this.running.delete(r.job.unit);
    this.trace({ event: "done", unit: r.job.unit, version: r.job.version });
    r.settle(model);
  }
}
