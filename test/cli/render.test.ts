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
