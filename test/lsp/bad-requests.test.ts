// A client's malformed messages: a request whose params are not as the LSP specification types
// them is answered with InvalidParams naming the field (not an internal error from a TypeError),
// and a document whose URI names no local file (another host's file: URI, an encoded '/') is
// analysed as a file without a tree, where fileURLToPath's refusal used to end the server: its
// exception went up from the analysis of every document, and the process exited with a stack trace.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, ResponseError } from "vscode-jsonrpc/node.js";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childProcess, repoRoot, type TestClient } from "./client.js";

const smallPath = join(repoRoot, "test/fixtures/cli/small.conf");
const small = readFileSync(smallPath, "utf8");
const uri = pathToFileURL(smallPath).href;
const typeLine = small.split("\n").findIndex((l) => l.startsWith("type dom0_t"));

let c: TestClient & { child: import("node:child_process").ChildProcess };
let exited: number | null | undefined;
beforeAll(async () => {
  c = await childProcess(["--debounce", "20"]);
  c.child.on("exit", (code) => (exited = code));
  const first = c.diagnostics(uri);
  await c.open(uri, small);
  await first;
}, 30_000);
afterAll(() => c.close());

/** The error a request is answered with (undefined when it is answered with a result). */
async function refusal(method: string, params: unknown): Promise<{ code: number; message: string } | undefined> {
  try {
    await c.rpc.sendRequest(method, params);
    return undefined;
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err;
    return { code: err.code, message: err.message };
  }
}

describe("xsm lsp on malformed requests", () => {
  const INVALID_PARAMS = -32602;
  it.each([
    ["textDocument/hover", {}, "xsm: params.textDocument: expected an object { uri }; got nothing"],
    ["textDocument/hover", { textDocument: { uri: 5 }, position: { line: 0, character: 0 } }, "xsm: params.textDocument.uri: expected a string; got 5"],
    ["textDocument/definition", { textDocument: { uri }, position: { line: "x", character: null } }, 'xsm: params.position.line: expected an integer from 0; got "x"'],
    ["textDocument/hover", { textDocument: { uri }, position: { line: -1, character: 0 } }, "xsm: params.position.line: expected an integer from 0; got -1"],
    ["textDocument/completion", { textDocument: { uri }, position: { line: 0, character: 1.5 } }, "xsm: params.position.character: expected an integer from 0; got 1.5"],
    ["textDocument/references", { textDocument: { uri }, position: { line: typeLine, character: 6 } }, "xsm: params.context: expected an object { includeDeclaration: boolean }; got nothing"],
    ["textDocument/rename", { textDocument: { uri }, position: { line: typeLine, character: 6 } }, "xsm: params.newName: expected a string; got nothing"],
    ["textDocument/prepareRename", { textDocument: { uri } }, "xsm: params.position: expected an object { line, character }; got nothing"],
    ["textDocument/formatting", { textDocument: null }, "xsm: params.textDocument: expected an object { uri }; got null"],
    ["textDocument/documentHighlight", { textDocument: { uri }, position: { line: 0 } }, "xsm: params.position.character: expected an integer from 0; got nothing"],
    ["textDocument/signatureHelp", { textDocument: { uri } }, "xsm: params.position: expected an object { line, character }; got nothing"],
    ["workspace/symbol", { query: null }, "xsm: params.query: expected a string; got null"],
    ["textDocument/documentSymbol", { textDocument: uri }, `xsm: params.textDocument: expected an object { uri }; got ${JSON.stringify(uri).slice(0, 60)}`],
  ])("%s %j: InvalidParams", async (method, params, message) => {
    expect(await refusal(method, params)).toEqual({ code: INVALID_PARAMS, message });
  });

  it("a position past the end is clamped, as the specification says: an answer, not an error", async () => {
    expect(await refusal("textDocument/hover", { textDocument: { uri }, position: { line: 1e6, character: 1e6 } })).toBeUndefined();
  });

  it("documents of another host's file: URI or with an encoded '/' are analysed; the server lives on and still answers for the others", async () => {
    for (const odd of ["file://remote/share/x.conf", "file:///a%2Fb.conf"]) {
      const published = c.diagnostics(odd);
      await c.open(odd, "class xen\nsid xen\nclass xen { a }\ntype a_t;\n");
      expect((await published).diagnostics.length).toBeGreaterThan(0);
      expect(await refusal("textDocument/hover", { textDocument: { uri: odd }, position: { line: 3, character: 6 } })).toBeUndefined();
      expect(await refusal("textDocument/formatting", { textDocument: { uri: odd }, options: { tabSize: 2, insertSpaces: true } })).toBeUndefined();
    }
    const hover = (await c.rpc.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: typeLine, character: 6 } })) as { contents: { value: string } } | null;
    expect(hover?.contents.value).toContain("dom0_t");
    expect(exited).toBeUndefined();
  }, 30_000);
});

describe("xsm lsp initializationOptions", () => {
  it("a flaskDir that is no path is refused at initialize, naming the option (it became a TypeError in every tree's diagnostics)", async () => {
    const child = spawn(process.execPath, ["bin/xsm.cjs", "lsp", "--stdio"], { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
    const rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    rpc.listen();
    try {
      for (const [init, message] of [
        [{ flaskDir: 5 }, "xsm: params.initializationOptions.flaskDir: expected a path (Xen's xen/xsm/flask/policy); got 5"],
        [{ mls: "yes" }, 'xsm: params.initializationOptions.mls: expected true or false; got "yes"'],
      ] as const) {
        const err = await rpc.sendRequest("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: init }).then(
          () => undefined,
          (e: unknown) => e as ResponseError<{ retry: boolean }>,
        );
        expect([err?.code, err?.message, err?.data]).toEqual([-32602, message, { retry: false }]);
      }
    } finally {
      rpc.dispose();
      child.kill();
    }
  }, 30_000);
});
