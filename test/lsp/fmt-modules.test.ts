// Formatting a module's file as `xsm fmt` does: a module modules/modules.conf leaves off is never
// built, so what the build would refuse in it is kept and the file laid out; the editor's own
// modules.conf, when it is open, is the one that tells.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TextEdit } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcess, type TestClient } from "./client.js";

let c: TestClient;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "xsm-lsp-fmt-"));
  mkdirSync(join(dir, "modules"));
  writeFileSync(join(dir, "modules/modules.conf"), "xen = on\nold = off\n");
  c = await inProcess({ debounceMs: 50 });
});
afterAll(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

const format = (uri: string) => c.rpc.sendRequest("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 8, insertSpaces: false } }) as Promise<TextEdit[]>;

describe("formatting a module's file", () => {
  it("lays out a module modules.conf leaves off, keeping a character the build would refuse; refuses it once the editor's modules.conf switches it on", async () => {
    const text = "type  caf\u00e9_t;\n";
    const uri = pathToFileURL(join(dir, "modules/old.te")).href;
    await c.open(uri, text);
    expect((await format(uri)).map((e) => e.newText)).toEqual(["type caf\u00e9_t;\n"]);
    // the buffer, not the file on disk
    await c.open(pathToFileURL(join(dir, "modules/modules.conf")).href, "xen = on\nold = on\n");
    await expect(format(uri)).rejects.toThrow(/not formatted: 1:10: '\u00e9' \(U\+00E9\), not ASCII/);
  });
});
