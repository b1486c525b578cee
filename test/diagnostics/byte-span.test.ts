// A diagnostic about a binary policy is placed by file and byte offset (its byteSpan), and every
// output form says so: the text renderer, an inline quote, --format json, SARIF, PolicyError.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PolicyError, byteLocation, error, inBinary, warning, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { renderDiagnostic, renderDiagnostics, renderInline } from "../../src/diagnostics/render.js";
import { diagnosticJson, jsonDocument, sarifLog } from "../../src/cli/format.js";
import { loadBinary } from "../../src/binary/load.js";

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
