// A minimal LSP client for the tests: JSON-RPC over streams (vscode-jsonrpc), to the server in
// process or to `xsm lsp --stdio` in a child process.
import { spawn, type ChildProcess } from "node:child_process";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node.js";
import { createConnection } from "vscode-languageserver/node.js";
import type { ClientCapabilities, InitializeResult, PublishDiagnosticsParams } from "vscode-languageserver";
import { startServer, type ServerOptions } from "../../src/lsp/server.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface TestClient {
  rpc: MessageConnection;
  /** How many diagnostics notifications arrived so far. */
  published(): number;
  /** The diagnostics last published for each URI. */
  latest: Map<string, PublishDiagnosticsParams["diagnostics"]>;
  log: string[];
  /** The document version of each notification, in order (undefined when the server gave none). */
  versions: (number | undefined)[];
  /** The client's settings, as it answers workspace/configuration (by section: `xsm` is
   *  `settings.xsm`); change them, then notify workspace/didChangeConfiguration. */
  settings: Record<string, unknown>;
  /** window/showMessage notifications, as "TYPE MESSAGE" (1 error, 2 warning, 3 info, 4 log). */
  messages: string[];
  /** The server's requests to the client other than workspace/configuration, by method. */
  asked: string[];
  /** What the server registered (client/registerCapability's registrations, in order). */
  registered: { method: string; registerOptions?: unknown }[];
  /** Resolves with the next window/showMessage. */
  message(): Promise<string>;
  /** Resolves with the next diagnostics published for `uri` that satisfy `ok`. */
  diagnostics(uri: string, ok?: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  open(uri: string, text: string): Promise<void>;
  change(uri: string, version: number, text: string): Promise<void>;
  close(): Promise<void>;
}

/** `exit` ends the server's process: sent to a child, not to a server in this process (the
 *  library would end the test runner's own process). */
function wire(rpc: MessageConnection, stop: () => void, sendExit = true): TestClient {
  const waiting: { uri: string; ok: (p: PublishDiagnosticsParams) => boolean; done: (p: PublishDiagnosticsParams) => void }[] = [];
  let count = 0;
  const log: string[] = [];
  const versions: (number | undefined)[] = [];
  const latest = new Map<string, PublishDiagnosticsParams["diagnostics"]>();
  rpc.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
    count++;
    latest.set(p.uri, p.diagnostics);
    log.push(p.diagnostics.map((d) => d.message).join("|"));
    versions.push(p.version);
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i]!;
      if (w.uri === p.uri && w.ok(p)) {
        waiting.splice(i, 1);
        w.done(p);
        return;
      }
    }
  });
  const messages: string[] = [];
  const asked: string[] = [];
  const registered: { method: string; registerOptions?: unknown }[] = [];
  const messageWaiters: ((m: string) => void)[] = [];
  rpc.onNotification("window/showMessage", (p: { type: number; message: string }) => {
    const m = `${p.type} ${p.message}`;
    messages.push(m);
    messageWaiters.splice(0).forEach((done) => done(m));
  });
  const client = { settings: {} as Record<string, unknown> };
  rpc.onRequest("workspace/configuration", (p: { items: { section?: string }[] }) => {
    asked.push("workspace/configuration");
    return p.items.map((item) => (item.section === undefined ? client.settings : (client.settings[item.section] ?? null)));
  });
  for (const method of ["client/registerCapability", "workspace/inlayHint/refresh", "workspace/semanticTokens/refresh"]) {
    rpc.onRequest(method, (p?: { registrations?: { method: string; registerOptions?: unknown }[] }) => {
      asked.push(method);
      registered.push(...(p?.registrations ?? []));
      return null;
    });
  }
  rpc.listen();
  return {
    rpc,
    published: () => count,
    latest,
    log,
    versions,
    get settings() {
      return client.settings;
    },
    set settings(value) {
      client.settings = value;
    },
    messages,
    asked,
    registered,
    message: () => new Promise((done) => messageWaiters.push(done)),
    diagnostics: (uri, ok = () => true) => new Promise((done) => waiting.push({ uri, ok, done })),
    open: (uri, text) => rpc.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "xsm-policy", version: 1, text } }),
    change: (uri, version, text) => rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] }),
    close: async () => {
      await rpc.sendRequest("shutdown");
      if (sendExit) await rpc.sendNotification("exit");
      rpc.dispose();
      stop();
    },
  };
}

/** The server in this process, over a pair of pipes; `init` is its answer to initialize, made
 *  with the client `capabilities` given. */
export async function inProcess(
  options: ServerOptions = {},
  capabilities: ClientCapabilities = {},
  settings: Record<string, unknown> = {},
  initializationOptions?: unknown,
): Promise<TestClient & { init: InitializeResult }> {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  startServer(server, options);
  const rpc = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const client = wire(rpc, () => undefined, false);
  client.settings = settings;
  const init = await rpc.sendRequest<InitializeResult>("initialize", { processId: null, rootUri: null, capabilities, initializationOptions });
  await rpc.sendNotification("initialized", {});
  return Object.assign(client, { init });
}

/** `node bin/xsm.cjs lsp --stdio` as an editor starts it. */
export async function childProcess(args: string[] = []): Promise<TestClient & { child: ChildProcess }> {
  const child = spawn(process.execPath, ["bin/xsm.cjs", "lsp", "--stdio", ...args], { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const client = wire(rpc, () => child.kill());
  await rpc.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} });
  await rpc.sendNotification("initialized", {});
  return Object.assign(client, { child });
}
