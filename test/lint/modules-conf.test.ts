// modules.conf as a tree's Makefile reads it (src/lint/modules-conf.ts): Makefile.common's
// `awk '/^[ \t]*[a-z]/{ if ($3 == "on") print $1 }'`, and Xen 4.3-4.5's `[[:alpha:]]` with 4.3-4.7's
// case-blind `find -iname`. Each finding here is a line the Makefile skips or reads otherwise than
// it looks; a list the Makefile reads as written (Xen's own) has none.
import { describe, expect, it } from "vitest";
import { modulesConfFindings, type ModulesConfInput } from "../../src/lint/modules-conf.js";

const LOWER = { reads: /^[ \t]*[a-z]/, readsWhat: "lines starting with a lowercase letter", caseBlind: false };
const file = "modules/modules.conf";
const te = (...names: string[]) => names.map((name) => ({ name, file: `modules/${name}.te` }));

function found(text: string, more: Partial<ModulesConfInput> = {}): string[] {
  return modulesConfFindings({ file, text, modules: te("xen", "dom0"), ...LOWER, ...more }).map(
    (d) => `${d.span!.file}:${d.span!.line}:${d.span!.col}-${d.span!.endCol} ${d.message}${(d.notes ?? []).map((n) => ` [${n.message} ${n.span!.line}]`).join("")}`,
  );
}

describe("modules.conf as the Makefile reads it", () => {
  it("Xen's own layout: comments, blank lines, `NAME = on|off`, blanks anywhere: nothing to say", () => {
    expect(found("# comment\n\nxen = on\n  dom0\t=\ton  # trailing words are ignored\nextra = off\n", { modules: te("xen", "dom0", "extra") })).toEqual([]);
  });

  it("`xen=on` and `xen =on` are not three words: module off, the fix said", () => {
    expect(found("xen=on\ndom0 =on\n")).toEqual([
      "modules/modules.conf:1:1-7 `xen=on` is not three words to the Makefile's awk, which splits on blanks, so it is no switch: module `xen` is off; write `xen = on`",
      "modules/modules.conf:2:1-9 `dom0 =on` is not three words to the Makefile's awk, which splits on blanks, so it is no switch: module `dom0` is off; write `dom0 = on`",
    ]);
  });

  it("a third word other than on or off, or none: off", () => {
    expect(found("xen = yes\ndom0\n")).toEqual([
      "modules/modules.conf:1:1-10 the Makefile takes a module as on only when the line's third word is `on`, and here it is `yes`, so module `xen` is off",
      "modules/modules.conf:2:1-5 the Makefile takes a module as on only when the line's third word is `on` (`dom0 = on`), and this line has none, so module `dom0` is off",
    ]);
  });

  it("a switch starting with a capital or a digit is skipped from Xen 4.6 on; 4.3-4.5 read a capital", () => {
    const text = "xen = on\n  Dom0 = on\n9lives = off\n";
    expect(found(text)).toEqual([
      "modules/modules.conf:2:3-7 the Makefile reads only lines starting with a lowercase letter, so it skips this line: module `Dom0` is neither on nor off, and is left out",
      "modules/modules.conf:3:1-7 the Makefile reads only lines starting with a lowercase letter, so it skips this line: module `9lives` is neither on nor off, and is left out",
    ]);
    const alpha = { reads: /^[ \t]*[A-Za-z]/, readsWhat: "lines starting with a letter", caseBlind: true, file: "policy/modules.conf" };
    expect(found(text, { ...alpha, modules: [{ name: "xen", file: "policy/modules/xen/xen.te" }, { name: "dom0", file: "policy/modules/xen/dom0.te" }] })).toEqual([
      "policy/modules.conf:3:1-7 the Makefile reads only lines starting with a letter, so it skips this line: module `9lives` is neither on nor off, and is left out",
    ]);
  });

  it("a module listed twice: on twice goes to m4 twice; on and off is on; the first line noted", () => {
    expect(found("xen = on\ndom0 = off\nxen = on\ndom0 = on\ndom0 = off\n")).toEqual([
      "modules/modules.conf:3:1-4 module `xen` is switched on again (first at line 1): the Makefile hands its files to m4 twice, which declares everything in them twice [switched on here 1]",
      "modules/modules.conf:4:1-5 module `dom0` is switched on here and off at line 2: the Makefile takes it as on (any line that says so) [listed first here 2]",
      "modules/modules.conf:5:1-5 module `dom0` is switched off here and on at line 4: the Makefile takes it as on (any line that says so) [switched on here 4]",
    ]);
    expect(found("xen = on\ndom0 = off\ndom0 = off\n")).toEqual(["modules/modules.conf:3:1-5 module `dom0` is listed again (first at line 2) [listed first here 2]"]);
  });

  it("a module file no line names is left out, said at the file; not again when a line's finding names it", () => {
    expect(found("xen = on\n", { modules: te("xen", "dom0", "extra") })).toEqual([
      "modules/dom0.te:1:1-1 module `dom0` is not in modules/modules.conf, so the Makefile leaves it out: add `dom0 = on` there (or `dom0 = off`, to say so)",
      "modules/extra.te:1:1-1 module `extra` is not in modules/modules.conf, so the Makefile leaves it out: add `extra = on` there (or `extra = off`, to say so)",
    ]);
    expect(found("xen = on\nDom0 = on\n").filter((f) => f.includes("dom0.te"))).toEqual([]);
  });

  it("4.3-4.7: a module on with no file in any case is built without; the case of its file does not matter", () => {
    const old = { reads: /^[ \t]*[A-Za-z]/, readsWhat: "lines starting with a letter", caseBlind: true, file: "policy/modules.conf", modules: [{ name: "Xen", file: "policy/modules/xen/Xen.te" }] };
    expect(found("xen = on\ngone = on\nalso_gone = off\n", old)).toEqual([
      "policy/modules.conf:2:1-5 module `gone` is on, but no module file is named gone.te (in any case): the Makefile's find gives nothing and it builds without it",
    ]);
  });
});
