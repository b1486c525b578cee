// Inlay hints at interface calls nested in another call's arguments (`outer(a, `inner(b, c)')`,
// a call in a body handed on as an argument): each call's arguments named by its own define's
// comment, at every level, as a call of its own line is; made from the text alone, so over
// inlay.ts's function with the interfaces read as a tree's .if files are (src/build/macros.ts).
import type { InlayHint } from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { describe, expect, it } from "vitest";
import { macroDefinitions } from "../../src/build/macros.js";
import { DEFAULT_INLAY, inlayHints } from "../../src/lsp/inlay.js";

const iface = [
  "# outer(domain_type, rules)",
  "define(`outer', `allow $1 self:domain pause; $2')",
  "# inner(source, target)",
  "define(`inner', `allow $1 $2:domain getdomaininfo;')",
  "# pair(left, right)",
  "define(`pair', `$1 $2')",
  "define(`anon', `allow $1 $2:event bind;')",
  "",
].join("\n");
const macros = new Map(macroDefinitions(iface, "modules/test.if").map((d) => [d.name, d]));
const sourceOf = (file: string) => (file === "modules/test.if" ? iface : undefined);

/** Each hint as the text before it on its line, then <label>. */
function shown(text: string, from = 0, to = text.length): string[] {
  const doc = TextDocument.create("file:///t/modules/x.te", "xsm-policy", 1, text);
  const range = { start: doc.positionAt(from), end: doc.positionAt(to) };
  const hints: InlayHint[] = inlayHints({ doc, range, options: DEFAULT_INLAY, macros, sourceOf });
  return hints.map((h) => {
    const line = text.split("\n")[h.position.line]!;
    return `${line.slice(0, h.position.character)}<${h.label as string}>`;
  });
}

describe("inlay hints of nested interface calls", () => {
  it("a call in a quoted argument: its own parameters, after the outer call's", () => {
    const text = "outer(dom0_t, `inner(dom0_t, domU_t)')\n";
    expect(shown(text)).toEqual([
      "outer(<domain_type:>",
      "outer(dom0_t, <rules:>",
      "outer(dom0_t, `inner(<source:>",
      "outer(dom0_t, `inner(dom0_t, <target:>",
    ]);
  });

  it("unquoted, two levels down, over lines; none where an argument spells its parameter", () => {
    const text = "pair(outer(dom0_t,\n  inner(source, domU_t)), inner(a_t, b_t))\n";
    expect(shown(text)).toEqual([
      "pair(<left:>",
      "pair(outer(<domain_type:>",
      "  <rules:>",
      "  inner(source, <target:>",
      "  inner(source, domU_t)), <right:>",
      "  inner(source, domU_t)), inner(<source:>",
      "  inner(source, domU_t)), inner(a_t, <target:>",
    ]);
  });

  it("a call in a define's body, handed on: named too; none where its comment names none", () => {
    const text = "define(`both', `outer($1, `inner($1, $2)') anon($1, $2)')\n";
    expect(shown(text)).toEqual([
      "define(`both', `outer(<domain_type:>",
      "define(`both', `outer($1, <rules:>",
      "define(`both', `outer($1, `inner(<source:>",
      "define(`both', `outer($1, `inner($1, <target:>",
    ]);
  });

  it("only the hints in the range asked for, from calls that start before it too", () => {
    const text = "outer(dom0_t,\n  `inner(dom0_t, domU_t)')\n";
    const from = text.indexOf("\n") + 1;
    const second = ["  <rules:>", "  `inner(<source:>", "  `inner(dom0_t, <target:>"];
    expect(shown(text, from)).toEqual(second);
    expect(shown(text, 0, from)).toEqual(["outer(<domain_type:>"]);
  });

  it("a comma or parenthesis in a # comment among the arguments splits nothing (as in m4)", () => {
    const text = "pair(a_t, # the guest's (own) type, see below\n  b_t)\n";
    expect(shown(text)).toEqual(["pair(<left:>", "  <right:>"]);
  });

  it("a call whose list does not close (yet) names nothing; a call in it that closes does", () => {
    const inner = ["outer(dom0_t, inner(<source:>", "outer(dom0_t, inner(a, <target:>"];
    expect(shown("outer(dom0_t, inner(a, b)\n")).toEqual(inner);
  });
});
