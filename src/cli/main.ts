// `xsm`: the command line. Each subcommand lives in its own module and registers itself here with
// one line; runCli runs the whole thing in-process (tests call it directly) and returns the exit
// status: 0 ok, 1 a policy or input error, 2 a usage error, 70 a bug in xsm itself.
import { pathToFileURL } from "node:url";
import type { Command, CommanderError } from "commander";
import { PolicyError } from "../diagnostics/diagnostic.js";
import { CliError, packageVersion } from "./io.js";
import { refuseConflictingRepeats, refuseEmptyArguments } from "./repeats.js";
import { escapeUnshowable, renderDiagnostics } from "../diagnostics/render.js";
import { EXIT_FAILURE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, type CliContext, type CliIo, type RegisterCommand } from "./context.js";
import { stdoutFailed } from "./stdout.js";

// bin/xsm.cjs ends the run through it when the process's standard output fails
export { stdoutFailed };

/** One subcommand as `xsm --help` lists it, and how to load its module. */
interface LazyCommand {
  name: string;
  /** What `xsm --help` shows after the name: the usage commander prints for the real command. */
  usage: string;
  summary: string;
  load: () => Promise<RegisterCommand>;
}

/**
 * Subcommands, in the order `xsm --help` lists them. Adding one is one line here: its name, its
 * usage and summary for `xsm --help`, and a dynamic import of its module's register function.
 * Only the module of the command being run (or whose help is asked for) is imported, so every
 * command loads only what it uses and `xsm --help` loads none of them; the build bundles each
 * import as its own chunk. Never import a command module statically from here.
 */
const COMMANDS: LazyCommand[] = [
  { name: "compile", usage: "[options] <policy>", summary: "compile a policy.conf (checkpolicy's language, Xen target) and print a summary", load: async () => (await import("./compile.js")).registerCompile },
  { name: "build", usage: "[options] <dir>", summary: "build a policy tree in xen.git's layout (tools/flask/policy) with m4, as Xen's Makefile.common does", load: async () => (await import("./build.js")).registerBuild },
  { name: "check", usage: "[options] <policy>", summary: "decide an access as Xen's security server would: TE rules, booleans, constraints, audit", load: async () => (await import("./check.js")).registerCheck },
  { name: "fmt", usage: "[options] <files...>", summary: "lay out policy.conf, .te and .if files in the canonical way (only blanks change)", load: async () => (await import("./fmt.js")).registerFmt },
  { name: "lint", usage: "[options] [policy]", summary: "check a policy.conf or a policy tree for unused, empty, duplicate and redundant declarations and rules", load: async () => (await import("./lint.js")).registerLint },
  { name: "lsp", usage: "[options]", summary: "run the language server (LSP over stdio) for policy.conf files and policy trees", load: async () => (await import("./lsp.js")).registerLsp },
  { name: "simulate", usage: "[options] <scenario>", summary: "run an SVP scenario (JSON) against the PCI registry and an XSM module", load: async () => (await import("./simulate.js")).registerSimulate },
  { name: "init", usage: "[options] [file]", summary: "write a starter policy.conf: Xen's classes and permissions, initial SIDs, users and roles, a supervisor and guest platforms", load: async () => (await import("./scaffold.js")).registerInit },
  { name: "scaffold", usage: "[options] <policy>", summary: "write a scenario skeleton from a policy's platform blocks: domains with their contexts, add/assign steps, a teardown", load: async () => (await import("./scaffold.js")).registerScaffold },
  { name: "search", usage: "[options] <policy>", summary: "search TE and RBAC rules as sesearch does (-A, -T, --role_allow, -s, -t ...), with --origins; or --effective access", load: async () => (await import("./search.js")).registerSearch },
  { name: "info", usage: "[options] [policy]", summary: "policy statistics and component listings, as seinfo prints them", load: async () => (await import("./info.js")).registerInfo },
  { name: "why", usage: "[options] <policy> [log]", summary: "explain Xen avc denials as audit2why does: a missing rule, a boolean, a constraint; with the rules behind it", load: async () => (await import("./why.js")).registerWhy },
  { name: "allow", usage: "[options] <policy> [log]", summary: "the allow rules that would permit a Xen log's avc denials, as audit2allow prints them", load: async () => (await import("./allow.js")).registerAllow },
  { name: "flow", usage: "[options] <policy> [exclude...]", summary: "information flow analysis as seinfoflow does it (flows out of a type, shortest or all paths to another), with a Xen permission map", load: async () => (await import("./flow.js")).registerFlow },
  { name: "diff", usage: "[options] <old> <new>", summary: "compare two policies as sediff does (components, TE and role allow rules, constraints, initial SIDs, Xen ocontexts); --access: the effective permissions that change", load: async () => (await import("./diff.js")).registerDiff },
  { name: "test", usage: "[options] <files...>", summary: "run policy tests (expected allowed/denied accesses; scenario expectations) with coverage of the allow rules", load: async () => (await import("./test.js")).registerTest },
  { name: "studio", usage: "[options] [target]", summary: "the policy, its decisions and SVP scenarios in a browser (local server, or --export a static site)", load: async () => (await import("./studio.js")).registerStudio },
];

/** The command argv runs (`xsm help NAME` asks for NAME's help), if it names one we have.
 *  (bin/xsm.cjs makes the same choice to run the bundle with only `compile` for that command and
 *  for none: keep the two together.) */
function requestedCommand(argv: readonly string[]): LazyCommand | undefined {
  const words = argv.filter((a) => !a.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}



/**
 * `xsm compile FILE`, `xsm compile FILE -o OUT` and `xsm compile -o OUT FILE` (or `--output OUT`):
 * what a Makefile runs once per file. For these argument lists commander's parse gives the compile
 * action exactly FILE and `{ format: "text", output: OUT }` (no other option, no other default), so
 * runCli calls the action itself, without loading commander (its modules, ~50 KB of the compile
 * bundle) or building the program (reading package.json for `-V`, nine options). Anything else (a
 * name starting with `-`, another option, a missing or extra argument, help) goes through
 * commander as before. undefined when argv is not one of these.
 */
export function plainCompile(argv: readonly string[]): { file: string; output?: string } | undefined {
  // (an empty FILE or OUT is a usage error commander's parse reports: src/cli/repeats.ts)
  if (argv[0] !== "compile" || argv.includes("")) return undefined;
  const dashed = argv.filter((a) => a.startsWith("-"));
  if (argv.length === 2 && dashed.length === 0) return { file: argv[1]! };
  if (argv.length !== 4 || dashed.length !== 1 || (dashed[0] !== "-o" && dashed[0] !== "--output")) return undefined;
  if (argv[1] === dashed[0]) return { file: argv[3]!, output: argv[2]! };
  if (argv[2] === dashed[0]) return { file: argv[1]!, output: argv[3]! };
  return undefined;
}

/** The line under every usage error (exit 2): commander's, after its own, and report's, after a
 *  command's UsageError. */
function usageHint(command?: string): string {
  return `(run 'npx xsm ${command === undefined ? "" : `${command} `}--help' for usage)`;
}

async function buildProgram(cli: CliContext, argv: readonly string[]): Promise<Command> {
  const { Command } = await import("commander");
  const program = new Command("xsm")
    .description("Xen XSM/FLASK policy compiler and decision engine")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => cli.io.stdout.write(s),
      writeErr: (s) => cli.io.stderr.write(s),
      outputError: (s, write) => write(`xsm: ${s}`),
    })
    .configureHelp({ subcommandTerm: (cmd) => `${cmd.name()} ${cmd.usage()}` })
    .showSuggestionAfterError(true)
    .showHelpAfterError(usageHint());
  const wanted = requestedCommand(argv);
  // `xsm NAME ...` and `xsm help NAME` need only NAME (its help, errors and output never name the
  // others); the rest, as placeholders, are for `xsm --help` (also `xsm -h NAME`, which commander
  // answers with the program's help) and for "did you mean ...?".
  const alone = wanted !== undefined && (argv[0] === wanted.name || (argv[0] === "help" && argv[1] === wanted.name));
  for (const entry of COMMANDS) {
    if (entry === wanted) (await entry.load())(program, cli);
    else if (!alone) program.command(entry.name).usage(entry.usage).description(entry.summary);
  }
  for (const cmd of program.commands) cmd.showHelpAfterError(usageHint(cmd.name()));
  refuseConflictingRepeats(program);
  refuseEmptyArguments(program);
  return program;
}

/** Runs `xsm ARGV...` in-process; never throws, never exits the process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // `xsm help NAME` for a NAME that is no command: commander would print the program's help and
  // exit 0; it is answered as `xsm NAME` is (unknown command, the nearest one, exit 2)
  const asked = argv[0] === "help" ? argv[1] : undefined;
  if (asked !== undefined && !asked.startsWith("-") && asked !== "help" && !COMMANDS.some((c) => c.name === asked)) argv = [asked];
  const cli: CliContext = { io };
  const plain = plainCompile(argv);
  if (plain !== undefined) {
    try {
      const { runCompile } = await import("./compile-run.js");
      await runCompile(cli, plain.file, plain.output === undefined ? { format: "text" } : { format: "text", output: plain.output });
      return EXIT_OK;
    } catch (err) {
      return report(err, io, "compile");
    }
  }
  const program = await buildProgram(cli, argv);
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (err) {
    return report(err, io, requestedCommand(argv)?.name, (await import("commander")).CommanderError);
  }
}

// `npx tsx src/cli/main.ts ARGS...`: the command line from the sources, as bin/xsm.cjs runs the
// bundle; only when this file is the program (never imported: the tests, the bundle). (The name
// is compared first: the URLs cost a cold start ~1 ms of node's url code.)
if (process.argv[1] !== undefined && /[\\/]main\.[jt]s$/.test(process.argv[1]) && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.on("error", (err) => stdoutFailed(err, process.stderr));
  void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => (process.exitCode = code));
}

/** The exit status for what a run threw, its message written (a usage error with the `--help`
 *  hint of `command`, the one run); `commanderError` is commander's error class when commander
 *  parsed the arguments (a plain compile never loads it). */
function report(err: unknown, io: CliIo, command: string | undefined, commanderError?: typeof CommanderError): number {
  if (commanderError !== undefined && err instanceof commanderError) {
    // commander already wrote the message (and the usage hint) through configureOutput
    // (`xsm help NAME` ends with commander.help, `xsm NAME --help` with commander.helpDisplayed)
    const ok = err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version";
    return ok ? EXIT_OK : EXIT_USAGE;
  }
  if (err instanceof CliError) {
    // a message quotes what the user gave (a file name, an option's value): escaped as diagnostics are
    io.stderr.write(err.rendered ? err.message : `xsm: error: ${escapeUnshowable(err.message)}\n`);
    if (err.usage) io.stderr.write(`${usageHint(command)}\n`);
    return err.exitCode;
  }
  if (err instanceof PolicyError) {
    io.stderr.write(renderDiagnostics(err.diagnostics, undefined, "xsm"));
    return EXIT_FAILURE;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`xsm: internal error: ${message}\n`);
  if (process.env.XSM_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  else io.stderr.write("xsm: this is a bug in xsm; run with XSM_DEBUG=1 for details and report it\n");
  return EXIT_INTERNAL;
}
