// `xsm studio` and its standard output, the one place it prints its address. Started with standard
// output a pipe whose reader is already gone, the address reaches no one (and a free port cannot be
// guessed): it does not serve, says so on stderr and exits 1, as it does with standard output closed
// (EBADF). It used to serve on, unreachable, until killed. Once the address is printed, a reader
// that leaves (`xsm studio | head -1`) took what it wanted: the studio serves on, printing nothing
// more, until SIGTERM or Ctrl-C, as a server whose log reader went away (docs/cli.md).
import { spawn } from "node:child_process";
import { get } from "node:http";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = resolve("bin/xsm.cjs");
const SCENARIO = resolve("examples/svp/nested-trust.json");

/** The HTTP status of a GET of `url`, or the error's code. */
function status(url: string): Promise<number | string> {
  return new Promise((done) => {
    get(url, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    }).on("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

describe.skipIf(process.platform === "win32")("xsm studio with its standard output closed", () => {
  it("closed before it starts: not served, one error line, exit 1", async () => {
    const child = spawn(process.execPath, [BIN, "studio", "--no-open", SCENARIO], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on("close", (c, s) => done([c, s])));
    clearTimeout(timer);
    expect({ code, signal }, stderr).toEqual({ code: 1, signal: null });
    expect(stderr).toMatch(/^xsm: error: standard output is closed, so the studio's address \(http:\/\/127\.0\.0\.1:\d+\/\) reached no one: not serving; run it with standard output to a terminal, a file or a pipe that is read\n$/);
    // and nothing listens there any more
    const url = /\((http:[^)]+)\)/.exec(stderr)![1]!;
    expect(await status(url)).toBe("ECONNREFUSED");
  }, 60_000);

  it("closed after the address was read (| head -1): it serves on until SIGTERM, exit 0", async () => {
    const child = spawn(process.execPath, [BIN, "studio", "--no-open", SCENARIO], { stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on("close", (c, s) => done([c, s])));
    const line = await new Promise<string>((done) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) done(out.slice(0, out.indexOf("\n")));
      });
    });
    // the reader leaves, as head does after its line
    child.stdout.destroy();
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)![1]!;
    await new Promise((r) => setTimeout(r, 300));
    expect(await status(url)).toBe(200);
    child.kill("SIGTERM");
    const [code, signal] = await closed;
    clearTimeout(timer);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  }, 60_000);
});
