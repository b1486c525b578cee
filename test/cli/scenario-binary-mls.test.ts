// A binary policy a scenario names against its "mls": a binary says itself whether it is MLS, so a
// scenario without "mls" takes its word (mls-binary.json); "mls": true with a binary that is not MLS
// (checkpolicy -b -M refuses it, as xsm's -M does: mls-binary.test.ts) and "mls": false with an MLS
// binary are errors at the binary's JSON path, the top-level policy's or a load_policy step's. They
// were ignored: the run went on under the binary's own word. Golden files: test/fixtures/cli/scenario-mls/.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";

const fixtures = "test/fixtures/sim/mls";
const goldens = "test/fixtures/cli/scenario-mls";
const tmp = mkdtempSync(join(tmpdir(), "xsm-scenario-mls-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectGolden(name: string, actual: string): void {
  const file = join(goldens, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/scenario-binary-mls.test.ts`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe("a scenario's binary policy against its \"mls\"", () => {
  for (const name of ["mls-true-plain-binary", "mls-false-mls-binary", "mls-load-plain-binary"]) {
    it(`${name}: an error at the JSON path, exit 1, nothing run`, async () => {
      for (const command of ["simulate", "test"]) {
        const r = await xsm(command, `${fixtures}/${name}.json`);
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).not.toMatch(STACK_LINE);
        if (command === "simulate") expectGolden(name, r.stderr);
        else expect(r.stderr).toContain(readFileSync(join(goldens, `${name}.txt`), "utf8").trim());
      }
    });
  }

  it("without \"mls\" the binary's own word is taken, as before", async () => {
    const r = await xsm("simulate", `${fixtures}/mls-binary.json`);
    expect(r.code, r.stderr).toBe(0);
  });

  it("\"mls\": true with an MLS binary is accepted", async () => {
    const doc = JSON.parse(readFileSync(`${fixtures}/mls-binary.json`, "utf8")) as Record<string, unknown>;
    copyFileSync(`${fixtures}/mls-policy.bin`, join(tmp, "mls-policy.bin"));
    writeFileSync(join(tmp, "s.json"), JSON.stringify({ ...doc, mls: true }));
    const r = await xsm("simulate", join(tmp, "s.json"));
    expect(r.code, r.stderr).toBe(0);
  });
});
