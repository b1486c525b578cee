// The command line run from the sources under tsx answers as the built one: `npx tsx
// src/cli/main.ts ARGS` (main.ts runs itself when it is the program), and a CommonJS caller (`tsx -e`,
// a .ts script outside the package) that imports main.ts, which tsx then loads through require() while the commands
// main.ts import()s come through the ES module loader: two copies of io.ts and diagnostic.ts, whose
// CliError and PolicyError were then reported as internal errors (exit 70).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "xsm-tsx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// a .ts file outside the package ("type": "module" does not reach it) is CommonJS to tsx, its
// import a require()
const cjsCaller = join(dir, "caller.ts");
writeFileSync(
  cjsCaller,
  `import { runCli } from ${JSON.stringify(join(root, "src/cli/main.ts"))};\n` +
    "runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => { process.exitCode = code; });\n",
);

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("xsm from the sources under tsx", () => {
  // a CliError (a missing file), a PolicyError's diagnostics (a policy that does not compile), usage
  for (const argv of [["compile", "test/fixtures/cli/missing.conf"], ["compile", "test/fixtures/cli/errors.conf"], ["compil"]]) {
    it(`xsm ${argv.join(" ")}: as bin/xsm.cjs answers`, () => {
      const built = run(["bin/xsm.cjs", ...argv]);
      expect(built.code).not.toBe(0);
      expect(built.stderr).not.toMatch(/internal error/);
      expect(run(["--import", "tsx", "src/cli/main.ts", ...argv]), "tsx src/cli/main.ts").toEqual(built);
      expect(run(["--import", "tsx", cjsCaller, ...argv]), "a CommonJS caller").toEqual(built);
    }, 120_000);
  }
});
