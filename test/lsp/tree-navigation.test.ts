// The language server's navigation of a policy tree (examples/xen-flask, built with m4 as `xsm
// build` builds it): signature help inside a call of an m4 interface, highlights of a name in one
// file, and workspace symbols across the tree (declarations and interfaces). policy.conf documents
// are in lsp.test.ts; signature.ts's scanner is tested without a server at the end.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DocumentHighlight, SignatureHelp, SymbolInformation } from "vscode-languageserver";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MacroDef } from "../../src/build/macros.js";
import { callAt, macroSignature } from "../../src/lsp/signature.js";
import { hasM4 } from "../tools.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";

const tree = join(repoRoot, "examples/xen-flask");
const dom0Path = join(tree, "modules/dom0.te");
const dom0 = readFileSync(dom0Path, "utf8");
const dom0Uri = pathToFileURL(dom0Path).href;
const dom0Lines = dom0.split("\n");
/** Position just after `text` on the first line starting with `prefix`. */
function after(prefix: string, text: string): { line: number; character: number } {
  const line = dom0Lines.findIndex((l) => l.startsWith(prefix));
  const character = dom0Lines[line]!.indexOf(text) + text.length;
  expect(line >= 0 && character >= text.length, `${prefix} / ${text}`).toBe(true);
  return { line, character };
}

describe.skipIf(!hasM4)("navigation in a policy tree (needs GNU m4)", () => {
  let c: TestClient;
  const req = <T>(method: string, params: object) => c.rpc.sendRequest(method, params) as Promise<T>;
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 50 });
    const first = c.diagnostics(dom0Uri);
    await c.open(dom0Uri, dom0);
    await first;
  });
  afterAll(() => c.close());

  it("signature help in a call of an interface: its parameters as xen.if's comment names them, the one at the cursor active", async () => {
    const first = await req<SignatureHelp>("textDocument/signatureHelp", { textDocument: { uri: dom0Uri }, position: after("admin_device(dom0_t, device_t)", "admin_device(") });
    expect(first.signatures.map((s) => s.label)).toEqual(["admin_device(domain_type, device_type)"]);
    expect(first.signatures[0]!.parameters!.map((p) => first.signatures[0]!.label.slice(...(p.label as [number, number])))).toEqual(["domain_type", "device_type"]);
    expect(first.activeParameter).toBe(0);
    expect((first.signatures[0]!.documentation as { value: string }).value).toMatch(/\S/);
    const second = await req<SignatureHelp>("textDocument/signatureHelp", { textDocument: { uri: dom0Uri }, position: after("admin_device(dom0_t, device_t)", "dom0_t, dev") });
    expect(second.activeParameter).toBe(1);
    // outside any call: none
    expect(await req<SignatureHelp | null>("textDocument/signatureHelp", { textDocument: { uri: dom0Uri }, position: { line: 0, character: 0 } })).toBeNull();
  });

  it("highlights of a type in one file: each occurrence there, its declaration written", async () => {
    const at = after("admin_device(dom0_t, device_t)", "admin_device(dom0");
    const marks = await req<DocumentHighlight[]>("textDocument/documentHighlight", { textDocument: { uri: dom0Uri }, position: at });
    const written = dom0.match(/\bdom0_t\b/g)!.length;
    expect(marks.length).toBeGreaterThan(5);
    expect(marks.length).toBeLessThanOrEqual(written);
    for (const h of marks) expect(dom0Lines[h.range.start.line]!.slice(h.range.start.character, h.range.end.character)).toBe("dom0_t");
    // an interface: its calls in this file
    const calls = await req<DocumentHighlight[]>("textDocument/documentHighlight", { textDocument: { uri: dom0Uri }, position: after("admin_device(dom0_t, device_t)", "admin_dev") });
    expect(calls.length).toBe(dom0.match(/^admin_device\(/gm)!.length);
  });

  it("workspace symbols: declarations and interfaces of the tree whose names hold the query, in any case", async () => {
    const found = await req<SymbolInformation[]>("workspace/symbol", { query: "DOM0" });
    const names = found.map((s) => `${s.name} ${s.containerName}`);
    expect(names).toContain("dom0_t type");
    // (declared by xen.te's declare_singleton_domain(dom0_t, ...): the call's line)
    const type = found.find((s) => s.name === "dom0_t")!;
    expect(type.location.uri).toBe(pathToFileURL(join(tree, "modules/xen.te")).href);
    expect(readFileSync(join(tree, "modules/xen.te"), "utf8").split("\n")[type.location.range.start.line]).toMatch(/^declare_singleton_domain\(dom0_t/);
    const iface = (await req<SymbolInformation[]>("workspace/symbol", { query: "admin_dev" })).find((s) => s.name === "admin_device")!;
    expect(iface.containerName).toBe("m4 interface");
    expect(iface.location.uri).toBe(pathToFileURL(join(tree, "modules/xen.if")).href);
    const perm = (await req<SymbolInformation[]>("workspace/symbol", { query: "settime" })).map((s) => s.containerName);
    expect(perm).toContain("permission of xen");
    expect(found.map((s) => s.name)).toEqual([...found.map((s) => s.name)].sort());
  });

  it("a malformed workspace/symbol request is refused, naming the field", async () => {
    await expect(req("workspace/symbol", { query: 3 })).rejects.toThrow(/params\.query: expected a string/);
  });
});

describe("where the cursor is in a call (signature.ts)", () => {
  const def = (name: string, body: string): MacroDef => ({ name, file: "x.if", bodyOffset: 0, body }) as MacroDef;
  const known = new Map([["two", def("two", "allow $1 $2:x y;")], ["many", def("many", "type $1, shift($@);")]]);
  const cursor = (text: string) => callAt(text.replace("|", ""), text.indexOf("|"), known);

  it("counts the arguments before the cursor: not commas in quotes, inner parentheses or comments", () => {
    expect(cursor("two(|")).toEqual({ name: "two", offset: 0, arg: 0 });
    expect(cursor("two(a, |")).toMatchObject({ arg: 1 });
    expect(cursor("two(`a, b', |")).toMatchObject({ arg: 1 });
    expect(cursor("two(f(a, b), |")).toMatchObject({ arg: 1 });
    expect(cursor("two(a # x, y\n, |")).toMatchObject({ arg: 1 });
    // the innermost known call
    expect(cursor("many(two(a, |")).toMatchObject({ name: "two", arg: 1 });
    expect(cursor("many(a, two(b, c), |")).toMatchObject({ name: "many", arg: 2 });
  });

  it("any arguments: the count of top-level commas before the cursor, however the arguments nest and quote", () => {
    // an argument: a name, a parenthesised list of them, or a quoted text with commas in it
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/);
    const arg = fc.oneof(name, fc.array(name, { maxLength: 3 }).map((xs) => `f(${xs.join(", ")})`), fc.array(name, { maxLength: 3 }).map((xs) => `\`${xs.join(", ")}'`));
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), fc.boolean(), (args, trailing) => {
        const text = `two(${args.join(", ")}${trailing ? ", " : ""}`;
        expect(callAt(text, text.length, known)).toEqual({ name: "two", offset: 0, arg: args.length - (trailing ? 0 : 1) });
        // closed, it is no call the cursor is in
        expect(callAt(`${text})`, text.length + 1, known)).toBeUndefined();
      }),
    );
  });

  it("none after the call closes, or outside a known interface", () => {
    expect(cursor("two(a, b) |")).toBeUndefined();
    expect(cursor("other(a, |")).toBeUndefined();
  });

  it("a signature from the body's $N without a comment, `...` for $@", () => {
    expect(macroSignature(known.get("two")!, []).label).toBe("two($1, $2)");
    expect(macroSignature(known.get("many")!, []).label).toBe("many($1, ...)");
    const named = macroSignature(known.get("two")!, ["two(source, target)", "  Lets source do y to target."]);
    expect(named.label).toBe("two(source, target)");
    expect(named.parameters.map(([a, b]) => named.label.slice(a, b))).toEqual(["source", "target"]);
    expect(named.documentation).toBe("Lets source do y to target.");
  });
});
