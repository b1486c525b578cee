// textDocument/semanticTokens: each name as the resolved policy says it is (a name it does not
// declare stays unclassified), keywords, comments, strings, numbers and operators from the text;
// the relative encoding, /range, a text edited since its analysis, and the protocol's rules
// (sorted, no overlap, inside the lines) for any text. A tree's .te/.if files are in
// semantic-tokens-tree.test.ts (needs GNU m4).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import type { MessageConnection } from "vscode-jsonrpc/node.js";
import type { InitializeResult, SemanticTokens } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/lsp/job.js";
import { semanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES } from "../../src/lsp/semantic-tokens.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";
import { brokenRule, decodeTokens, show } from "./tokens-decode.js";

const path = join(repoRoot, "test/fixtures/lsp/tokens.conf");
const text = readFileSync(path, "utf8");
const uri = pathToFileURL(path).href;
const modelOf = (t: string, mls = false) => runJob({ unit: "u", version: 1, origin: { kind: "conf", uri }, file: path, text: t, mls });
const tokensOf = (t: string, m = modelOf(t)) => decodeTokens(semanticTokens(t, uri, m, false), t).map(show);

describe("semantic tokens of a policy.conf", () => {
  it("every name as the policy declares it, a declaration marked; an unknown name (nosuch_t) unclassified", () => {
    expect(tokensOf(text)).toEqual([
      "0:0 # every kind of name, each as the resolved policy says it is comment",
      "1:0 class keyword",
      "1:6 domain class+declaration",
      "2:0 class keyword",
      "2:6 resource class+declaration",
      "3:0 sid keyword",
      "3:4 xen variable+declaration+readonly",
      "4:0 common keyword",
      "4:7 basic struct+declaration",
      "4:15 getattr property+declaration",
      "5:0 class keyword",
      "5:6 domain class",
      "5:13 inherits keyword",
      "5:22 basic struct",
      "5:30 create property+declaration",
      "6:0 class keyword",
      "6:6 resource class",
      "6:17 plug property+declaration",
      "6:22 unplug property+declaration",
      "6:29 setup property+declaration",
      "6:35 add_device property+declaration",
      "6:46 remove_device property+declaration",
      "6:60 stat_device property+declaration",
      "6:72 add property+declaration",
      "6:76 remove property+declaration",
      "6:83 use property+declaration",
      "6:87 use_iommu property+declaration",
      "6:97 use_iommu_nointremap property+declaration",
      "7:0 attribute keyword",
      "7:10 guests interface+declaration",
      "8:0 type keyword",
      "8:5 xen_t type+declaration",
      "9:0 type keyword",
      "9:5 dom0_t type+declaration",
      "9:12 alias keyword",
      "9:18 dom0_alias_t type+declaration+alias",
      "9:32 guests interface",
      "10:0 bool keyword",
      "10:5 plug_ok variable+declaration",
      "10:13 true keyword",
      "11:0 tunable keyword",
      "11:8 debug_on variable+declaration+static",
      "11:17 false keyword",
      "12:0 platform keyword",
      "12:9 svp namespace+declaration",
      "12:13 supervisor keyword",
      "13:4 hwdom keyword",
      "13:10 svp_hwdom_t type+declaration",
      "14:4 device keyword",
      "14:11 svp_pci_t type+declaration",
      "14:23 0000:03:00.0 number",
      "16:0 allow keyword",
      "16:6 dom0_t type",
      "16:15 xen_t type",
      "16:21 - operator",
      "16:22 guests interface",
      "16:31 domain class",
      "16:38 ~ operator",
      "16:39 create property",
      "17:0 allow keyword",
      "17:6 guests interface",
      "17:22 resource class",
      "17:31 plug property",
      "18:0 if keyword",
      "18:4 plug_ok variable",
      "18:12 && operator",
      "18:15 ! operator",
      "18:16 plug_ok variable",
      "19:4 allow keyword",
      "19:10 svp_hwdom_t type",
      "19:22 svp_pci_t type",
      "19:32 resource class",
      "19:43 plug property",
      "19:48 use property",
      "20:2 else keyword",
      "21:4 dontaudit keyword",
      "21:14 guests interface",
      "21:21 self keyword",
      "21:26 resource class",
      "21:35 * operator",
      "23:0 if keyword",
      "23:4 debug_on variable+static",
      "24:4 allow keyword",
      "24:10 xen_t type",
      "24:16 self keyword",
      "24:21 domain class",
      "24:28 getattr property",
      "26:0 type_transition keyword",
      "26:16 dom0_t type",
      "26:23 xen_t type",
      "26:29 domain class",
      "26:36 dom0_alias_t type+alias",
      "27:0 attribute_role keyword",
      "27:15 ra typeParameter+declaration+abstract",
      "28:0 role keyword",
      "28:5 system_r typeParameter+declaration",
      "29:0 role keyword",
      "29:5 vm_r typeParameter+declaration",
      "30:0 roleattribute keyword",
      "30:14 vm_r typeParameter",
      "30:19 ra typeParameter+abstract",
      "31:0 role keyword",
      "31:5 system_r typeParameter",
      "31:14 types keyword",
      "31:22 xen_t type",
      "31:28 guests interface",
      "31:35 svp_hwdom_t type",
      "32:0 user keyword",
      "32:5 system_u parameter+declaration",
      "32:14 roles keyword",
      "32:22 system_r typeParameter",
      "32:31 vm_r typeParameter",
      "33:0 constrain keyword",
      "33:10 resource class",
      "33:19 plug property",
      "33:26 r1 keyword",
      "33:29 == operator",
      "33:32 system_r typeParameter",
      "33:41 or keyword",
      "33:44 t1 keyword",
      "33:47 != operator",
      "33:50 dom0_t type",
      "34:0 sid keyword",
      "34:4 xen variable+readonly",
      "34:8 system_u parameter",
      "34:17 system_r typeParameter",
      "34:26 xen_t type",
      "35:0 pcidevicecon keyword",
      "35:13 0x400 number",
      "35:19 system_u parameter",
      "35:28 object_r typeParameter",
      "35:37 svp_pci_t type",
      "36:0 devicetreecon keyword",
      "36:14 \"/soc/uart\" string",
      "36:26 system_u parameter",
      "36:35 object_r typeParameter",
      "36:44 xen_t type",
    ]);
  });

  it("MLS: sensitivities and categories with their aliases, each name of c0.c3", () => {
    const mlsPath = join(repoRoot, "test/fixtures/mls/devices.conf");
    const mls = readFileSync(mlsPath, "utf8");
    const got = decodeTokens(semanticTokens(mls, uri, modelOf(mls, true), false), mls).map(show);
    const on = (line: number) => got.filter((t) => t.startsWith(`${line}:`));
    expect(on(14)).toEqual(["14:0 sensitivity keyword", "14:12 s1 enum+declaration", "14:15 alias keyword", "14:21 secret enum+declaration+alias"]);
    expect(on(18)).toEqual(["18:0 category keyword", "18:9 c1 enumMember+declaration", "18:12 alias keyword", "18:18 blue enumMember+declaration+alias"]);
    expect(on(22)).toEqual(["22:0 level keyword", "22:6 s1 enum", "22:9 c0 enumMember", "22:12 c3 enumMember"]);
    expect(on(47)).toEqual([
      "47:0 user keyword", "47:5 vm_u parameter+declaration", "47:10 roles keyword", "47:18 vm_r typeParameter", "47:25 level keyword", "47:31 s0 enum",
      "47:34 range keyword", "47:40 s0 enum", "47:43 - operator", "47:45 secret enum+alias", "47:52 c0 enumMember", "47:55 blue enumMember+alias",
    ]);
    // compiled without -M, the same names are no sensitivities: left unclassified
    expect(decodeTokens(semanticTokens(mls, uri, modelOf(mls, false), false), mls).filter((t) => t.line === 22).map(show)).toEqual(["22:0 level keyword"]);
  });

  it("the encoding: line and start relative to the token before, length, type, modifiers as bits", () => {
    const small = "class c\nsid s\n  class c { p }\ntype t;\nrole r types t;\nuser u roles r;\nsid s u:r:t\n";
    const m = modelOf(small);
    const [keyword, cls, sid, property] = (["keyword", "class", "variable", "property"] as const).map((t) => TOKEN_TYPES.indexOf(t));
    const decl = 1 << TOKEN_MODIFIERS.indexOf("declaration");
    const readonly = 1 << TOKEN_MODIFIERS.indexOf("readonly");
    expect(semanticTokens(small, uri, m, false).slice(0, 35)).toEqual([
      [0, 0, 5, keyword, 0], [0, 6, 1, cls, decl],
      [1, 0, 3, keyword, 0], [0, 4, 1, sid, decl | readonly],
      [1, 2, 5, keyword, 0], [0, 6, 1, cls, 0], [0, 4, 1, property, decl],
    ].flat());
  });

  it("a range: the same tokens as the whole document's on its lines, encoded from its first", () => {
    const all = decodeTokens(semanticTokens(text, uri, modelOf(text), false), text);
    const part = decodeTokens(semanticTokens(text, uri, modelOf(text), false, { from: 13, to: 19 }), text);
    expect(part).toEqual(all.filter((t) => t.line >= 13 && t.line <= 19));
    // inside a platform block (its head above the range): member keywords and SBDFs still read
    expect(part.slice(0, 5).map(show)).toEqual(["13:4 hwdom keyword", "13:10 svp_hwdom_t type+declaration", "14:4 device keyword", "14:11 svp_pci_t type+declaration", "14:23 0000:03:00.0 number"]);
  });

  it("a text edited since its analysis: a name counts where the text still spells it", () => {
    const m = modelOf(text);
    // two lines inserted at the top: every name of the old analysis is two lines off
    const edited = "# new\n# lines\n" + text;
    const got = decodeTokens(semanticTokens(edited, uri, m, false), edited);
    expect(brokenRule(semanticTokens(edited, uri, m, false), edited)).toBeUndefined();
    expect(got.filter((t) => t.type !== "keyword" && t.type !== "comment" && t.type !== "operator" && t.type !== "number" && t.type !== "string").map(show)).toEqual([]);
    // a word renamed on its own line: that one unclassified, the others kept
    const renamed = text.replace("allow guests nosuch_t:resource plug;", "allow guestz nosuch_t:resource plug;");
    const line17 = decodeTokens(semanticTokens(renamed, uri, m, false), renamed).filter((t) => t.line === 17).map(show);
    expect(line17).toEqual(["17:0 allow keyword", "17:22 resource class", "17:31 plug property"]);
  });

  it("platform is a keyword only at the head of a platform block: a type may be named platform", () => {
    const t = "class c\nsid s\nclass c { p }\ntype platform;\nallow platform platform:c p;\nrole r types platform;\nuser u roles r;\nsid s u:r:platform\n";
    expect(tokensOf(t).filter((x) => x.includes("platform"))).toEqual(["3:5 platform type+declaration", "4:6 platform type", "4:15 platform type", "5:13 platform type", "7:10 platform type"]);
  });

  it("a text denser in tokens than the encoding's first guess: every token, in order", () => {
    // a number every two characters, where the buffer is sized for one token every six
    const dense = "1 ".repeat(20_000);
    const data = semanticTokens(dense, uri, undefined, false);
    expect(Array.isArray(data)).toBe(true);
    expect(data).toHaveLength(20_000 * 5);
    const numberType = TOKEN_TYPES.indexOf("number");
    for (let k = 0; k < data.length; k += 5) expect([data[k], data[k + 1], data[k + 2], data[k + 3], data[k + 4]]).toEqual([0, k === 0 ? 0 : 2, 1, numberType, 0]);
  });

  it("no model (nothing analysed yet): keywords, comments, numbers and strings alone", () => {
    expect(decodeTokens(semanticTokens(text, uri, undefined, false), text).filter((t) => t.line === 35).map(show)).toEqual(["35:0 pcidevicecon keyword", "35:13 0x400 number"]);
  });

  it("any text, analysed or older than its analysis, as a policy or an m4 source: sorted, none overlapping, each inside its line", () => {
    const pieces = ["\n", "\r\n", "\r", " ", "\t", "#", "\"", "{", "}", ";", ":", "(", ")", "`", "'", "-", "~", "*", "!", "&&", "==", "$1", "$#", "dnl", "define(`x',", "0x1f", "12", "0000:03:00.0", "platform p supervisor {", "hwdom", "device", "c0.c3", "allow", "type", "self", "xen_t", "guests", "é", "𝔵"];
    const edit = fc.record({ at: fc.nat(), piece: fc.constantFrom(...pieces), cut: fc.nat({ max: 6 }) });
    const base = modelOf(text);
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 12 }), fc.boolean(), fc.boolean(), fc.option(fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 10 }))), (edits, fresh, m4, range) => {
        let t = text;
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          t = t.slice(0, at) + e.piece + t.slice(at + e.cut);
        }
        const m = fresh ? modelOf(t) : base;
        const data = semanticTokens(t, uri, m, m4, range ? { from: range[0], to: range[0] + range[1] } : undefined);
        expect(brokenRule(data, t)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});

describe("textDocument/semanticTokens over the protocol", () => {
  let client: TestClient & { init: InitializeResult };
  let rpc: MessageConnection;
  const refreshes: number[] = [];
  beforeAll(async () => {
    client = await inProcess({ debounceMs: 20 }, { workspace: { semanticTokens: { refreshSupport: true } } });
    rpc = client.rpc;
    rpc.onRequest("workspace/semanticTokens/refresh", () => {
      refreshes.push(Date.now());
      return null;
    });
    const first = client.diagnostics(uri);
    await client.open(uri, text);
    await first;
  });
  afterAll(() => rpc.dispose());

  it("the legend is the one the tokens are encoded with; full and range", async () => {
    expect(client.init.capabilities.semanticTokensProvider).toEqual({ legend: { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] }, full: true, range: true });
    const full = await rpc.sendRequest<SemanticTokens>("textDocument/semanticTokens/full", { textDocument: { uri } });
    expect(full.data).toEqual(semanticTokens(text, uri, modelOf(text), false));
    const range = await rpc.sendRequest<SemanticTokens>("textDocument/semanticTokens/range", { textDocument: { uri }, range: { start: { line: 30, character: 0 }, end: { line: 31, character: 0 } } });
    expect(decodeTokens(range.data, text).map(show)).toEqual(tokensOf(text).filter((t) => t.startsWith("30:") || t.startsWith("31:")));
    // a document the server does not have: none
    expect((await rpc.sendRequest<SemanticTokens>("textDocument/semanticTokens/full", { textDocument: { uri: "file:///nowhere.conf" } })).data).toEqual([]);
  });

  it("each analysis asks the client to fetch the tokens again (workspace/semanticTokens/refresh)", async () => {
    const before = refreshes.length;
    const next = client.diagnostics(uri);
    await rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: "# edited\n" + text }] });
    await next;
    await expect.poll(() => refreshes.length).toBeGreaterThan(before);
    const full = await rpc.sendRequest<SemanticTokens>("textDocument/semanticTokens/full", { textDocument: { uri } });
    expect(decodeTokens(full.data, "# edited\n" + text).map(show)).toContain("18:6 guests interface");
  });

  it("a malformed request is InvalidParams naming the field", async () => {
    await expect(rpc.sendRequest("textDocument/semanticTokens/full", { textDocument: {} })).rejects.toThrow("params.textDocument.uri: expected a string");
    await expect(rpc.sendRequest("textDocument/semanticTokens/range", { textDocument: { uri } })).rejects.toThrow("params.range: expected an object { start, end }");
    await expect(rpc.sendRequest("textDocument/semanticTokens/range", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: -1, character: 0 } } })).rejects.toThrow("params.range.end.line: expected an integer from 0");
  });
});
