// Section 6: the language server (xsm lsp) on a change. The server runs in this process behind a
// JSON-RPC pipe, as an editor talks to it. For each policy: open it, then edit one line several
// times and time (a) a hover sent right after the change (answered from the last analysis: what
// an editor waits for while typing) and (b) the change until its diagnostics arrive, less the
// server's quiet time (the analysis itself: the compiler's stages, m4 for a tree), which grows
// with the last analysis's length (so typing is answered at once).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node.js";
import { createConnection } from "vscode-languageserver/node.js";
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

async function timeCase(file: string, changes: number): Promise<{ open: number; hover: number; diagnostics: number }> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)), { debounceMs: DEBOUNCE });
  const rpc = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  let waiter: (() => void) | undefined;
  rpc.onNotification("textDocument/publishDiagnostics", () => waiter?.());
  rpc.listen();
  const published = () => new Promise<void>((done) => (waiter = done));
  await rpc.sendRequest("initialize", { processId: null, rootUri: null, capabilities: {} });
  const uri = pathToFileURL(file).href;
  const text = readFileSync(file, "utf8");
  let t0 = nowNs();
  let p = published();
  await rpc.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "xsm-policy", version: 1, text } });
  await p;
  const open = (nowNs() - t0) / 1e6;
  // hover the first name of the first allow rule; each change appends a comment to the file
  const lines = text.split("\n");
  const line = Math.max(0, lines.findIndex((l) => /^\s*allow\s/.test(l)));
  const character = lines[line]!.indexOf("allow") + 7;
  const hovers: number[] = [];
  const diags: number[] = [];
  for (let v = 2; v < 2 + changes; v++) {
    p = published();
    t0 = nowNs();
    await rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version: v }, contentChanges: [{ text: `${text}# edit ${v}\n` }] });
    await rpc.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line, character } });
    hovers.push((nowNs() - t0) / 1e6);
    await p;
    diags.push((nowNs() - t0) / 1e6);
  }
  await rpc.sendRequest("shutdown");
  rpc.dispose();
  return { open, hover: median(hovers), diagnostics: median(diags) };
}

export async function lspSection(quick: boolean): Promise<SectionResult> {
  const id = "lsp", title = "Language server (xsm lsp): one change";
  const dir = mkdtempSync(join(tmpdir(), "xsm-bench-lsp-"));
  try {
    const cases: Case[] = [{ name: "xen-flask example policy.conf", file: `${ROOT}examples/xen-flask/policy.conf` }];
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
        rows.push([c.name, "n/a", "n/a", "n/a", ""]);
        data[c.name] = { skipped: c.why };
        continue;
      }
      const t = await timeCase(c.file, quick ? 2 : 5);
      rows.push([c.name, fmtMs(t.open), fmtMs(t.hover), fmtMs(t.diagnostics), target(`≤ ${TARGET_MS} ms`, t.hover <= TARGET_MS)]);
      data[c.name] = t;
    }
    return {
      id,
      title,
      columns: ["policy", "open (first diagnostics)", "hover right after a change", "change -> diagnostics", "target (request)"],
      rows,
      notes: [
        `server in process behind a JSON-RPC pipe; ${quick ? 2 : 5} changes per policy, medians; the server waits max(${DEBOUNCE} ms, the last analysis's time up to 3 s) of quiet before analysing, included in change -> diagnostics.`,
        "a request after a change is answered from the last analysis, so typing never waits for a compile; diagnostics come when the analysis of the new text ends.",
        ...cases.filter((c) => c.why).map((c) => `${c.name}: skipped, ${c.why}`),
      ],
      data,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
