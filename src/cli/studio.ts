// `xsm studio [POLICY|SCENARIO|DIR] [--port N] [--no-open] [--read-only] [--export DIR]`: the
// policy, its decisions and the SVP platform in a browser. The page (dist/studio-web, built by npm
// run build) runs the compiler and the simulator itself; the server hands it its files on
// 127.0.0.1, and writes back the ones the page saves (not with --read-only).
// The server's modules load when the command runs, not for the other commands.
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import type { Command } from "commander";
import { CliError, UsageError } from "./io.js";
import { policyInputOptions } from "./analysis-input.js";
import type { ScenarioTreeOptions } from "./scenario-input.js";
import type { CliContext } from "./context.js";
import { stdoutSettled, writeProblem } from "./output.js";
import { stdoutClosed } from "./stdout.js";

interface StudioOptions extends ScenarioTreeOptions {
  port?: string;
  open: boolean;
  export?: string;
  readOnly?: boolean;
}

const READ_ONLY = "xsm studio was started with --read-only: edits stay in the page";

function portOption(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port takes a TCP port from 1 to 65535, not '${text}'`);
  return n;
}

async function runStudio(cli: CliContext, target: string | undefined, opts: StudioOptions): Promise<void> {
  const port = portOption(opts.port);
  // the page is served the files themselves (and a tree's rebuild reads them again): stdin is no file
  if (target === "-") throw new UsageError("xsm studio serves files, and standard input (-) is none: name a policy.conf, a scenario, a policy tree or a directory");
  // a missing parent of --export's directory, as -o's of its file (output.ts), before any work
  if (opts.export !== undefined && opts.export !== "-") {
    const problem = (await import("../studio/export.js")).exportParentProblem(opts.export);
    if (problem !== undefined) throw new CliError(`--export ${opts.export}: cannot write the site: ${problem}`);
  }
  // a server, as xsm lsp: refused at start, not every tree failing on the page (nor exported so)
  if (opts.flaskDir !== undefined) {
    const problem = (await import("../build/tree.js")).flaskDirProblem(opts.flaskDir);
    if (problem !== undefined) throw new CliError(problem);
  }
  const { buildSite } = await import("../studio/site.js");
  const { treeReader } = await import("./scenario-input.js");
  // (served, the page may have a tree rebuilt from its edits; an export has nothing to run m4)
  const served = opts.export === undefined;
  const site = buildSite(target, undefined, await treeReader({ flaskDir: opts.flaskDir, define: opts.define }), { rebuild: served, save: served && !opts.readOnly, ...(opts.readOnly && served ? { noSave: READ_ONLY } : {}) });
  for (const w of site.warnings) cli.io.stderr.write(`${w}\n`);
  const names = site.manifest.files.map((f) => f.name).join(", ");
  // located at the option, as the other outputs' errors are (src/cli/output.ts)
  const cannot = `--export ${opts.export}: cannot write the site`;
  if (opts.export === "-") throw new UsageError(`${cannot}: --export takes a directory, not - (a site is many files)`);
  if (opts.export !== undefined) {
    const { exportSite, ExportRefused } = await import("../studio/export.js");
    if (statSync(opts.export, { throwIfNoEntry: false })?.isDirectory() === false) {
      throw new CliError(`${cannot}: it is a file, and --export takes a directory (made if missing)`);
    }
    const exported = opts.export;
    const report = (written: string[]) =>
      cli.io.stdout.write(`xsm studio: wrote ${written.length} files to ${exported} (${names})\n  serve it from any static file server, e.g. python3 -m http.server -d ${exported}\n`);
    try {
      await exportSite(site.entries, opts.export, report);
    } catch (err) {
      if (err instanceof ExportRefused) throw new CliError(`${cannot}: ${err.message}`);
      const code = (err as NodeJS.ErrnoException).code;
      // (mkdir's EEXIST/ENOTDIR: a file where the site needs a directory)
      const why = code === "EEXIST" || code === "ENOTDIR" ? `a file stands where a directory is needed (${(err as NodeJS.ErrnoException).path ?? opts.export})` : writeProblem(opts.export, err);
      throw new CliError(`${cannot}: ${why}`);
    }
    return;
  }
  const { serveSite } = await import("../studio/server.js");
  let server;
  try {
    server = await serveSite(site, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === "EADDRINUSE" ? `port ${port} is in use; pick another with --port, or leave it out for a free one` : `cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
  }
  cli.io.stdout.write(`xsm studio: ${server.url}  (${names}; Ctrl-C stops it)\n`);
  // Standard output already closed (`xsm studio | true`, a reader gone before the address came):
  // the address, the one thing it prints, reached no one, and with a free port no one can guess
  // it, so it does not serve (nor open a browser on a server about to stop), as a closed stdout
  // (EBADF) ends it too. Once printed, a reader that leaves (`| head -1`) took what it wanted: it
  // serves on, printing nothing more, until Ctrl-C or SIGTERM, as a server whose log reader left.
  // (process.stdout reports EPIPE a tick or a poll after the write: stdoutSettled waits for it.)
  await stdoutSettled();
  if (stdoutClosed()) {
    await server.close();
    throw new CliError(`standard output is closed, so the studio's address (${server.url}) reached no one: not serving; run it with standard output to a terminal, a file or a pipe that is read`);
  }
  if (opts.open) openBrowser(server.url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void server.close().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Best effort: the URL is printed either way. */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
  } catch {
    // no opener on this machine
  }
}

export function registerStudio(program: Command, cli: CliContext): void {
  const cmd = program
    .command("studio")
    .description("the policy, its decisions and SVP scenarios in a browser (local server, or --export a static site)")
    .argument("[target]", "a policy.conf, a binary policy, a scenario (.json), a policy tree or a directory of them (default: the SVP examples)")
    .option("--port <port>", "TCP port on 127.0.0.1 (default: a free one)")
    .option("--no-open", "do not try to open a browser")
    .option("--read-only", "serve without writing: the page's Save is off, edits stay in the page")
    .option("--export <dir>", "write the page and the files as a static site to DIR instead of serving (DIR is made if missing; the directory it is in must exist)");
  // for the policy trees scenarios name (built here: the page cannot run m4)
  policyInputOptions(cmd, { mls: false })
    .action((target: string | undefined, opts: StudioOptions) => runStudio(cli, target, opts));
}
