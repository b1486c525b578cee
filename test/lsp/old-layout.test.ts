// The language server on a tree in Xen 4.3-4.7's layout (one Makefile, policy/modules.conf, modules
// under policy/modules/LAYER/), found as `xsm build` finds a tree (src/build/tree.ts): a module's
// file is analysed with its tree, and one policy/modules.conf leaves off is formatted as never built.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { TextEdit } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moduleOff, treeRootOf } from "../../src/build/tree.js";
import { hasM4 } from "../tools.js";
import { inProcess, type TestClient } from "./client.js";

const FIXTURE = "test/fixtures/build/xen-4.3-sids";
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xsm-lsp-old-"));
  cpSync(FIXTURE, dir, { recursive: true });
  // a module the Makefile finds case-blind (find -iname; its awk reads lines opening in a-z) and
  // one policy/modules.conf leaves off
  mkdirSync(join(dir, "policy/modules/aux"));
  writeFileSync(join(dir, "policy/modules.conf"), "xen = on\naux_On = on\nold = off\n");
  for (const f of ["aux/aux_on.te", "aux/aux_on.if", "aux/old.te", "aux/old.if"]) writeFileSync(join(dir, "policy/modules", f), "");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a tree laid out as before Xen 4.8", () => {
  it("is the tree of its files, as of a tree of Makefile.common's layout", () => {
    for (const f of ["policy/modules/xen/xen.te", "policy/modules/aux/old.if", "policy/users", "policy/modules.conf", "Makefile"]) expect(treeRootOf(join(dir, f)), f).toBe(dir);
    expect(treeRootOf("examples/xen-flask/modules/xen.te")).toBe(join(process.cwd(), "examples/xen-flask"));
    expect(treeRootOf(join(tmpdir(), "nowhere", "x.te"))).toBeUndefined();
  });

  it("a module policy/modules.conf leaves off is never built; one it switches on in other case is", () => {
    expect(moduleOff(join(dir, "policy/modules/aux/old.te"))).toBe("old");
    expect(moduleOff(join(dir, "policy/modules/aux/old.if"))).toBe("old");
    expect(moduleOff(join(dir, "policy/modules/aux/aux_on.te"))).toBeUndefined();
    expect(moduleOff(join(dir, "policy/modules/xen/xen.te"))).toBeUndefined();
    // the editor's buffer of policy/modules.conf, when it has one, tells
    expect(moduleOff(join(dir, "policy/modules/aux/old.te"), "old = on\n")).toBeUndefined();
    expect(moduleOff(join(dir, "policy/users"))).toBeUndefined();
  });
});

describe.skipIf(!hasM4)("the language server on it (needs GNU m4)", () => {
  let c: TestClient;
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 50 });
  });
  afterAll(() => c.close());

  it("analyses a module's file with its tree: an error at its line there, none from Xen 4.3's initial SIDs", async () => {
    const uri = pathToFileURL(join(dir, "policy/modules/xen/xen.te")).href;
    const text = `${readFileSync(join(dir, "policy/modules/xen/xen.te"), "utf8")}allow xen_t nosuch_t:xen settime;\n`;
    const published = c.diagnostics(uri, (p) => p.diagnostics.length > 0);
    await c.open(uri, text);
    const p = await published;
    expect(p.diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code} ${d.message}`)).toEqual(["5:13 undeclared unknown type nosuch_t"]);
  });

  it("formats a module policy/modules.conf leaves off as never built", async () => {
    const uri = pathToFileURL(join(dir, "policy/modules/aux/old.te")).href;
    await c.open(uri, "type  caf\u00e9_t;\n");
    const edits = (await c.rpc.sendRequest("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 8, insertSpaces: false } })) as TextEdit[];
    expect(edits.map((e) => e.newText)).toEqual(["type caf\u00e9_t;\n"]);
  });
});
