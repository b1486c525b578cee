// The README's commands as a new user types them: what `npx xsm` (bin/xsm.cjs, the built bundle)
// writes must hold up under the project's own other commands.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const bin = resolve("bin/xsm.cjs");
const work = mkdtempSync(join(tmpdir(), "xsm-readme-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function xsm(...argv: string[]) {
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd: work, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("xsm init, then the README's next commands", () => {
  it("writes a policy.conf that xsm fmt --check leaves as it is", () => {
    const init = xsm("init", "--platforms", "svp,gvp1,gvp2,gvp3:gvp1");
    expect(init.code).toBe(0);
    const fmt = xsm("fmt", "policy.conf", "--check");
    expect(fmt.stdout).toBe("");
    expect(fmt.code).toBe(0);
  });

  it("its default two platforms, written to stdout, are laid out the same way", () => {
    const init = xsm("init", "-");
    expect(init.code).toBe(0);
    writeFileSync(join(work, "two.conf"), init.stdout);
    const fmt = xsm("fmt", "two.conf", "--check");
    expect(fmt.stdout).toBe("");
    expect(fmt.code).toBe(0);
  });
});

describe("README's way in for a new topology: its sh block's three commands, as written", () => {
  it("init, scaffold -o, simulate --svg: each exits 0, the scenario's expectations met, the picture written", () => {
    // the block now lives in docs/cli.md (xsm init and scaffold), README links to it
    const readme = readFileSync(resolve("docs/cli.md"), "utf8");
    const block = /```sh\n(npx xsm init [\s\S]*?)```/.exec(readme)![1]!;
    const commands = block.split("\n").filter((l) => l.startsWith("npx xsm ")).map((l) => l.replace(/#.*$/, "").trim().split(/\s+/).slice(2));
    expect(commands.map((c) => c[0])).toEqual(["init", "scaffold", "simulate"]);
    const dir = join(work, "way-in");
    mkdirSync(dir);
    for (const argv of commands) {
      const r = spawnSync(process.execPath, [bin, ...argv], { cwd: dir, encoding: "utf8" });
      expect(r.status, `${argv.join(" ")}: ${r.stderr}`).toBe(0);
    }
    expect(readFileSync(join(dir, "policy-scenario.svg"), "utf8")).toMatch(/^<svg|<\?xml/);
  });
});

describe("xsm simulate --dot FILE, as examples/svp/README.md runs it", () => {
  const scenario = resolve("examples/svp/jan-reassociate.json");

  it("prints the trace as --svg FILE does: the picture goes to the file, not instead of the trace", () => {
    const plain = xsm("simulate", scenario);
    const dot = xsm("simulate", scenario, "--dot", join(work, "jan.dot"));
    const svg = xsm("simulate", scenario, "--svg", join(work, "jan.svg"));
    expect(dot.code).toBe(0);
    expect(plain.stdout).toMatch(/^scenario jan-reassociate: strategy reassociate/);
    expect(dot.stdout).toBe(plain.stdout);
    expect(svg.stdout).toBe(plain.stdout);
  });

  it("names an SVG beside the picture, where the picture was written", () => {
    const out = join(work, "pics", "jan.dot");
    mkdirSync(join(work, "pics"));
    const r = xsm("simulate", scenario, "--dot", out);
    expect(r.stderr).toBe(`picture written to ${out} (as SVG: npx xsm simulate ${scenario} --svg ${join(work, "pics", "jan.svg")})\n`);
  });
});

describe("--help says where a tree's flask files are found, as README's xsm build does", () => {
  // examples/xen-flask, the README's tree, is built from its own flask/: no --flask-dir, no xen.git
  for (const command of ["build", "lint", "check", "search", "simulate", "studio"]) {
    it(`xsm ${command} --help names the tree's own flask/ after xen.git's place`, () => {
      const r = xsm(command, "--help");
      expect(r.code).toBe(0);
      expect(r.stdout.replace(/\s+/g, " ")).toContain("(default: DIR/../../../xen/xsm/flask/policy as in xen.git, else DIR/flask)");
    });
  }
});

describe("examples/svp/README.md's flow commands say what their comments say", () => {
  const svp = resolve("examples/svp/svp.conf");

  it("gvp1 reaches svp's devices by 4 flows, all through svp_hwdom_t; excluding it, by none", () => {
    const all = xsm("flow", svp, "-s", "gvp1", "-t", "svp_devices", "-S");
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/\n4 information flow\(s\) found\.\n$/);
    const steps = all.stdout.split(/^Flow \d+:$/m).slice(1);
    expect(steps).toHaveLength(4);
    for (const flow of steps) expect(flow).toContain("svp_hwdom_t -> svp_pci_t");
    const without = xsm("flow", svp, "-s", "gvp1", "-t", "svp_devices", "-S", "svp_hwdom_t");
    expect(without.stdout).toMatch(/\n0 information flow\(s\) found\.\n$/);
  });
});
