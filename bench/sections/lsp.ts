// Section 6: the language server (xsm lsp) on a change. The server runs in this process behind a
// JSON-RPC pipe, as an editor talks to it, and compiles in its worker thread. For each policy: open
// it, then edit one line several times, as an editor with incremental sync sends it, and time
// (a) a hover sent right after the change, (b) a hover sent while the analysis of that change runs
// in the worker (the server's trace says when it starts): what an editor waits for while the
// compiler works, and (c) the change until its diagnostics arrive (quiet time + the analysis).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node.js";
import { createConnection } from "vscode-languageserver/node.js";
import type { RunnerEvent } from "../../src/lsp/runner.js";
import { startServer } from "../../src/lsp/server.js";
import { median, nowNs } from "../lib/measure.js";
import { ROOT } from "../lib/ours.js";
import { fmtMs, target, type SectionResult } from "../lib/report.js";

const DEBOUNCE = 50;
const TARGET_MS = 200;

interface Case {
  name: string;
  /** The file opened and edited. */
  file?: string;
  why?: string;
}

async function timeCase(file: string, changes: number): Promise<{ open: number; hover: number; hoverDuringAnalysis: number; diagnostics: number; semanticTokens: number }> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  let started: ((v: number) => void) | undefined;
  const trace = (e: RunnerEvent) => {
    if (e.event === "start") started?.(e.version);
  };
  startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)), { debounceMs: DEBOUNCE, trace });
  const rpc = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  let waiter: (() => void) | undefined;
  rpc.onNotification("textDocument/publishDiagnostics", () => waiter?.());
  rpc.listen();
  const published = () => new Promise<void>((done) => (waiter = done));
  const analysisStarts = (version: number) => new Promise<void>((done) => (started = (v) => v === version && done()));
  await rpc.sendRequest("initialize", { processId: null, rootUri: null, capabilities: {} });
  const uri = pathToFileURL(file).href;
  const text = readFileSync(file, "utf8");
  let t0 = nowNs();
  let p = published();
  await rpc.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "xsm-policy", version: 1, text } });
  await p;
  const open = (nowNs() - t0) / 1e6;
  // hover the first name of the first allow rule; each change inserts a comment line above it
  const lines = text.split("\n");
  const line = Math.max(0, lines.findIndex((l) => /^\s*allow\s+[A-Za-z_]/.test(l)));
  const character = lines[line]!.indexOf("allow") + 7;
  const hovers: number[] = [];
  const during: number[] = [];
  const diags: number[] = [];
  const hover = async (at: number) => {
    const h0 = nowNs();
    const h = await rpc.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: at, character } });
    if (!h) throw new Error(`bench lsp: no hover at ${file}:${at + 1}:${character + 1}`);
    return (nowNs() - h0) / 1e6;
  };
  for (let v = 2; v < 2 + changes; v++) {
    p = published();
    const starts = analysisStarts(v);
    t0 = nowNs();
    await rpc.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: v },
      contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: `# edit ${v}\n` }],
    });
    const here = line + v - 1; // the rule moved down one line per inserted comment
    hovers.push(await hover(here));
    await starts;
    during.push(await hover(here));
    await p;
    diags.push((nowNs() - t0) / 1e6);
  }
  // the whole document's semantic tokens, as an editor asks after each analysis (the first also
  // classifies the index's names)
  const tokens: number[] = [];
  for (let r = 0; r < 3; r++) {
    const s0 = nowNs();
    await rpc.sendRequest("textDocument/semanticTokens/full", { textDocument: { uri } });
    tokens.push((nowNs() - s0) / 1e6);
  }
  await rpc.sendRequest("shutdown");
  rpc.dispose();
  return { open, hover: median(hovers), hoverDuringAnalysis: median(during), diagnostics: median(diags), semanticTokens: median(tokens) };
}

export async function lspSection(quick: boolean): Promise<SectionResult> {
  const id = "lsp", title = "Language server (xsm lsp): one change";
  const dir = mkdtempSync(join(tmpdir(), "xsm-bench-lsp-"));
  try {
    const cases: Case[] = [{ name: "xen-flask example policy.conf", file: `${ROOT}examples/xen-flask/policy.conf` }];
    // the same policy as a tree laid out like Xen's tools/flask/policy: m4 on every change
    const m4 = spawnSync(process.env.M4 ?? "m4", ["--version"]).status === 0;
    cases.push(m4 ? { name: "xen-flask example tree: modules/xen.te (m4 + compile)", file: `${ROOT}examples/xen-flask/modules/xen.te` } : { name: "xen-flask example tree", why: "m4 is not installed" });
    // Xen's real tree (a xen.git checkout named by XSM_XEN_SRC), in tree mode: m4 on every change
    const xen = process.env.XSM_XEN_SRC;
    const xenTe = xen && join(xen, "tools/flask/policy/modules/xen.te");
    cases.push(xenTe && existsSync(xenTe) ? { name: "Xen's real tree: modules/xen.te (m4 + compile)", file: xenTe } : { name: "Xen's real tree", why: "XSM_XEN_SRC (a xen.git checkout) not set" });
    if (!quick) {
      const large = join(dir, "gen-seed1-large.conf");
      const r = existsSync("/usr/bin/python3") ? spawnSync("/usr/bin/python3", [`${ROOT}test/oracle/tools/gen-policy`, "--seed", "1", "--size", "large"], { encoding: "utf8", maxBuffer: 64 << 20 }) : undefined;
      if (r?.status === 0) {
        writeFileSync(large, r.stdout);
        cases.push({ name: "gen-policy large (5.7 MB)", file: large });
      } else cases.push({ name: "gen-policy large", why: "/usr/bin/python3 or gen-policy missing" });
    }
    const rows: string[][] = [];
    const data: Record<string, unknown> = {};
    for (const c of cases) {
      if (!c.file) {
        rows.push([c.name, "n/a", "n/a", "n/a", "n/a", "n/a", ""]);
        data[c.name] = { skipped: c.why };
        continue;
      }
      const t = await timeCase(c.file, quick ? 2 : 5);
      const worst = Math.max(t.hover, t.hoverDuringAnalysis);
      rows.push([c.name, fmtMs(t.open), fmtMs(t.hover), fmtMs(t.hoverDuringAnalysis), fmtMs(t.diagnostics), fmtMs(t.semanticTokens), target(`≤ ${TARGET_MS} ms`, worst <= TARGET_MS)]);
      data[c.name] = t;
    }
    return {
      id,
      title,
      columns: ["policy", "open (first diagnostics)", "hover right after a change", "hover while the change is analysed", "change -> diagnostics", "semantic tokens (full)", "target (request)"],
      rows,
      notes: [
        `server in process behind a JSON-RPC pipe; ${quick ? 2 : 5} changes per policy (one line inserted, incremental sync), medians; the server waits ${DEBOUNCE} ms of quiet, then analyses in its worker thread (included in change -> diagnostics).`,
        "requests are answered on the server's thread from the last analysis, also while the worker compiles the change; a newer change cancels the analysis of the one before.",
        ...cases.filter((c) => c.why).map((c) => `${c.name}: skipped, ${c.why}`),
      ],
      data,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
