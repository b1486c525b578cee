import { describe, expect, it } from "vitest";
import type { Diagnostic, Span } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostic, renderDiagnostics } from "../../src/diagnostics/render.js";

function spanOf(text: string, needle: string, file = "p.conf", line = 0): Span {
  const offset = text.indexOf(needle);
  const before = text.slice(0, offset);
  const physLine = before.split("\n").length;
  const col = offset - before.lastIndexOf("\n");
  return { file, line: line || physLine, col, endLine: physLine, endCol: col + needle.length, offset, length: needle.length };
}

describe("renderDiagnostic", () => {
  const text = "class xen\nallow dom0_t nic_t:resource plug;\n";

  it("prints file:line:col, the source line and a caret under the span", () => {
    const d: Diagnostic = { code: "undeclared", severity: "error", message: "unknown type 'nic_t'", span: spanOf(text, "nic_t") };
    expect(renderDiagnostic(d, text, "p.conf")).toBe(
      "p.conf:2:14: error: unknown type 'nic_t'\nallow dom0_t nic_t:resource plug;\n             ^~~~~\n",
    );
  });

  it("renders notes the same way, after their diagnostic", () => {
    const d: Diagnostic = {
      code: "duplicate",
      severity: "error",
      message: "duplicate declaration of class 'xen'",
      span: spanOf(text, "plug"),
      notes: [{ message: "first declared here", span: spanOf(text, "xen") }],
    };
    expect(renderDiagnostic(d, text, "p.conf")).toBe(
      [
        "p.conf:2:29: error: duplicate declaration of class 'xen'",
        "allow dom0_t nic_t:resource plug;",
        "                            ^~~~",
        "p.conf:1:7: note: first declared here",
        "class xen",
        "      ^~~",
        "",
      ].join("\n"),
    );
  });

  it("uses the #line-mapped location but shows the physical line", () => {
    const d: Diagnostic = { code: "syntax", severity: "error", message: "bad", span: spanOf(text, "dom0_t", "xen.te", 40) };
    expect(renderDiagnostic(d, text, "p.conf").split("\n")[0]).toBe("xen.te:40:7: error: bad");
  });

  it("keeps tabs so the caret lines up", () => {
    const t = "\tallow x y:c p;\n";
    const d: Diagnostic = { code: "unused", severity: "warning", message: "w", span: spanOf(t, "y") };
    expect(renderDiagnostic(d, t, "p.conf")).toBe("p.conf:1:10: warning: w\n\tallow x y:c p;\n\t        ^\n");
  });

  it("clips a huge line to a window around the span", () => {
    const t = `${"x ".repeat(50_000)}BAD${" y".repeat(50_000)}`;
    const d: Diagnostic = { code: "syntax", severity: "error", message: "bad", span: spanOf(t, "BAD") };
    const [, line, caret] = renderDiagnostic(d, t, "p.conf").split("\n");
    expect(line!.length).toBeLessThan(200);
    expect(line!.startsWith("...") && line!.endsWith("...")).toBe(true);
    expect(line!.slice(caret!.indexOf("^"), caret!.indexOf("^") + 3)).toBe("BAD");
  });

  it("prints a diagnostic without a span on one line, and a count of errors", () => {
    const d: Diagnostic = { code: "syntax", severity: "error", message: "no policy" };
    expect(renderDiagnostics([d], text, "p.conf")).toBe("p.conf: error: no policy\n1 error\n");
  });
});

describe("diagnostics about a JSON document", () => {
  it("print as file: /json/pointer: message, as scenario errors always have", () => {
    const d: Diagnostic = { code: "scenario-schema", severity: "error", message: "expected boolean", path: "/steps/2/value" };
    expect(renderDiagnostic(d, undefined, "s.json")).toBe("s.json: /steps/2/value: expected boolean\n");
    expect(renderDiagnostic({ ...d, path: "" }, undefined, "s.json")).toBe("s.json: /: expected boolean\n");
  });
});

describe("what a terminal would act on", () => {
  const d = (text: string, needle: string, message = "m"): string => renderDiagnostic({ code: "syntax", severity: "error", message, span: spanOf(text, needle) }, text, "p.conf");

  it("is escaped in the quoted line as clang shows it, the caret under the escape", () => {
    expect(d("allow a_t \x1b[31mb_t;\n", "\x1b")).toBe("p.conf:1:11: error: m\nallow a_t <U+001B>[31mb_t;\n          ^~~~~~~~\n");
    // a right-to-left override would reorder the rest of the line on screen
    expect(d("type \u202egnp_t;\n", "gnp_t")).toBe("p.conf:1:7: error: m\ntype <U+202E>gnp_t;\n             ^~~~~\n");
    // a byte that is not UTF-8 (decodePolicyText's U+DC80 + byte) as the byte; a tab stays a tab
    expect(d("\ttype caf\udce9_t;\n", "_t")).toBe("p.conf:1:11: error: m\n\ttype caf<E9>_t;\n\t            ^~\n");
  });

  it("is escaped in the message and the file name too (newlines kept)", () => {
    const text = "type a_t;\n";
    const out = renderDiagnostic({ code: "syntax", severity: "error", message: "found '\x1b]0;x\x07'", span: { ...spanOf(text, "a_t"), file: "a\x1bb.te" } }, text, "p.conf");
    expect(out.split("\n")[0]).toBe("a<U+001B>b.te:1:6: error: found '<U+001B>]0;x<U+0007>'");
  });

  it("leaves a binary file's line out, saying why, and whether it is a binary policy read as text", () => {
    const elf = "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00\x01\x00\x00\x00";
    expect(d(elf, "\x00")).toBe(
      "p.conf:1:8: error: m\n(source line not shown: it is not text, so the file looks binary; xsm reads a binary policy, checkpolicy's output, by the magic number it starts with, 8c ff 7c f9, which this file lacks)\n",
    );
    const policy = "\udc8c\udcff|\udcf9\x08\x00\x00\x00XenFlask\x1e\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x06\x00\x00\x00";
    expect(d(policy, "X")).toContain("(source line not shown: the file is a binary policy, by its magic number; xsm compile, check, search, info, diff, why, allow and flow read it as one)");
  });
});
