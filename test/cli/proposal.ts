// What `xsm allow -R` proposes for a log, as one module of the tree: its calls and the rules it
// leaves as they are, written to a copy of the tree as modules/proposal.te (the module a user
// would add). test/cli/allow-proposal.test.ts builds it with xsm, test/oracle's with checkpolicy.
import { appendFileSync, cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { xsm } from "./run.js";

/** The logs of real denials on examples/xen-flask whose proposals are compiled. */
export const PROPOSAL_LOGS = ["interfaces.log", "interfaces-channel.log", "interfaces-device-model.log", "interfaces-roles.log", "interfaces-events.log", "interfaces-together.log", "xen-flask.log"].map((f) => `test/fixtures/tree/${f}`);

/** The proposal's lines (allow -R's output less its comments and headers), and the tree copy
 *  at `dir` with them as a module. */
export async function proposalTree(tree: string, log: string, dir: string): Promise<string[]> {
  const r = await xsm("allow", tree, log, "-R");
  if (r.code !== 0) throw new Error(`xsm allow -R ${log}: ${r.stderr}`);
  const lines = r.stdout.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
  cpSync(tree, dir, { recursive: true });
  writeFileSync(join(dir, "modules/proposal.te"), `${lines.join("\n")}\n`);
  appendFileSync(join(dir, "modules/modules.conf"), "proposal = on\n");
  return lines;
}
