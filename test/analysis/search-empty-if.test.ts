// `if` blocks with no rules in either branch: checkpolicy's define_conditional makes no node for
// them, so the next `if` with the same booleans and truth table makes the node, and its expression
// is the one sesearch prints (`[ b3 ]`, not the empty block's `[ b3 && b3 ]`). The expected outputs
// are sesearch 4.4.1's on checkpolicy's binary of the policy (test/fixtures/binary/edge, where the
// writer test also compares our binary with it byte for byte).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

const policy = "test/fixtures/binary/edge/emptyif";
const cases = JSON.parse(readFileSync("test/fixtures/analysis/empty-if.sesearch.json", "utf8")) as { args: string[]; code: number; stdout: string }[];

describe("xsm search on `if` blocks with no rules = sesearch", () => {
  for (const input of [`${policy}.conf`, `${policy}.bin`]) {
    for (const c of cases) {
      it(`${input.slice(-4)} ${c.args.join(" ")}`, async () => {
        const r = await xsm("search", input, ...c.args);
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: c.code, stdout: c.stdout, stderr: "" });
      });
    }
  }
});
