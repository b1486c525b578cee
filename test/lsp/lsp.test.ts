// xsm lsp at the protocol level: a JSON-RPC client talks to the server (in process, and once as
// `xsm lsp --stdio` in a child process) about policy.conf documents. Trees (m4) are tested live in
// test/oracle/lsp-tree.test.ts, and with neovim's own client in test/editor/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CodeAction, CompletionItem, DocumentSymbol, Hover, Location, TextEdit, WorkspaceEdit } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSource } from "../../src/fmt/format.js";
import { childProcess, inProcess, repoRoot, type TestClient } from "./client.js";

const smallPath = join(repoRoot, "test/fixtures/cli/small.conf");
// made Xen-loadable (the class lists its common's permissions) and given Xen's 13 initial SIDs in
// its order (the declarations on the fixture's four lines, the new contexts after its own): the
// fixture's common prefix and its 4 initial SIDs are warnings the server publishes
// (xen-refusals.test.ts, test/binary/initial-sids.test.ts), and these tests start from no diagnostics
const small = readFileSync(smallPath, "utf8")
  .replace("class domain inherits basic { create", "class domain { getattr setattr create")
  .replace("sid xen\nsid dom0\nsid device\nsid unlabeled\n", "sid xenboot sid xen\nsid dom0 sid domio sid domxen\nsid unlabeled sid security sid ioport sid iomem\nsid irq sid device sid domU sid domDM\n")
  .replace("pcidevicecon", ["xenboot", "domio", "domxen", "security", "ioport", "iomem", "irq", "domU", "domDM"].map((s) => `sid ${s} system_u:system_r:xen_t\n`).join("") + "pcidevicecon");
const uri = pathToFileURL(smallPath).href;
const lines = small.split("\n");
/** Position of the n-th occurrence (0-based) of `text` on the line that starts with `prefix`. */
function at(prefix: string, text: string, nth = 0): { line: number; character: number } {
  const line = lines.findIndex((l) => l.startsWith(prefix));
  let character = -1;
  for (let i = 0; i <= nth; i++) character = lines[line]!.indexOf(text, character + 1);
  expect(line >= 0 && character >= 0, `${prefix} / ${text}`).toBe(true);
  return { line, character };
}

let c: TestClient;
beforeAll(async () => {
  c = await inProcess({ debounceMs: 300 });
  const first = c.diagnostics(uri);
  await c.open(uri, small);
  expect((await first).diagnostics).toEqual([]);
});
afterAll(() => c.close());

const req = <T>(method: string, params: object) => c.rpc.sendRequest(method, params) as Promise<T>;
const pos = (p: { line: number; character: number }) => ({ textDocument: { uri }, position: p });

describe("diagnostics", () => {
  it("the compiler's errors at their lines, with codes; cleared when fixed", async () => {
    const broken = small.replace("allow guest_type nic_t:resource use;", "allow guest_type nix_t:resource use;");
    const line = lines.findIndex((l) => l.startsWith("allow guest_type nic_t:resource use;"));
    const got = c.diagnostics(uri, (p) => p.diagnostics.length > 0);
    await c.change(uri, 2, broken);
    const d = (await got).diagnostics;
    expect(d.map((x) => [x.range.start.line, x.range.start.character, x.code, x.severity, x.source, x.message])).toEqual([[line, 17, "undeclared", 1, "xsm", "unknown type nix_t (did you mean 'nic_t'?)"]]);
    const cleared = c.diagnostics(uri, (p) => p.diagnostics.length === 0);
    await c.change(uri, 3, small);
    await cleared;
  });

  it("a mistyped name's quick fix puts the name it likely meant in its place", async () => {
    const broken = small.replace("allow guest_type nic_t:resource use;", "allow guest_type nix_t:resource usee;");
    const got = c.diagnostics(uri, (p) => p.diagnostics.length === 2);
    await c.change(uri, 30, broken);
    const d = (await got).diagnostics;
    expect(d.map((x) => [x.message, x.data])).toEqual([
      ["unknown type nix_t (did you mean 'nic_t'?)", { suggestion: { written: "nix_t", meant: "nic_t" } }],
      ["permission usee is not defined for class resource (did you mean 'use'?)", { suggestion: { written: "usee", meant: "use" } }],
    ]);
    const actions = await req<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: d[0]!.range, context: { diagnostics: d } });
    expect(actions.map((a) => [a.title, a.kind, a.isPreferred, a.edit?.changes?.[uri]])).toEqual([
      ["Change to 'nic_t'", "quickfix", true, [{ range: d[0]!.range, newText: "nic_t" }]],
      ["Change to 'use'", "quickfix", true, [{ range: d[1]!.range, newText: "use" }]],
    ]);
    // a diagnostic without a suggestion, another tool's, or one whose range no longer holds the
    // name written has no fix; bad params are refused
    const moved = { ...d[1]!, range: d[0]!.range };
    expect(await req<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: d[0]!.range, context: { diagnostics: [{ ...d[0]!, data: undefined }, { ...d[1]!, source: "other" }, moved] } })).toEqual([]);
    await expect(req("textDocument/codeAction", { textDocument: { uri }, range: d[0]!.range })).rejects.toThrow(/params\.context: expected an object \{ diagnostics: \[\] \}/);
    const cleared = c.diagnostics(uri, (p) => p.diagnostics.length === 0);
    await c.change(uri, 31, small);
    await cleared;
  });

  it("debounced: a burst of changes is analysed once, after the last", async () => {
    const before = c.published();
    const last = c.diagnostics(uri, (p) => p.diagnostics.some((x) => x.message.startsWith("unknown type nic13_t")));
    // sent back to back, well inside the server's quiet time
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.change(uri, 4 + i, small.replace("nic_t:resource use", `nic${4 + i}_t:resource use`))));
    await last;
    // the burst's versions (4-13) published: only the last; a late publish of an earlier test's
    // version is not this burst's (it made a fixed sleep here flaky under load)
    expect(c.versions.slice(before).filter((v) => v !== undefined && v >= 4), JSON.stringify(c.log.slice(-3))).toEqual([13]);
    const cleared = c.diagnostics(uri, (p) => p.diagnostics.length === 0);
    await c.change(uri, 20, small);
    await cleared;
  });

  it("a neverallow's violating rule comes as related information", async () => {
    const violating = small.replace("dontaudit guest_type device_t:resource use;", "allow guest_b_t device_t:resource plug;");
    const got = c.diagnostics(uri, (p) => p.diagnostics.length > 0);
    await c.change(uri, 21, violating);
    const [d] = (await got).diagnostics;
    expect(d!.code).toBe("neverallow");
    expect(d!.relatedInformation?.[0]?.location.range.start.line).toBe(lines.findIndex((l) => l.startsWith("dontaudit guest_type")));
    const cleared = c.diagnostics(uri, (p) => p.diagnostics.length === 0);
    await c.change(uri, 22, small);
    await cleared;
  });
});

describe("hover", () => {
  const hover = async (p: { line: number; character: number }) => ((await req<Hover>("textDocument/hover", pos(p))).contents as { value: string }).value;
  it("a type: attributes, aliases, rules naming it", async () => {
    const v = await hover(at("type guest_a_t", "guest_a_t"));
    expect(v).toContain("**type** `guest_a_t`");
    expect(v).toContain("- attributes: `domain_type`, `guest_type`");
    expect(v).toContain("- aliases: `guest_alias_t`");
    expect(v).toMatch(/named by 4 rules/);
  });
  it("an attribute: its member types", async () => {
    expect(await hover(at("role vm_r types", "guest_type"))).toBe("**attribute** `guest_type`: 2 types\n- `guest_a_t`, `guest_b_t`");
  });
  it("a class: its permissions; a permission: its class", async () => {
    expect(await hover(at("allow dom0_t xen_t:xen", "xen {"))).toBe("**class** `xen`: 2 permissions\n- `settime`, `readconsole`");
    expect(await hover(at("allow dom0_t xen_t:xen", "readconsole"))).toBe("**permission** `readconsole` of class `xen`");
  });
  it("a boolean: its default and the conditionals that read it", async () => {
    const v = await hover(at("if (guests_may_plug)", "guests_may_plug"));
    expect(v).toContain("**boolean** `guests_may_plug`, default false");
    expect(v).toContain("read by 1 conditional");
  });
});

describe("navigation", () => {
  it("definition of a type used in a rule, a permission in its class", async () => {
    const def = await req<Location[]>("textDocument/definition", pos(at("auditallow dom0_t nic_t", "nic_t")));
    expect(def.map((l) => [l.uri, l.range.start])).toEqual([[uri, at("type nic_t", "nic_t")]]);
    const perm = await req<Location[]>("textDocument/definition", pos(at("allow dom0_t xen_t:xen", "settime")));
    expect(perm.map((l) => l.range.start)).toEqual([at("class xen {", "settime")]);
  });
  it("references of an attribute, with and without its declaration", async () => {
    const withDecl = await req<Location[]>("textDocument/references", { ...pos(at("attribute guest_type", "guest_type")), context: { includeDeclaration: true } });
    const without = await req<Location[]>("textDocument/references", { ...pos(at("attribute guest_type", "guest_type")), context: { includeDeclaration: false } });
    const count = small.split("\n").filter((l) => !l.startsWith("#")).join("\n").match(/\bguest_type\b/g)!.length;
    expect(withDecl.length).toBe(count);
    expect(without.length).toBe(count - 1);
  });
});

describe("completion", () => {
  const labels = async (p: { line: number; character: number }) => (await req<CompletionItem[]>("textDocument/completion", pos(p))).map((i) => i.label);
  it("keywords at a statement's start; types and attributes as source; classes after ':'; only the class's permissions", async () => {
    const edited = `${small}allow dom0_t nic_t:resource { pl`;
    const got = c.diagnostics(uri, () => true);
    await c.change(uri, 30, edited);
    await got;
    const last = edited.split("\n").length - 1;
    expect(await labels({ line: last, character: 0 })).toContain("allow");
    expect(await labels({ line: last, character: 6 })).toEqual(expect.arrayContaining(["dom0_t", "nic_t", "guest_type"]));
    expect(await labels({ line: last, character: 13 })).toContain("self");
    expect(await labels({ line: last, character: 19 })).toEqual(["xen", "domain", "resource"]);
    expect(await labels({ line: last, character: 32 })).toEqual(["add", "remove", "use", "plug", "unplug", "setup", "stat_device", "add_device", "remove_device", "use_iommu"]);
    const domain = await labels({ line: lines.findIndex((l) => l.startsWith("allow dom0_t guest_type:domain")), character: 33 });
    expect(domain).toEqual(["getattr", "setattr", "create", "destroy", "pause", "unpause"]);
    expect(await labels(at("if (guests_may_plug)", "guests"))).toEqual(["guests_may_plug"]);
    const back = c.diagnostics(uri, (p) => p.diagnostics.length === 0);
    await c.change(uri, 31, small);
    await back;
  });
});

describe("outline, formatting, rename", () => {
  it("document symbols: the declarations", async () => {
    const syms = await req<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } });
    const names = syms.map((s) => `${s.detail} ${s.name}`);
    expect(names).toEqual(expect.arrayContaining(["type dom0_t", "attribute guest_type", "bool guests_may_plug", "role vm_r", "user vm_u", "class xen", "common basic"]));
  });
  it("formatting is xsm fmt's layout", async () => {
    const messy = small.replace("if (guests_may_plug) {\n  allow", "if (guests_may_plug)   {\n        allow");
    const got = c.diagnostics(uri, () => true);
    await c.change(uri, 40, messy);
    await got;
    const edits = await req<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 8, insertSpaces: false } });
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toBe(formatSource(messy, "conf"));
    const back = c.diagnostics(uri, () => true);
    await c.change(uri, 41, small);
    await back;
  });
  it("formatting refuses, with fmt's located error, a document compile refuses as it is", async () => {
    // a missing ';' and a character checkpolicy rejects: refused with the first, no edit sent
    const messy = small.replace("type xen_t;", "type  xen_t").replace("attribute guest_type;", "attribute guest_type;\u00a0");
    const line = lines.findIndex((l) => l.startsWith("attribute guest_type;")) + 1;
    const got = c.diagnostics(uri, () => true);
    await c.change(uri, 42, messy);
    await got;
    const formatting = req<TextEdit[]>("textDocument/formatting", { textDocument: { uri }, options: { tabSize: 8, insertSpaces: false } });
    await expect(formatting).rejects.toThrow(
      `xsm: not formatted: ${line}:22: '\u00a0' (U+00A0), not ASCII, outside a comment: checkpolicy rejects it ('unrecognized character'); outside comments, paths and quoted file names a policy is ASCII (and 1 more); the document is left as it is`,
    );
    const back = c.diagnostics(uri, () => true);
    await c.change(uri, 43, small);
    await back;
  });
  it("rename of a type: every occurrence, aliases untouched", async () => {
    const edit = await req<WorkspaceEdit>("textDocument/rename", { ...pos(at("type nic_t", "nic_t")), newName: "eth_t" });
    const edits = edit.changes![uri]!;
    let renamed = small.split("\n");
    for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
      const l = renamed[e.range.start.line]!;
      renamed[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
    }
    const text = renamed.join("\n");
    expect(text).not.toMatch(/\bnic_t\b/);
    expect(text.match(/\beth_t\b/g)!.length).toBe(small.match(/\bnic_t\b/g)!.length);
    // a class is Xen's (its flask headers): refused with the reason (test/lsp/rename.test.ts)
    await expect(req<unknown>("textDocument/prepareRename", pos(at("class xen {", "xen")))).rejects.toThrow(/flask/);
  });
});

describe("xsm lsp --stdio", () => {
  it("an editor's child process: initialize, diagnostics, hover", async () => {
    const child = await childProcess(["--debounce", "20"]);
    try {
      const errorsPath = join(repoRoot, "test/fixtures/cli/errors.conf");
      const errorsUri = pathToFileURL(errorsPath).href;
      const got = child.diagnostics(errorsUri);
      await child.open(errorsUri, readFileSync(errorsPath, "utf8"));
      expect((await got).diagnostics.map((d) => [d.range.start.line + 1, d.code])).toEqual([[9, "duplicate"], [10, "undeclared"], [11, "undeclared"]]);
    } finally {
      await child.close();
    }
  }, 30_000);
});
