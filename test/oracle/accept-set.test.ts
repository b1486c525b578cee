// Live: checkpolicy's verdict on every file of test/fixtures/accept-set is still the one recorded in
// checkpolicy.json (which test/policy/accept-set.test.ts holds xsm to).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = "test/fixtures/accept-set";
const verdicts = JSON.parse(readFileSync(join(dir, "checkpolicy.json"), "utf8")) as Record<string, "accept" | "reject">;

export function checkpolicyAccepts(file: string): boolean {
  const r = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", "/dev/null", file], { encoding: "latin1", timeout: 120_000 });
  if (r.error) throw new Error(`checkpolicy does not run (apt-get install checkpolicy): ${r.error.message}`);
  return r.status === 0;
}

describe("checkpolicy's verdicts on the accept-set corpus", () => {
  it(`are still the recorded ones (${Object.keys(verdicts).length} files)`, () => {
    const wrong = Object.entries(verdicts).filter(([name, v]) => checkpolicyAccepts(join(dir, name)) !== (v === "accept"));
    expect(wrong).toEqual([]);
  });
});
