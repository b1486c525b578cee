// The committed policies the mutator starts from: every gen-policy seed checkpolicy compiled, Xen's
// real policy, the expanded SVP example and the CLI fixtures (all read by checkpolicy as they are).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const repoRoot = join(import.meta.dirname, "../..");

export function seedPolicies(): string[] {
  const oracle = join(repoRoot, "test/fixtures/oracle");
  return [
    ...readdirSync(oracle)
      .filter((f) => f.endsWith(".conf"))
      .sort()
      .map((f) => join(oracle, f)),
    join(repoRoot, "examples/xen-flask/policy.conf"),
    join(repoRoot, "test/fixtures/sim/svp-expanded.conf"),
    join(repoRoot, "test/fixtures/cli/small.conf"),
  ];
}

export function readSeeds(): { file: string; text: string }[] {
  return seedPolicies().map((file) => ({ file, text: readFileSync(file, "utf8") }));
}
