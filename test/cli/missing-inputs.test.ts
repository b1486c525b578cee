// A file the user names that cannot be read is named, first, as `xsm compile missing.conf` names it
// (`xsm: error: FILE: no such file`, exit 1), by every command that reads one: the scenario
// commands too, and with the same words. Run through the installed entry point, as a user runs it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

function run(...argv: string[]) {
  const r = spawnSync(process.execPath, ["bin/xsm.cjs", ...argv], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const work = mkdtempSync(join(tmpdir(), "xsm-missing-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("a missing input file is named as xsm compile names it", () => {
  const missing = join(work, "missing.json");

  it("xsm compile: the wording the others match", () => {
    expect(run("compile", join(work, "missing.conf"))).toMatchObject({ code: 1, stderr: `xsm: error: ${join(work, "missing.conf")}: no such file\n` });
  });

  it("xsm simulate: the file, not a JSON path of a document never read", () => {
    expect(run("simulate", missing)).toMatchObject({ code: 1, stdout: "", stderr: `xsm: error: ${missing}: no such file\n` });
    // (every way the file cannot be read, as the policy commands say it)
    expect(run("simulate", work)).toMatchObject({ code: 1, stderr: `xsm: error: ${work}: is a directory, not a scenario file\n` });
  });

  it("xsm test: the file first, among the other files' problems", () => {
    expect(run("test", missing)).toMatchObject({ code: 1, stdout: "", stderr: `${missing}: no such file\nxsm: 1 problem in the test files; no test was run\n` });
  });

  it("xsm studio: 'no such file', as the rest of the CLI words it", () => {
    expect(run("studio", missing, "--no-open")).toMatchObject({ code: 1, stdout: "", stderr: `xsm: error: ${missing}: no such file\n` });
  });
});

describe("xsm init FILE", () => {
  it("names the file it writes in the starter policy's header, not policy.conf", () => {
    const file = join(work, "svp-lab.conf");
    expect(run("init", file).code).toBe(0);
    const header = readFileSync(file, "utf8").split("\n").slice(1, 3).join("\n");
    expect(header).toBe(
      "# Compile: npx xsm compile svp-lab.conf     Scenario: npx xsm scaffold svp-lab.conf > scenario.json\n" +
        "# The `platform` blocks are xsm-policy's extension; `npx xsm compile svp-lab.conf --expand` prints",
    );
    // standard output has no name: the default's
    expect(run("init", "-").stdout.split("\n")[1]).toBe("# Compile: npx xsm compile policy.conf     Scenario: npx xsm scaffold policy.conf > scenario.json");
  });
});
