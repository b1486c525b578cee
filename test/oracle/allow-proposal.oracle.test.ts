// Live: what `xsm allow -R` proposes for each log of real denials on examples/xen-flask
// (test/cli/proposal.ts), added to the tree as one module, is a policy checkpolicy builds: no call
// declares a name twice, none names what the policy lacks (test/cli/allow-proposal.test.ts builds
// the same with xsm).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROPOSAL_LOGS, proposalTree } from "../cli/proposal.js";
import { xsm } from "../cli/run.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-proposal-oracle-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("allow -R's proposal, as checkpolicy builds it", () => {
  it.each(PROPOSAL_LOGS)("%s", async (log) => {
    const dir = join(tmp, basename(log, ".log"));
    await proposalTree("examples/xen-flask", log, dir);
    const conf = join(dir, "policy.conf");
    const built = await xsm("build", dir, "--conf", conf);
    expect(built.code, built.stderr).toBe(0);
    const cp = spawnSync("/usr/bin/checkpolicy", ["-t", "xen", "-c", "30", "-o", join(dir, "policy.30"), conf], { encoding: "utf8" });
    expect(cp.status, `${cp.stdout}${cp.stderr}`).toBe(0);
  });
});
