// README's command table ("## CLI: `xsm`"): each row's example is a command a new user can paste
// into a fresh checkout. Each runs here as written, with the built CLI as npx runs it
// (bin/xsm.cjs), and must exit as its row says and print what the command is for. The two
// long-running ones are started and asked: `lsp --stdio` answers initialize and shuts down;
// `studio` serves its page and stops on SIGTERM (run with --no-open: as written it would open a
// browser on the machine running the tests).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node.js";
import { afterAll, describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";

const root = resolve(import.meta.dirname, "../..");
const bin = join(root, "bin/xsm.cjs");

interface Row {
  command: string;
  what: string;
  argv: string[];
}

/** The rows of README's table under "## CLI: `xsm`", the example of each split into words. */
function rows(): Row[] {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## CLI: `xsm`"), readme.indexOf("\n## ", readme.indexOf("## CLI: `xsm`")));
  const out: Row[] = [];
  for (const line of section.split("\n").filter((l) => l.startsWith("| `"))) {
    // cells are split at a bar not escaped as \| (the lint row's --format text\|json\|sarif)
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const example = /^`npx xsm (.*)`$/.exec(cells[2]!);
    expect(example, `README row without an npx xsm example: ${line}`).not.toBeNull();
    out.push({ command: cells[0]!, what: cells[1]!, argv: example![1]!.split(/\s+/) });
  }
  return out;
}

const work = mkdtempSync(join(tmpdir(), "xsm-readme-table-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the example from the checkout's root; init writes ./policy.conf, so it runs in an empty directory, as in a user's own. */
function run(argv: string[]) {
  const cwd = argv[0] === "init" ? mkdtempSync(join(work, "init-")) : root;
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

/** What each command's example must do: its exit status (non-zero only where its row says so) and what its output shows. */
const checks: Record<string, { status?: number; says?: string; output: (r: ReturnType<typeof run>) => void }> = {
  compile: { output: (r) => expect(r.stdout).toMatch(/^examples\/xen-flask\/policy\.conf: compiled\n[\s\S]*\nbinary policy written to \/dev\/null\n$/) },
  check: {
    output: (r) => expect(r.stdout).toMatch(/^allowed, not audited\n {2}system_u:system_r:dom0_t -> system_u:system_r:domU_t domain \{ create \}\n {2}granted by modules\/domU\.te:\d+: allow dom0_t domU_t:domain \{/),
  },
  build: { output: (r) => expect(r.stdout).toMatch(/^examples\/xen-flask: compiled\n[\s\S]*\nbinary policy written to \/dev\/null\n$/) },
  // only blanks change, and the output is the whole file
  fmt: { output: (r) => expect(r.stdout.replace(/\s+/g, "")).toBe(readFileSync(join(root, "examples/svp/svp.conf"), "utf8").replace(/\s+/g, "")) },
  lint: { says: "exit 1 on an error-level finding", output: (r) => expect(r.stdout).toMatch(/^examples\/xen-flask\/modules\/\S+:\d+:\d+: warning: /) },
  simulate: {
    output: (r) => {
      for (const strategy of ["upstream", "unlink-broken", "cascade", "refuse", "reassociate", "refcount", "authority"]) expect(r.stdout).toContain(strategy);
    },
  },
  init: {
    output: (r) => {
      expect(r.stdout).toMatch(/policy\.conf/);
      const compiled = spawnSync(process.execPath, [bin, "compile", "policy.conf"], { cwd: r.cwd, encoding: "utf8" });
      expect(compiled.status, compiled.stderr).toBe(0);
      expect(readFileSync(join(r.cwd, "policy.conf"), "utf8")).toMatch(/platform gvp2 /);
    },
  },
  search: { output: (r) => expect(r.stdout).toMatch(/^allow dom0_t domU_t:domain \{ create /m) },
  info: { output: (r) => expect(r.stdout).toMatch(/^Types: 33\n {3}device_t\n/m) },
  why: { output: (r) => expect(r.stdout).toMatch(/^\(XEN\) avc: {2}denied {2}\{ kexec \}[^\n]*\n\n\tWas caused by:\n\t\tMissing type enforcement \(TE\) allow rule\./) },
  flow: { output: (r) => expect(r.stdout).toMatch(/^Flow 1: dom0_t -> \S+\n/) },
  diff: { status: 1, says: "exit 1 when they differ", output: (r) => expect(r.stdout).toMatch(/^dom0_t\n {4}prot_domU_t:domain -create /) },
  test: { says: "exit 1 when one fails", output: (r) => expect(r.stdout).toMatch(/^\d+ passed, 0 failed\ncoverage: \d+ of \d+ allow rules exercised/m) },
};

/** Reads a policy tree, which xsm builds with m4. */
const needsM4 = (argv: string[]) => argv.includes("examples/xen-flask");

describe("README's command table: every example runs from the checkout", () => {
  const all = rows();

  it("names every command of the CLI, each example on files the checkout has", () => {
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" }).stdout;
    const commands = [...help.slice(help.indexOf("Commands:")).matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== "help");
    const named = all.flatMap((r) => [...r.command.matchAll(/`([a-z]+)`/g)].map((m) => m[1]!));
    expect(new Set(named)).toEqual(new Set(commands));
    for (const row of all) {
      expect(row.argv[0], row.command).toBe(/`([a-z]+)`/.exec(row.command)![1]);
      for (const a of row.argv.filter((x) => x.includes("/") && !x.startsWith("/"))) expect(existsSync(join(root, a)), a).toBe(true);
    }
  });

  for (const row of all.filter((r) => checks[r.argv[0]!])) {
    const check = checks[row.argv[0]!]!;
    const m4 = needsM4(row.argv);
    it.skipIf(m4 && !hasM4)(`npx xsm ${row.argv.join(" ")}${m4 ? " (needs GNU m4)" : ""}`, () => {
      if (check.says) expect(row.what).toContain(check.says);
      const r = run(row.argv);
      expect(r.code, r.stderr).toBe(check.status ?? 0);
      check.output(r);
    });
  }

  it("every other row is one of the two long-running commands, asked below", () => {
    expect(all.filter((r) => !checks[r.argv[0]!]).map((r) => r.argv.join(" "))).toEqual(["lsp --stdio", "studio"]);
  });

  it("npx xsm lsp --stdio answers initialize with its capabilities, then shuts down and exits 0", async () => {
    const argv = all.find((r) => r.argv[0] === "lsp")!.argv;
    const child = spawn(process.execPath, [bin, ...argv], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    rpc.listen();
    const init = (await rpc.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} })) as { capabilities: Record<string, unknown> };
    expect(init.capabilities).toMatchObject({ definitionProvider: true, hoverProvider: true, referencesProvider: true });
    await rpc.sendRequest("shutdown");
    await rpc.sendNotification("exit");
    expect(await exited).toBe(0);
    rpc.dispose();
  });

  it("npx xsm studio serves the page on 127.0.0.1 and stops on SIGTERM with exit 0", async () => {
    const argv = all.find((r) => r.argv[0] === "studio")!.argv;
    const child = spawn(process.execPath, [bin, ...argv, "--no-open"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    try {
      let stdout = "";
      const url = await new Promise<string>((done, fail) => {
        child.stdout.on("data", (b: Buffer) => {
          stdout += b.toString();
          const m = /^xsm studio: (http:\/\/127\.0\.0\.1:\d+\/) {2}\(.*; Ctrl-C stops it\)\n/.exec(stdout);
          if (m) done(m[1]!);
        });
        void exited.then((code) => fail(new Error(`xsm studio exited ${code} before serving: ${stdout}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
