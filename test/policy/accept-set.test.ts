// The accept set of `checkpolicy -t Xen -c 30`, kind by kind: every file of
// test/fixtures/accept-set was run through checkpolicy (its verdict is in checkpolicy.json;
// test/oracle/accept-set.test.ts re-runs it live) and xsm must reach the same verdict. Where
// checkpolicy fails only because of a C buffer (flex's YYLMAX), xsm accepts with a located warning
// that says so, and that counts as agreeing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { runStages } from "../fuzz/stages.js";
import { parsePolicy } from "../../src/policy/parse.js";
import { decodePolicyText } from "../../src/io/read.js";
import { cpuTimed } from "../cpu.js";

const dir = "test/fixtures/accept-set";
const verdicts = JSON.parse(readFileSync(join(dir, "checkpolicy.json"), "utf8")) as Record<string, "accept" | "reject">;

/** Differences xsm still has, each with the reason; nothing else may differ. */
const KNOWN: Record<string, string> = {};

/** What xsm makes of a policy: accepted, rejected, or accepted with a warning that checkpolicy rejects it. */
function xsmVerdict(text: string, file: string): { verdict: "accept" | "reject" | "warned"; diagnostics: readonly Diagnostic[] } {
  const { diagnostics, ok } = runStages(text, file);
  if (!ok) return { verdict: "reject", diagnostics };
  return { verdict: diagnostics.some((d) => d.code === "checkpolicy-limit") ? "warned" : "accept", diagnostics };
}

describe("xsm accepts what checkpolicy accepts", () => {
  for (const [name, expected] of Object.entries(verdicts)) {
    it(`${name}: checkpolicy ${expected}s it`, () => {
      // the files are bytes: decode them as the CLI does (src/io/read.ts)
      const text = decodePolicyText(readFileSync(join(dir, name)));
      const { verdict, diagnostics } = xsmVerdict(text, name);
      const agrees = expected === "accept" ? verdict === "accept" : verdict !== "accept";
      if (KNOWN[name] !== undefined) {
        expect(agrees, `${name} now agrees: drop it from KNOWN`).toBe(false);
        return;
      }
      expect(agrees, `${name}: ${diagnostics.map((d) => `${d.span?.line}:${d.span?.col} ${d.message}`).join("\n")}`).toBe(true);
      // every error and warning is located inside the file
      for (const d of diagnostics) {
        if (d.span === undefined) continue;
        expect(d.span.offset + d.span.length).toBeLessThanOrEqual(text.length);
        expect(d.span.endLine > d.span.line || (d.span.endLine === d.span.line && d.span.endCol >= d.span.col)).toBe(true);
      }
    });
  }
});

describe("flex's YYLMAX (8192): checkpolicy rejects, xsm warns where", () => {
  const base = readFileSync("test/fixtures/cli/small.conf", "utf8");
  const lines = base.split("\n");
  const comment = (n: number) => "#" + "x".repeat(n - 1);
  const withLine = (at: number, line: string) => [...lines.slice(0, at), line, ...lines.slice(at)].join("\n");
  const cases: [string, string, "accept" | "warned"][] = [
    ["a later line of 8190 bytes", withLine(3, comment(8190)), "accept"],
    ["a later line of 8191 bytes", withLine(3, comment(8191)), "warned"],
    ["a first line of 8191 bytes", withLine(0, comment(8191)), "accept"],
    ["a first line of 8192 bytes", withLine(0, comment(8192)), "warned"],
    ["a last line of 9001 bytes without newline", base + comment(9001), "warned"],
    ["a later line of 4096 two-byte characters (8192 bytes)", withLine(3, "#" + "\u00e9".repeat(4096)), "warned"],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => {
      const { verdict, diagnostics } = xsmVerdict(text, "long.conf");
      expect(verdict, diagnostics.map((d) => d.message).join("\n")).toBe(expected);
      if (expected === "warned") expect(diagnostics.find((d) => d.code === "checkpolicy-limit")!.severity).toBe("warning");
    });
  }

  it("the parser itself has no line limit", () => {
    const { diagnostics } = parsePolicy(`type a; # ${"a".repeat(100_000)}\ntype b;`, "t.conf", { sections: false });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});

describe("the library's input limits", () => {
  const base = readFileSync("test/fixtures/cli/small.conf", "utf8");
  it("refuses text, names and statements past its limits, at a located error", () => {
    const tooLong = runStages(base, "t.conf", { limits: { bytes: 100 } });
    expect(tooLong.ok).toBe(false);
    expect(tooLong.diagnostics[0]).toMatchObject({ code: "limit", span: { offset: 100 } });
    const name = runStages(base.replace("type nic_t,", `type n${"x".repeat(10_000)},`), "t.conf");
    expect(name.diagnostics.find((d) => d.code === "limit")?.message).toBe("a name of 10001 characters: the limit is 8191");
    const many = runStages(base, "t.conf", { limits: { statements: 10 } });
    expect(many.diagnostics.find((d) => d.code === "limit")?.span?.line).toBe(12);
  });

  it("a million-character name is refused quickly", () => {
    const [r, ms] = cpuTimed(() => runStages(base.replace("type nic_t,", `type n${"x".repeat(1_000_000)},`), "t.conf"));
    expect(r.ok).toBe(false);
    expect(ms).toBeLessThan(5000);
  });

  it("a flood of errors is cut at 1000 and counted, never a crash", () => {
    const rules = Array.from({ length: 150_000 }, (_, i) => `allow nosuch${i} xen_t:xen settime;`).join("\n");
    const r = runStages(base.replace("bool guests_may_plug false;", `bool guests_may_plug false;\n${rules}`), "t.conf");
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toHaveLength(1001);
    expect(r.diagnostics[1000]!.message).toBe("... and 149000 more (149000 errors); fix the first ones and compile again");
  });
});
