// m4 over a tree whose macro expands to itself never finishes: m4 grows by ~100 MB a second until
// the machine runs out (`define(`r', `r r')r`), or loops in constant memory (`define(`r', `r')r`).
// `xsm build`, `xsm lint` on a tree and the language server stop it (src/build/m4.ts) and say why.
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readTree, TreeError } from "../../src/build/index.js";
import { runM4 } from "../../src/build/m4.js";
import { hasM4 } from "../tools.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-m4-limits-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** examples/xen-flask with `line` appended to a module. */
function treeWith(name: string, line: string) {
  const dir = join(tmp, name);
  cpSync("examples/xen-flask", dir, { recursive: true });
  appendFileSync(join(dir, "modules/nic_dev.te"), `${line}\n`);
  return readTree(dir, { flaskDir: join(dir, "flask") });
}

const runaway = /a macro that expands to itself without end\?/;

describe.skipIf(!hasM4)("m4's limits (needs GNU m4)", () => {
  it("a macro growing without end: m4 runs out of its memory limit and says so, as an error", () => {
    const { diagnostics } = runM4(treeWith("grows", "define(`r', `r r')r"), undefined, { memoryKiB: 100 * 1024 });
    expect(diagnostics.map((d) => [d.severity, d.message])).toContainEqual(["error", expect.stringMatching(/^m4: memory exhausted \(a macro that expands to itself without end\?\)$/)]);
  });

  it("a macro looping in constant memory: stopped after the time limit", () => {
    const tree = treeWith("loops", "define(`r', `r')r");
    expect(() => runM4(tree, undefined, { timeoutMs: 1000 })).toThrow(TreeError);
    expect(() => runM4(tree, undefined, { timeoutMs: 1000 })).toThrow(/^m4 ran for 1 s without finishing and was stopped: a macro that expands to itself without end\?$/);
  });

  it("output past the limit stops m4", () => {
    expect(() => runM4(treeWith("big", ""), undefined, { outputBytes: 1000 })).toThrow(runaway);
  });

  it("the tree as it is runs within the limits", () => {
    const { text, diagnostics } = runM4(treeWith("plain", ""));
    expect(diagnostics).toEqual([]);
    expect(text).toContain("class xen");
  });
});
