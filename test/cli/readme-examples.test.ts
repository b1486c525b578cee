// README's `$ npx xsm ...` examples, run as a new user types them from the checkout with the built
// CLI (bin/xsm.cjs, stdout and stderr in one stream as a terminal shows them), print what README
// shows. A line that is only `...` in README stands for lines left out. Left out here: examples
// on a user's own files (policy.conf, ~/xen) and commands that write into the checkout.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";

interface Example {
  argv: string[];
  expected: string;
}

/** README and the reference it links to for the CLI (docs/cli.md, docs/scenarios.md, docs/reliability.md), moved out of it. */
function readmeText(): string {
  return ["README.md", "docs/cli.md", "docs/scenarios.md", "docs/reliability.md"].map((f) => readFileSync(f, "utf8")).join("\n");
}

/** The `$ npx xsm` commands of README's plain ``` blocks, each with the lines shown under it. */
function examples(): Example[] {
  const readme = readmeText();
  const out: Example[] = [];
  for (const m of readme.matchAll(/^```\n(\$ npx xsm [\s\S]*?)^```$/gm)) {
    const lines = m[1]!.replace(/\n$/, "").split("\n");
    let i = 0;
    while (i < lines.length) {
      let command = lines[i]!.slice(2);
      while (command.endsWith("\\")) command = `${command.slice(0, -1)} ${lines[++i]!.trim()}`;
      const shown: string[] = [];
      while (++i < lines.length && !lines[i]!.startsWith("$ ")) shown.push(lines[i]!);
      out.push({ argv: command.trim().split(/\s+/).slice(2), expected: shown.join("\n") });
    }
  }
  return out;
}

/** Names a file the checkout lacks, or writes into the checkout. */
function skipped(argv: string[]): boolean {
  const writes = argv.some((a, i) => (a === "-o" || a === "--conf") && argv[i + 1] !== "/dev/null" && argv[i + 1] !== "-");
  return writes || argv.some((a) => /^(~|policy\.conf$)/.test(a));
}

const needsM4 = (argv: string[]) => argv.some((a) => a === "examples/xen-flask" || a.startsWith("test/fixtures/tree/"));

function run(argv: string[]): string {
  const r = spawnSync("sh", ["-c", '"$0" "$@" 2>&1', process.execPath, "bin/xsm.cjs", ...argv], { encoding: "utf8" });
  return r.stdout;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("README's examples print what README shows", () => {
  const all = examples();

  it("README has examples, and each file an example reads is in the checkout", () => {
    expect(all.length).toBeGreaterThan(10);
    for (const e of all.filter((x) => !skipped(x.argv))) {
      for (const a of e.argv.filter((x) => x.includes("/") && !x.startsWith("/"))) expect(existsSync(a), a).toBe(true);
    }
  });

  for (const e of all.filter((x) => !skipped(x.argv))) {
    const m4 = needsM4(e.argv);
    it.skipIf(m4 && !hasM4)(`xsm ${e.argv.join(" ")}${m4 ? " (needs GNU m4)" : ""}`, () => {
      const actual = run(e.argv).replace(/\n$/, "");
      const pattern = new RegExp(`^${e.expected.split(/^\.\.\.$/m).map(escape).join("[\\s\\S]*")}$`);
      expect(actual).toMatch(pattern);
    });
  }
});
