// textDocument/selectionRange grows from the name under the cursor through its set or call, its
// statement (a policy.conf's parsed one, an `if` around its rules), a define, the policy.conf's
// section, to the file, each range inside the next; textDocument/inlayHint names an interface
// call's parameters as the define's comment does and counts an attribute's types in a rule, and
// either can be switched off. Over the protocol, as an editor asks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import type { InlayHint, InitializeResult, Range, SelectionRange } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectionRanges } from "../../src/lsp/selection.js";
import { hasM4 } from "../tools.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";
import { SMALL_POLICY } from "./small-policy.js";

const policy = SMALL_POLICY;
const confUri = pathToFileURL(join(repoRoot, "test/fixtures/lsp/selection.conf")).href;
const lines = policy.split("\n");

/** The text of each range of a selection chain, innermost first. */
function chain(text: string, r: SelectionRange | undefined): string[] {
  const doc = TextDocument.create("x", "x", 0, text);
  const out: string[] = [];
  for (; r; r = r.parent) out.push(doc.getText(r.range));
  return out;
}
const inside = (outer: Range, inner: Range) =>
  (outer.start.line < inner.start.line || (outer.start.line === inner.start.line && outer.start.character <= inner.start.character)) &&
  (inner.end.line < outer.end.line || (inner.end.line === outer.end.line && inner.end.character <= outer.end.character));

describe("selection ranges and inlay hints of a policy.conf", () => {
  let c: TestClient;
  const req = <T>(method: string, params: object) => c.rpc.sendRequest(method, params) as Promise<T>;
  const at = (line: number, word: string, plus = 1) => ({ line, character: lines[line]!.indexOf(word) + plus });
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 20 });
    const first = c.diagnostics(confUri);
    await c.open(confUri, policy);
    expect((await first).diagnostics.filter((d) => d.severity === 1)).toEqual([]);
  });
  afterAll(() => c.close());

  it("are advertised", async () => {
    const init = await req<InitializeResult>("initialize", { processId: null, rootUri: null, capabilities: {} });
    expect(init.capabilities.selectionRangeProvider).toBe(true);
    expect(init.capabilities.inlayHintProvider).toBe(true);
  });

  it("a permission in a rule inside an if: the set, the rule, the if, its section, the file", async () => {
    const [r] = await req<SelectionRange[]>("textDocument/selectionRange", { textDocument: { uri: confUri }, positions: [at(11, "q }")] });
    expect(chain(policy, r)).toEqual(["q", "{ p q }", "allow vm t:c { p q };", "{\n  allow vm t:c { p q };\n}", lines.slice(10, 13).join("\n"), lines.slice(6, 15).join("\n"), policy]);
  });

  it("a class declared without a `;`: its parsed statement, not the text up to the next `;`", async () => {
    const rs = await req<SelectionRange[]>("textDocument/selectionRange", { textDocument: { uri: confUri }, positions: [at(1, "d"), at(5, "r")] });
    expect(chain(policy, rs[0])).toEqual(["d", "class d", lines.slice(0, 2).join("\n"), policy]);
    expect(chain(policy, rs[1])).toEqual(["r", "{ r }", "class d { r }", lines.slice(4, 6).join("\n"), policy]);
  });

  it("an attribute in a rule's type set says how many types it has; none at its declaration or a type's list", async () => {
    const hints = await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: confUri }, range: { start: { line: 0, character: 0 }, end: { line: 16, character: 0 } } });
    expect(hints.map((h) => [h.position, h.label, h.tooltip])).toEqual([[{ line: 11, character: 10 }, "(2 types)", "vm: t, u"]]);
    // outside the range asked for: none
    expect(await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: confUri }, range: { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } } })).toEqual([]);
  });

  it("a malformed request is refused naming the field", async () => {
    await expect(req("textDocument/selectionRange", { textDocument: { uri: confUri }, positions: [{ line: -1, character: 0 }] })).rejects.toThrow(/params\.positions\[0\]\.line: expected an integer from 0/);
    await expect(req("textDocument/inlayHint", { textDocument: { uri: confUri } })).rejects.toThrow(/params\.range: expected an object/);
  });
});

describe("selection ranges over any text", () => {
  it("each range holds the position and the range before it, the last is the file", () => {
    const alphabet = fc.constantFrom(..."ab_ ;{}()\n#`',$1".split(""), "dnl ", "class ", "allow ");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }).map((a) => a.join("")), fc.nat(), fc.boolean(), (text, k, m4) => {
        const doc = TextDocument.create("x", "x", 0, text);
        const pos = doc.positionAt(k % (text.length + 1));
        let [r] = selectionRanges({ doc, m4 }, [pos]);
        expect(inside(r!.range, { start: pos, end: pos })).toBe(true);
        let last = r!;
        for (r = r!.parent; r; r = r.parent) {
          expect(inside(r.range, last.range)).toBe(true);
          expect(r.range).not.toEqual(last.range);
          last = r;
        }
        expect(last.range).toEqual({ start: { line: 0, character: 0 }, end: doc.positionAt(text.length) });
      }),
      { numRuns: 500 },
    );
  });
});

const tree = join(repoRoot, "examples/xen-flask");
const dom0Path = join(tree, "modules/dom0.te");
const dom0 = readFileSync(dom0Path, "utf8");
const dom0Uri = pathToFileURL(dom0Path).href;
const featuresPath = join(tree, "modules/guest_features.te");
const features = readFileSync(featuresPath, "utf8");
const featuresUri = pathToFileURL(featuresPath).href;
const xenIfPath = join(tree, "modules/xen.if");
const xenIf = readFileSync(xenIfPath, "utf8");

describe.skipIf(!hasM4)("selection ranges and inlay hints in a policy tree (needs GNU m4)", () => {
  let c: TestClient;
  const req = <T>(method: string, params: object) => c.rpc.sendRequest(method, params) as Promise<T>;
  const whole = (text: string) => ({ start: { line: 0, character: 0 }, end: TextDocument.create("x", "x", 0, text).positionAt(text.length) });
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 50 });
    const first = c.diagnostics(dom0Uri);
    await c.open(dom0Uri, dom0);
    await first;
    await c.open(featuresUri, features);
  });
  afterAll(() => c.close());

  it("an interface call's arguments are named as xen.if's comment names the parameters", async () => {
    const hints = await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: dom0Uri }, range: whole(dom0) });
    const dom0Lines = dom0.split("\n");
    const shown = hints.map((h) => `${dom0Lines[h.position.line]!.slice(0, h.position.character)}<${h.label as string}>`);
    expect(shown).toContain("admin_device(<domain_type:>");
    expect(shown).toContain("admin_device(dom0_t, <device_type:>");
    expect(shown).toContain("domain_comms(dom0_t, <domain2:>");
    expect(shown).toContain("xen_build_domain(<domain_type:>");
    for (const h of hints) expect(h.paddingRight).toBe(true);
    // every call of an interface whose comment names its parameters, one hint per argument
    const calls = [...dom0.matchAll(/^(admin_device|domain_comms)\(/gm)].length;
    expect(shown.filter((s) => /^(admin_device|domain_comms)\(/.test(s)).length).toBe(calls * 2);
  });

  it("a variadic parameter is named once, at its first argument", async () => {
    const xenTeUri = pathToFileURL(join(tree, "modules/xen.te")).href;
    const xenTe = readFileSync(join(tree, "modules/xen.te"), "utf8").replace("declare_singleton_domain(dom0_t, mls_priv)", "declare_singleton_domain(dom0_t, mls_priv, xen_type)");
    await c.open(xenTeUri, xenTe);
    const lines = xenTe.split("\n");
    const line = lines.findIndex((l) => l.startsWith("declare_singleton_domain(dom0_t"));
    const hints = await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: xenTeUri }, range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } } });
    expect(hints.map((h) => `${lines[line]!.slice(0, h.position.character)}<${h.label as string}>`)).toEqual(["declare_singleton_domain(<type:>", "declare_singleton_domain(dom0_t, <extra_attributes...:>"]);
  });

  it("an attribute in a .te's rule: its number of types, which the tree's policy gives it", async () => {
    const hints = await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: featuresUri }, range: whole(features) });
    const lines = features.split("\n");
    const line = lines.findIndex((l) => l.startsWith("allow domain_type xen_t:xen2"));
    const hint = hints.find((h) => h.position.line === line)!;
    expect(hint.position.character).toBe("allow domain_type".length);
    const count = Number(/^\((\d+) types?\)$/.exec(hint.label as string)?.[1]);
    expect(count).toBeGreaterThan(2);
    expect((hint.tooltip as string).split(", ")).toHaveLength(count);
    expect(hint.tooltip).toMatch(/^domain_type: .*\bdom0_t\b/);
  });

  it("in a define's body: the statement, the define, the file", async () => {
    const xenIfUri = pathToFileURL(xenIfPath).href;
    await c.open(xenIfUri, xenIf);
    const lines = xenIf.split("\n");
    const line = lines.findIndex((l) => l.includes("allow $1 $2:grant"));
    const [r] = await req<SelectionRange[]>("textDocument/selectionRange", { textDocument: { uri: xenIfUri }, positions: [{ line, character: lines[line]!.indexOf("$2") + 1 }] });
    const texts = chain(xenIf, r);
    expect(texts.slice(0, 2)).toEqual(["$2", "allow $1 $2:grant { query setup };"]);
    expect(texts[2]).toMatch(/^define\(`declare_domain_common', `\n\tallow \$1 \$2:grant[^]*'\)$/);
    expect(texts.slice(3)).toEqual([xenIf]);
  });

  it("in an interface call: the argument, the call, the file", async () => {
    const lines = dom0.split("\n");
    const line = lines.findIndex((l) => l.startsWith("admin_device(dom0_t, device_t)"));
    const [r] = await req<SelectionRange[]>("textDocument/selectionRange", { textDocument: { uri: dom0Uri }, positions: [{ line, character: 23 }] });
    expect(chain(dom0, r)).toEqual(["device_t", "admin_device(dom0_t, device_t)", dom0]);
  });
});

describe.skipIf(!hasM4)("inlay hints switched off (needs GNU m4)", () => {
  it("initializationOptions.inlayHints turns either kind off; a wrong option is refused", async () => {
    const c = await inProcess({ debounceMs: 20 });
    const req = <T>(method: string, params: object) => c.rpc.sendRequest(method, params) as Promise<T>;
    try {
      await expect(req("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: { inlayHints: { parameterNames: "no" } } })).rejects.toThrow(/initializationOptions\.inlayHints\.parameterNames: expected true or false/);
      await expect(req("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: { inlayHints: { types: false } } })).rejects.toThrow(/inlayHints\.types: expected no such option/);
      await req("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: { inlayHints: { parameterNames: false } } });
      const first = c.diagnostics(dom0Uri);
      await c.open(dom0Uri, dom0);
      await first;
      await c.open(featuresUri, features);
      const range = { start: { line: 0, character: 0 }, end: { line: 400, character: 0 } };
      expect(await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: dom0Uri }, range })).toEqual([]);
      expect((await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: featuresUri }, range })).length).toBeGreaterThan(0);
      await req("initialize", { processId: null, rootUri: null, capabilities: {}, initializationOptions: { inlayHints: { attributeTypes: false } } });
      const left = await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: featuresUri }, range });
      expect(left.map((h) => h.label)).toEqual(["name:", "default:"]); // gen_bool's, which stay on
      expect((await req<InlayHint[]>("textDocument/inlayHint", { textDocument: { uri: dom0Uri }, range })).length).toBeGreaterThan(0);
    } finally {
      await c.close();
    }
  });
});
