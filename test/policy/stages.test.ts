// The compiler's stages are typed functions of each other's output; AST stages are a list a caller
// can extend (OPA's WithStageAfter), and the SVP `platforms` desugaring is one of them.
import { describe, expect, it } from "vitest";
import { Compiler, compile, compiler, platformsStage, type AstStage } from "../../src/policy/index.js";
import { readFileSync } from "node:fs";
import { policyText } from "./policy-text.js";

const SVP = readFileSync(new URL("../../examples/svp/svp.conf", import.meta.url), "utf8");

describe("the compile stages", () => {
  it("run in one visible order, the SVP desugaring registered as an AST stage", () => {
    expect(compiler.stages).toEqual(["parse", "platforms", "resolve", "expand", "check", "image"]);
    expect(compiler.astStages).toEqual([platformsStage]);
  });

  it("hand each stage's output on: the AST a successful run returns has no platform left", () => {
    const run = compile(SVP);
    expect(run.ok).toBe(true);
    if (!run.ok) return;
    expect(run.value.ast.statements.some((s) => s.kind === "platform")).toBe(false);
    expect(run.value.symbols.attrIds.has("gvp1_hwdoms")).toBe(true);
    expect(run.value.policy.image).toBe(run.value.image);
  });

  it("take a caller's AST stage after a named one, and refuse an unknown name", () => {
    const seen: string[] = [];
    const spy: AstStage = {
      name: "spy",
      run(ast) {
        seen.push(...ast.statements.filter((s) => s.kind === "platform").map(() => "platform"));
        return { ast, diagnostics: [] };
      },
    };
    const c = compiler.withStageAfter("platforms", spy);
    expect(c.stages).toEqual(["parse", "platforms", "spy", "resolve", "expand", "check", "image"]);
    expect(c.run(SVP).ok).toBe(true);
    expect(seen).toEqual([]); // platforms ran first
    expect(compiler.stages).not.toContain("spy"); // the shipped compiler is unchanged
    expect(() => compiler.withStageAfter("nope", spy)).toThrow(RangeError);
  });

  it("without the platforms stage, a platform block is a located svp-unavailable error", () => {
    const run = new Compiler([]).run(SVP, { file: "p.conf" });
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.error.map((d) => d.code)).toContain("svp-unavailable");
    expect(run.error.find((d) => d.code === "svp-unavailable")?.span?.file).toBe("p.conf");
  });

  it("stop at the first stage that reports an error and return every diagnostic so far", () => {
    const run = compile(policyText({ te: "allow nope_t dev_t:resource plug;" }));
    expect(run.ok).toBe(false);
    if (!run.ok) expect(run.error.map((d) => d.code)).toEqual(["undeclared"]);
  });
});
