// Selection ranges on a policy.conf whose text does not parse (being edited): the statements and
// sections of the last good parse where the text is as it was then (before the edit, and after it,
// moved), the text's own statements in what was edited, and from the text alone when there never
// was a good parse: a `class c` or `sid s` without its `;` ends where the next statement's keyword
// starts a line. Never nothing.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SelectionRange } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textSpans } from "../../src/lsp/selection.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";
import { SMALL_POLICY } from "./small-policy.js";

const good = SMALL_POLICY;
const uri = pathToFileURL(join(repoRoot, "test/fixtures/lsp/selection-broken.conf")).href;

function chain(text: string, r: SelectionRange | undefined): string[] {
  const doc = TextDocument.create("x", "x", 0, text);
  const out: string[] = [];
  for (; r; r = r.parent) out.push(doc.getText(r.range));
  return out;
}

describe("selection ranges while the policy.conf does not parse", () => {
  let c: TestClient;
  const select = async (text: string, line: number, word: string, plus = 1) => {
    const character = text.split("\n")[line]!.indexOf(word) + plus;
    const params = { textDocument: { uri }, positions: [{ line, character }] };
    const [r] = (await c.rpc.sendRequest(
      "textDocument/selectionRange",
      params,
    )) as SelectionRange[];
    return chain(text, r);
  };
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 20 });
  });
  afterAll(() => c.close());

  it("never parsed: the text's statements, a class without `;` ending where the next starts", async () => {
    const broken = good.replace("type u, vm;", "type u, vm");
    const first = c.diagnostics(uri);
    await c.open(uri, broken);
    expect((await first).diagnostics.some((d) => d.severity === 1)).toBe(true);
    expect(await select(broken, 1, "d")).toEqual(["d", "class d", broken]);
    expect(await select(broken, 2, " s", 2)).toEqual(["s", "sid s", broken]);
    expect(await select(broken, 5, "r")).toEqual(["r", "{ r }", "class d { r }", broken]);
  });

  it("after a good parse: its statements and sections where the text is as it was, moved", async () => {
    let next = c.diagnostics(uri, (p) => !p.diagnostics.some((d) => d.severity === 1));
    await c.change(uri, 2, good);
    await next;
    const before = await select(good, 11, "q }");
    const classD = await select(good, 1, "d");
    const sidCtx = await select(good, 16, "s_u");
    expect(classD).toEqual(["d", "class d", good.split("\n").slice(0, 2).join("\n"), good]);
    // an edit that breaks the parse (a rule without its `;`) between the `if` and the roles
    const lines = good.split("\n");
    lines.splice(13, 0, "allow t u:c p", "");
    const broken = lines.join("\n");
    next = c.diagnostics(uri, (p) => p.diagnostics.some((d) => d.severity === 1));
    await c.change(uri, 3, broken);
    await next;
    // the rule, the `if`, as parsed; its section grown by the lines the edit put in it
    const inIf = await select(broken, 11, "q }");
    expect(inIf.slice(0, 5)).toEqual(before.slice(0, 5));
    expect(inIf.slice(5)).toEqual([lines.slice(6, 17).join("\n"), broken]);
    expect(await select(broken, 1, "d")).toEqual([...classD.slice(0, -1), broken]);
    // after the edit: the same statement (and section), two lines down
    expect(await select(broken, 18, "s_u")).toEqual([...sidCtx.slice(0, -1), broken]);
    // in the edit: the text's own statement (a rule without its `;` runs on to the next one)
    const inEdit = await select(broken, 13, "u");
    expect(inEdit.slice(0, 2)).toEqual(["u", "allow t u:c p\n\nrole r;"]);
    expect(inEdit.at(-1)).toBe(broken);
  });
});

describe("the text's statements of a policy.conf", () => {
  const statements = (text: string) =>
    textSpans(text, false).statements.map(([a, b]) => text.slice(a, b));
  it("a statement without `;` ends at a line that starts another; a rule's lines stay one", () => {
    expect(statements("class c\nclass d\nsid s\npirqcon 33 u:r:t\nallow a\n  b:c p;\n")).toEqual([
      "class c",
      "class d",
      "sid s",
      "pirqcon 33 u:r:t",
      "allow a\n  b:c p;",
    ]);
    expect(statements("user u roles r\n  level s0 range s0;\nsid k\n  u:r:t\n")).toEqual([
      "user u roles r\n  level s0 range s0;",
      "sid k\n  u:r:t",
    ]);
  });
  it("an m4 source is read as it was (a line is no statement there)", () => {
    expect(textSpans("class c\nclass d\n", true).statements.length).toBe(1);
  });
});
