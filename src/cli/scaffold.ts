// `xsm init [FILE]`: a starter policy.conf (Xen's classes, SIDs, users and roles, a supervisor and
// guest platforms). `xsm scaffold POLICY`: a scenario skeleton from a policy's platform blocks that
// validates and runs. Together they are the newcomer's path: init, edit, scaffold, simulate.
import { existsSync, statSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { loadPolicy } from "./compile.js";
import { CliError, UsageError, STDIN } from "./io.js";
import type { CliContext } from "./context.js";
import { checkOutputs, writeOutput } from "./output.js";
import { emptyItem } from "./lists.js";

interface InitOptions {
  platforms: string;
  force?: boolean;
}

async function runInit(cli: CliContext, file: string, opts: InitOptions): Promise<void> {
  const { parsePlatformList, starterPolicy } = await import("../sim/starter.js");
  const parsed = parsePlatformList(opts.platforms);
  if (!parsed.ok) throw new UsageError(`--platforms: ${parsed.message}`);
  if (file !== "-" && statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new CliError(`cannot write ${file}: it is a directory; name the policy.conf to write`);
  if (file !== "-" && existsSync(file) && !opts.force) throw new CliError(`${file} exists; give --force to overwrite it`);
  const { formatSource } = await import("../fmt/format.js");
  // laid out as `xsm fmt` lays it out, so a new policy passes `xsm fmt --check` before its first edit
  // its header's commands name the file as written (standard output: the default name)
  const text = formatSource(starterPolicy(parsed.platforms, file === "-" ? "policy.conf" : basename(file)), "conf");
  if (file === "-") {
    cli.io.stdout.write(text);
    return;
  }
  const names = parsed.platforms.map((p) => (p.parent === null ? `${p.name} (supervisor)` : `${p.name} (guest of ${p.parent})`));
  const scenario = `${basename(file).replace(/\.conf$/, "")}-scenario.json`;
  await writeOutput(file, text, undefined, [], undefined, () =>
    cli.io.stdout.write(
      `wrote ${file}: platforms ${names.join(", ")}\n` +
        `next: npx xsm compile ${file}\n` +
        `      npx xsm scaffold ${file} -o ${scenario}\n` +
        `      npx xsm simulate ${scenario} --svg ${scenario.replace(/\.json$/, ".svg")}\n`,
    ),
  );
}

interface ScaffoldOptions {
  output?: string;
  name?: string;
}

async function runScaffold(cli: CliContext, file: string, opts: ScaffoldOptions): Promise<void> {
  // `-o -` is standard output, as `--conf -` and `--emit-matrix -` are (not a file named "-")
  if (opts.output === STDIN) opts = { ...opts, output: undefined };
  if (opts.output !== undefined) checkOutputs([{ path: opts.output, what: "scenario", option: "-o" }], [file]);
  const { policy, path, read } = await loadPolicy(cli, file);
  const { scaffoldScenario } = await import("../sim/scaffold.js");
  // the scenario names its policy relative to where the scenario is written
  const from = opts.output !== undefined ? dirname(resolve(opts.output)) : process.cwd();
  const policyPath = file === "-" ? "policy.conf" : relative(from, resolve(file)) || basename(file);
  // svp.conf and its binary svp.bin give the same scenario name
  const name = opts.name ?? (file === "-" ? "scenario" : basename(path).replace(/\.(conf|bin)$/, "") || "scenario");
  const { scenario, warnings } = scaffoldScenario(name, policyPath, policy, read);
  // a scenario needs a domain (scenario.schema.json): without platforms there is none to write
  if (scenario.domains.length === 0) {
    throw new CliError(`${path}: no scenario written: it would have no domain (${warnings.join("; ")}); xsm init writes a policy with platform blocks to start from`);
  }
  // standard input has no path to put in the scenario: it names a file the user has yet to save
  if (file === "-") warnings.push(`the policy came from standard input, so the scenario's /policy names it "${policyPath}": save the policy there, or change /policy`);
  for (const w of warnings) cli.io.stderr.write(`xsm: warning: ${w}\n`);
  const json = `${JSON.stringify(scenario, null, 2)}\n`;
  if (opts.output === undefined) cli.io.stdout.write(json);
  else {
    await writeOutput(opts.output, json, "scenario", [file], "-o");
    cli.io.stderr.write(`wrote ${opts.output}: ${scenario.domains.length} domains, ${scenario.steps.length} steps (run: npx xsm simulate ${opts.output})\n`);
  }
}

/** --name: the scenario's `name`, which the schema wants non-empty. */
function nameOption(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("expected a name for the scenario, got an empty string.");
  return value;
}

function platformsOption(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError("expected a list such as svp,gvp1,gvp2,gvp3:gvp1.");
  // `svp,,gvp1` or `svp,gvp1,`: a platform may have gone missing where the list has a gap, and the
  // policy would be written without it
  const empty = emptyItem(value);
  if (empty !== undefined) throw new InvalidArgumentError(`${empty}; expected a list such as svp,gvp1,gvp2,gvp3:gvp1.`);
  return value;
}

export function registerInit(program: Command, cli: CliContext): void {
  program
    .command("init")
    .description("write a starter policy.conf: Xen's classes and permissions, initial SIDs, users and roles, a supervisor and guest platforms")
    .argument("[file]", "where to write it (- for stdout)", "policy.conf")
    .option("--platforms <list>", "the platforms: the supervisor first, then guests; NAME:PARENT nests a guest under another", platformsOption, "svp,gvp1")
    .option("--force", "overwrite an existing file")
    .action((file: string, opts: InitOptions) => runInit(cli, file, opts));
}

export function registerScaffold(program: Command, cli: CliContext): void {
  program
    .command("scaffold")
    .description("write a scenario skeleton from a policy's platform blocks: domains with their contexts, add/assign steps, a teardown")
    .argument("<policy>", "policy.conf with platform blocks, its binary (xsm compile -o), or - for standard input")
    .option("-o, --output <file>", "write the scenario to FILE (its policy path is made relative to it), or - for stdout (the default)")
    .option("--name <name>", "the scenario's name (default: the policy file's)", nameOption)
    .action((file: string, opts: ScaffoldOptions) => runScaffold(cli, file, opts));
}
