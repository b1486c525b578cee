// audit2why's and audit2allow's answers (-p on checkpolicy's binary of
// test/fixtures/analysis/why-roleattr.conf) to each line of test/analysis/avc-lines.ts, one log of
// one line each: what scripts/gen-avc-lines-fixtures.ts commits and avc-lines.test.ts asks live.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AVC_LINES } from "../analysis/avc-lines.js";
import { repoRoot } from "./harness.js";

export interface ToolAnswer {
  code: number;
  stdout: string;
}
export interface AvcLineFixture {
  name: string;
  line: string;
  audit2why: ToolAnswer;
  audit2allow: ToolAnswer;
}

export function askAvcLines(): AvcLineFixture[] {
  const work = mkdtempSync(join(tmpdir(), "xsm-avc-lines-"));
  const bin = join(work, "why-roleattr.bin");
  execFileSync("checkpolicy", ["-t", "Xen", "-c", "30", join(repoRoot, "test/fixtures/analysis/why-roleattr.conf"), "-o", bin], { stdio: "ignore" });
  const ask = (tool: string, log: string): ToolAnswer => {
    const r = spawnSync("/usr/bin/python3", [`/usr/bin/${tool}`, "-p", bin], { input: log, encoding: "utf8" });
    return { code: r.status ?? -1, stdout: r.stdout };
  };
  return AVC_LINES.map(({ name, line }) => ({ name, line, audit2why: ask("audit2why", `${line}\n`), audit2allow: ask("audit2allow", `${line}\n`) }));
}
