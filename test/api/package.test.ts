// The library entry point as users import it: `import { compilePolicy } from "xsm-policy"` from a
// checkout after `npm ci` (which builds dist/ through "prepare"), under plain node and under tsx.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const program = `
import { compilePolicy, PolicyError } from "xsm-policy";
import { readFileSync } from "node:fs";
const p = compilePolicy(readFileSync("examples/svp/svp.conf", "utf8"), { file: "svp.conf" });
let error = "";
try { compilePolicy("class xen\\nallow a b:c d;", { file: "bad.conf" }); } catch (e) { error = e instanceof PolicyError ? e.diagnostics[0].code : "not a PolicyError"; }
console.log(JSON.stringify({
  allows: p.allows("svp_hwdom_t", "gvp1_pci_t", "resource", "unplug"),
  sideways: p.allows("gvp1_hwdom_t", "gvp2_pci_t", "resource", "unplug"),
  error,
}));
`;

function run(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, [...args, "--input-type=module", "-e", program], { encoding: "utf8" }));
}

describe('import { compilePolicy } from "xsm-policy"', () => {
  const expected = { allows: true, sideways: false, error: expect.stringMatching(/^(?!not a PolicyError$)\w/) };

  it("works under plain node", () => {
    expect(run([])).toEqual(expected);
  });

  it("works under tsx", () => {
    expect(run(["--import", "tsx"])).toEqual(expected);
  });
});
