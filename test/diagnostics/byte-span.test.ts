// A diagnostic about a binary policy is placed by file and byte offset (its byteSpan), and every
// output form says so: the text renderer, an inline quote, --format json, SARIF, PolicyError. One
// about a file as a whole (its `file`) names the file in each of them, with no place in it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PolicyError, aboutFile, byteLocation, error, inBinary, warning, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostic, renderDiagnostics, renderInline } from "../../src/diagnostics/render.js";
import { diagnosticJson, jsonDocument, sarifLog } from "../../src/cli/format.js";
import { loadBinary, loadPolicyBytes } from "../../src/binary/load.js";
import { rewriteBinary } from "../../src/binary/compile.js";

const truncated: Diagnostic = inBinary(error("binary-format", "truncated validatetrans count: needs 4 bytes, 2 left"), "xenpolicy-4.20", 298);
const refused: Diagnostic = inBinary(warning("constraint-extra-perms", "class resource's constraint 1 of 2 has permissions 0x6"), "p.bin", 130);

describe("a byte location", () => {
  it("reads FILE: offset N (0xHEX)", () => {
    expect(byteLocation({ file: "xenpolicy-4.20", offset: 298 })).toBe("xenpolicy-4.20: offset 298 (0x12a)");
    expect(byteLocation({ file: "p.bin", offset: 0 })).toBe("p.bin: offset 0 (0x0)");
  });

  it("is rendered in place of file:line:col, with the severity after it and no excerpt", () => {
    // the text given is not the binary's: a byte span never quotes a line
    expect(renderDiagnostic(truncated, "some text\n", "other")).toBe("xenpolicy-4.20: offset 298 (0x12a): error: truncated validatetrans count: needs 4 bytes, 2 left\n");
    expect(renderDiagnostics([refused, truncated], undefined, "other")).toBe(
      "p.bin: offset 130 (0x82): warning: class resource's constraint 1 of 2 has permissions 0x6\n" +
        "xenpolicy-4.20: offset 298 (0x12a): error: truncated validatetrans count: needs 4 bytes, 2 left\n" +
        "1 error, 1 warning\n",
    );
  });

  it("is quoted inline (a scenario error, a log line) and in PolicyError's message", () => {
    expect(renderInline(truncated)).toBe("xenpolicy-4.20: offset 298 (0x12a): truncated validatetrans count: needs 4 bytes, 2 left");
    expect(new PolicyError([truncated]).message).toBe("xenpolicy-4.20: offset 298 (0x12a): truncated validatetrans count: needs 4 bytes, 2 left");
  });

  it("is --format json's file with a byteOffset, line and column null", () => {
    expect(diagnosticJson(truncated)).toEqual({
      code: "binary-format",
      severity: "error",
      message: "truncated validatetrans count: needs 4 bytes, 2 left",
      file: "xenpolicy-4.20",
      line: null,
      column: null,
      endLine: null,
      endColumn: null,
      byteOffset: 298,
      notes: [],
    });
    // a text diagnostic has no byteOffset field at all
    expect(JSON.parse(jsonDocument([error("syntax", "x")])).diagnostics[0]).not.toHaveProperty("byteOffset");
  });

  it("is a SARIF region with a byteOffset", () => {
    const result = sarifLog([truncated], "0.0.0").runs[0]!.results![0]!;
    expect(result.locations).toEqual([{ physicalLocation: { artifactLocation: { uri: "xenpolicy-4.20" }, region: { byteOffset: 298 } } }]);
  });
});

describe("the binary reader places what it finds", () => {
  const fixture = "test/fixtures/binary/hand-made/constrain-zero.bin";

  it("a truncated file: one error at the offset where reading stopped, in the file named", () => {
    const cut = new Uint8Array(readFileSync(fixture)).subarray(0, 300);
    let err: unknown;
    try {
      loadBinary(cut, "cut.bin");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyError);
    const [d] = (err as PolicyError).diagnostics;
    expect(d!.span).toBeUndefined();
    expect(d!.byteSpan).toEqual({ file: "cut.bin", offset: 298 });
    expect(d!.message).toBe("truncated validatetrans count: needs 4 bytes, 2 left");
  });

  it("a libsepol refusal: a warning at its node's offset", () => {
    const { warnings } = loadBinary(new Uint8Array(readFileSync(fixture)), "zero.bin");
    expect(warnings.map((w) => [w.code, w.byteSpan])).toEqual([["constraint-class-twice", { file: "zero.bin", offset: 130 }]]);
  });
});

describe("a whole-file diagnostic", () => {
  const dropped: Diagnostic = aboutFile(warning("version-dropped", "1 filename type transition is left out of the version 24 policy"), "t11.bin");

  it("names its file where a place would be, in every form", () => {
    expect(renderDiagnostic(dropped, undefined, "other")).toBe("t11.bin: warning: 1 filename type transition is left out of the version 24 policy\n");
    expect(renderInline(dropped)).toBe("t11.bin: 1 filename type transition is left out of the version 24 policy");
    expect(new PolicyError([dropped]).message).toBe("t11.bin: 1 filename type transition is left out of the version 24 policy");
    expect(diagnosticJson(dropped)).toMatchObject({ file: "t11.bin", line: null, column: null });
    expect(diagnosticJson(dropped)).not.toHaveProperty("byteOffset");
    expect(sarifLog([dropped], "0.0.0").runs[0]!.results![0]!.locations).toEqual([{ physicalLocation: { artifactLocation: { uri: "t11.bin" } } }]);
  });

  it("an inline quote names the caller's file only for a diagnostic that names none", () => {
    expect(renderInline(error("input", "no policy"), "p.conf")).toBe("p.conf: no policy");
    expect(renderInline(dropped, "p.conf")).toBe("t11.bin: 1 filename type transition is left out of the version 24 policy");
    expect(renderInline(truncated, "p.conf")).toBe("xenpolicy-4.20: offset 298 (0x12a): truncated validatetrans count: needs 4 bytes, 2 left");
  });

  it("is what a rewrite leaves out, and bytes that are neither text nor a binary policy", () => {
    const { warnings } = rewriteBinary(new Uint8Array(readFileSync("test/fixtures/binary/edge/t11.bin")), "t11.bin", { version: 24 });
    expect(warnings.map((w) => [w.code, w.file, w.byteSpan])).toEqual([
      ["version-dropped", "t11.bin", undefined],
      ["version-dropped", "t11.bin", undefined],
    ]);
    let err: unknown;
    try {
      loadPolicyBytes(Uint8Array.of(0xff, 0xfe, 0x41), "latin.conf");
    } catch (e) {
      err = e;
    }
    // (read as checkpolicy reads it, as `xsm compile` does: its first byte is the error)
    expect((err as PolicyError).diagnostics[0]).toMatchObject({ code: "bad-character", span: { file: "latin.conf", line: 1, col: 1 } });
  });
});
