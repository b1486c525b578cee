// The language server and .xsm-lint.json: a config created, changed or deleted while policies are
// open refreshes every open policy's findings, through workspace/didChangeWatchedFiles when the
// client watches files for the server (registered dynamically), else through didSave of the
// config open in the editor; a wrong config is one diagnostic on that file, at the bad key, and
// the findings go on with the catalog's severities meanwhile.
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { PublishDiagnosticsParams } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcess, repoRoot } from "./client.js";

const planted = readFileSync(join(repoRoot, "test/fixtures/lint/planted.conf"), "utf8");
const severityOf = (p: PublishDiagnosticsParams, code: string) => p.diagnostics.filter((d) => d.code === code).map((d) => d.severity);
const watching = { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } };

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "xsm-lsp-lint-config-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A folder with planted.conf as p.conf, its URI, and its config's path and URI. */
function folder() {
  const dir = mkdtempSync(join(work, "w-"));
  const path = join(dir, "p.conf");
  writeFileSync(path, planted);
  const config = join(dir, ".xsm-lint.json");
  return { uri: pathToFileURL(path).href, config, configUri: pathToFileURL(config).href };
}

describe("xsm lsp: the lint config, watched", () => {
  it("registers a watcher of **/.xsm-lint.json when the client can; none when it cannot", async () => {
    const c = await inProcess({ debounceMs: 20 }, watching);
    const plain = await inProcess({ debounceMs: 20 });
    try {
      await c.rpc.sendRequest("textDocument/documentSymbol", { textDocument: { uri: "file:///nowhere.conf" } });
      expect(c.registered).toContainEqual({ id: expect.any(String), method: "workspace/didChangeWatchedFiles", registerOptions: { watchers: [{ globPattern: "**/.xsm-lint.json" }] } });
      await plain.rpc.sendRequest("textDocument/documentSymbol", { textDocument: { uri: "file:///nowhere.conf" } });
      expect(plain.registered.filter((r) => r.method === "workspace/didChangeWatchedFiles")).toEqual([]);
      // a client that cannot watch hears of a save instead
      expect(plain.init.capabilities.textDocumentSync).toMatchObject({ save: { includeText: false } });
    } finally {
      await c.close();
      await plain.close();
    }
  });

  it("created, changed, made wrong, fixed and deleted: each republishes the open policy's findings", async () => {
    const { uri, config, configUri } = folder();
    const c = await inProcess({ debounceMs: 20 }, watching);
    const changed = (type: 1 | 2 | 3) => c.rpc.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: configUri, type }] });
    try {
      const first = c.diagnostics(uri);
      await c.open(uri, planted);
      expect(severityOf(await first, "unused-type")).toEqual([2]);

      // created
      writeFileSync(config, JSON.stringify({ severity: { "unused-type": "info" } }));
      let next = c.diagnostics(uri, (p) => severityOf(p, "unused-type")[0] === 3);
      await changed(1);
      await next;

      // changed
      writeFileSync(config, JSON.stringify({ severity: { "unused-type": "off", "duplicate-rule": "hint" } }));
      next = c.diagnostics(uri, (p) => severityOf(p, "unused-type").length === 0);
      await changed(2);
      expect(severityOf(await next, "duplicate-rule")).toEqual([4]);

      // wrong: one diagnostic on the config, at the unknown check's key; the policy's findings
      // go on, with the catalog's severities
      writeFileSync(config, '{\n  "severity": {\n    "unused-type": "info",\n    "unused-typo": "off"\n  }\n}\n');
      const said = c.diagnostics(configUri);
      next = c.diagnostics(uri, (p) => severityOf(p, "unused-type")[0] === 2);
      await changed(2);
      const bad = await said;
      expect(bad.diagnostics).toHaveLength(1);
      const d = bad.diagnostics[0]!;
      expect(d.range).toEqual({ start: { line: 3, character: 4 }, end: { line: 3, character: 17 } });
      expect(d.severity).toBe(1);
      expect(d.message).toMatch(new RegExp(`^${config.replace(/[.]/g, "\\.")}:4:5: /severity/unused-typo: unknown check \\(known: unused-type, `));
      expect(d.message).toMatch(/findings have their default severities until it is fixed/);
      const defaults = await next;
      expect(severityOf(defaults, "duplicate-rule")).toEqual([2]);
      expect(defaults.diagnostics.filter((x) => x.code === "input")).toEqual([]);

      // a bad value: at the value
      writeFileSync(config, '{"severity": {"unused-type": "loud"}}');
      const value = c.diagnostics(configUri);
      await changed(2);
      expect((await value).diagnostics.map((x) => x.range.start)).toEqual([{ line: 0, character: 29 }]);

      // a key given twice: at the second, in every JSON reader's words
      writeFileSync(config, '{\n  "severity": {"unused-type": "info"},\n  "severity": {"unused-type": "hint"}\n}\n');
      const twice = c.diagnostics(configUri, (p) => p.diagnostics.some((x) => x.message.includes("repeated key")));
      await changed(2);
      const repeated = (await twice).diagnostics;
      expect(repeated.map((x) => [x.range.start, x.message.split(" (the lint config")[0]])).toEqual([
        [{ line: 2, character: 2 }, `${config}:3:3: /severity: repeated key "severity" (first at 2:3): JSON keeps only the last value, so give each key once`],
      ]);

      // fixed: the config's diagnostic taken back, its severities applied
      writeFileSync(config, JSON.stringify({ severity: { "unused-type": "info" } }));
      const cleared = c.diagnostics(configUri, (p) => p.diagnostics.length === 0);
      next = c.diagnostics(uri, (p) => severityOf(p, "unused-type")[0] === 3);
      await changed(2);
      await cleared;
      await next;

      // deleted: the catalog's severities again
      unlinkSync(config);
      next = c.diagnostics(uri, (p) => severityOf(p, "unused-type")[0] === 2);
      await changed(3);
      await next;
    } finally {
      await c.close();
    }
  });

  it("a client that cannot watch: the config open in the editor and saved; never analysed as a policy", async () => {
    const { uri, config, configUri } = folder();
    const c = await inProcess({ debounceMs: 20 });
    try {
      const first = c.diagnostics(uri);
      await c.open(uri, planted);
      expect(severityOf(await first, "unused-type")).toEqual([2]);
      const text = JSON.stringify({ severity: { "unused-type": "hint" } });
      writeFileSync(config, text);
      await c.rpc.sendNotification("textDocument/didOpen", { textDocument: { uri: configUri, languageId: "json", version: 1, text } });
      const next = c.diagnostics(uri, (p) => severityOf(p, "unused-type")[0] === 4);
      await c.rpc.sendNotification("textDocument/didSave", { textDocument: { uri: configUri } });
      await next;
      // (its own diagnostics: none, not a policy's syntax errors)
      expect(c.latest.get(configUri) ?? []).toEqual([]);
      expect(await c.rpc.sendRequest("textDocument/documentSymbol", { textDocument: { uri: configUri } })).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
