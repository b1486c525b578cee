// README's library example runs as written: the first ```ts block of "## Library API", evaluated
// by tsx from the checkout (so `import ... from "xsm-policy"` resolves as a user's would).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

function libraryExample(): string {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("## Library API"));
  const m = /```ts\n([\s\S]*?)\n```/.exec(section);
  if (!m) throw new Error("README has no ```ts block under ## Library API");
  return m[1]!;
}

describe("README library example", () => {
  it("runs as written and prints what its comments say", () => {
    const out = execFileSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "-e", libraryExample()], { encoding: "utf8" });
    const lines = out.split("\n");
    expect(lines[0]).toBe("true");
    expect(lines[1]).toBe("undefined");
    expect(lines[2]).toBe("false [ { kind: 'no-rule' } ]");
    expect(out).toContain("-EACCES 1 [");
    expect(out).toContain("avc:  denied  { unplug } for domid=1 device=0x300 scontext=system_u:system_r:gvp1_hwdom_t tcontext=system_u:object_r:svp_pci_t tclass=resource");
    expect(out).toContain("0 []");
    expect(out).toMatch(/0 0 \{\s+lookups: 3,/);
  });
});
