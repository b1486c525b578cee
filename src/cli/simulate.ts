// `xsm simulate SCENARIO [--strategy S] [--xen R] [--compare | --compare-xen [LIST]] [--json] [--dot [FILE]]`:
// run an SVP scenario (src/sim/scenario.schema.json) and print its trace, its JSON document, the seven
// strategies or several Xen releases side by side, or a Graphviz picture of the final state. A failed
// expectation exits 1.
import { readdirSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Command } from "commander";
import { parseSbdf, sbdfKey } from "../xen/sbdf.js";
import { STRATEGIES, isStrategy, type PfRemovalKind, type Strategy } from "../hypervisor/types.js";
import { formatScenarioErrors, readScenarioText, scenarioFromText } from "../sim/load.js";
import { InputError } from "../io/read.js";
import { COMPARE_LEGEND, renderCompare, renderCompareXen, renderDot, renderTrace, runAlike, toJson } from "../sim/report.js";
import { XEN_RELEASES, columnLabel, compareRemovals, parseXenList, sameBehaviour, scenarioXen, xenColumns, xenValueHint, type XenColumn, type XenRelease } from "../sim/xen-release.js";
import { runPrepared, type Prepared, type RunOptions, type RunResult } from "../sim/run.js";
import { prepareLoaded } from "../sim/prepare-checked.js";
import { CliError, UsageError, STDIN, displayName } from "./io.js";
import { policyInputOptions } from "./analysis-input.js";
import type { ScenarioTreeOptions } from "./scenario-input.js";
import type { CliContext } from "./context.js";
import { checkOutputs, writeOutputs } from "./output.js";
import { emptyItem } from "./lists.js";

interface SimulateOptions extends ScenarioTreeOptions {
  strategy?: string;
  until?: string;
  compare?: boolean;
  xen?: string;
  compareXen?: string | boolean;
  json?: boolean;
  dot?: string | boolean;
  svg?: string;
  verbose?: boolean;
}

/** Reads, checks and prepares the scenario; a policy tree it names is built with --flask-dir and
 *  -D (which, with no tree to build, are refused rather than ignored). */
async function load(path: string, trees: ScenarioTreeOptions): Promise<{ prepared: Prepared; treeFiles: string[] }> {
  const { treeReader, withTrees } = await import("./scenario-input.js");
  const reader = await treeReader(trees);
  const name = displayName(path);
  // the checks' errors and the policies' and contexts' together, in the file's order
  const prepared = prepareLoaded(withTrees(scenarioFromText(readScenario(path), path), reader));
  if (!prepared.ok) throw new CliError(formatScenarioErrors(name, prepared.error), 1, true);
  const treeOnly = [trees.flaskDir !== undefined && "--flask-dir", (trees.define?.length ?? 0) > 0 && "-D/--define"].filter(Boolean);
  if (treeOnly.length > 0 && reader.used.size === 0) {
    throw new CliError(`${name}: ${treeOnly.join(" and ")} ${treeOnly.length > 1 ? "apply" : "applies"} only to a policy tree (a directory), and this scenario names none`);
  }
  // the source files of the trees it built: a picture is never written over one, as xsm build's outputs are not
  const { treeInputs } = await import("./build.js");
  const mls = prepared.value.scenario.mls === true;
  const treeFiles = [...reader.used].flatMap((full) => {
    const tree = reader.tree(full, ".", { mls });
    return tree ? treeInputs(tree) : [];
  });
  return { prepared: prepared.value, treeFiles };
}

/** The scenario's text; a file that cannot be read is named as every command names its input
 *  (`xsm: error: FILE: no such file`, exit 1), not at a JSON path of a document never read. */
function readScenario(path: string): string {
  try {
    return readScenarioText(path);
  } catch (err) {
    if (err instanceof InputError) throw new CliError(err.message);
    throw err;
  }
}

function strategyOption(text: string | undefined): Strategy | undefined {
  if (text === undefined) return undefined;
  if (text === "pre-links") throw new UsageError("--strategy: pre-links is Xen 4.19.0's own PF removal, not a proposal of the thread: run the scenario as that release (--xen 4.19.0)");
  if (!isStrategy(text)) throw new UsageError(`--strategy: unknown strategy '${text}'; expected one of ${STRATEGIES.join(", ")}`);
  return text;
}

function xenOption(text: string | undefined): XenRelease | undefined {
  if (text === undefined) return undefined;
  if (!(XEN_RELEASES as readonly string[]).includes(text)) {
    throw new UsageError(`--xen: unknown release '${text}'${xenValueHint(text)}; expected one of ${XEN_RELEASES.join(", ")}`);
  }
  return text as XenRelease;
}

/** --compare-xen's list; true (no list): one release per behaviour. */
function compareXenOption(value: string | boolean | undefined): XenRelease[] | "behaviours" | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return "behaviours";
  const empty = emptyItem(value);
  if (empty !== undefined) throw new UsageError(`--compare-xen ${value}: ${empty}; give releases, stable lines or all, separated by commas`);
  const parsed = parseXenList(value);
  if ("bad" in parsed) {
    // an optional value takes the next word: `--compare-xen FILE` read the scenario as the list
    const misplaced = /\.json$|^-$/.test(parsed.bad) ? "; the scenario goes before --compare-xen" : "";
    throw new UsageError(`--compare-xen: '${parsed.bad}' is not a release${misplaced}; give releases (${XEN_RELEASES.join(", ")}), stable lines (4.19, 4.20, 4.21, 4.22: each of their releases) or all, separated by commas`);
  }
  return parsed.releases;
}

async function runSimulate(cli: CliContext, path: string, opts: SimulateOptions): Promise<void> {
  const strategy = strategyOption(opts.strategy);
  const xen = xenOption(opts.xen);
  const compareXen = compareXenOption(opts.compareXen);
  // a matrix of seven strategies by five releases is wider than a terminal: one axis at a time
  if (opts.compare && compareXen) throw new UsageError("--compare runs every strategy as one Xen release and --compare-xen runs releases under one strategy: give one (--compare --xen RELEASE, or --compare-xen --strategy STRATEGY)");
  const table = opts.compare ? "--compare" : compareXen ? "--compare-xen" : undefined;
  if (opts.dot === "-") opts = { ...opts, dot: true }; // `-` is stdout, as elsewhere
  if (opts.dot === true && (opts.json || table)) {
    throw new UsageError(`--dot without a FILE writes to stdout, which ${opts.json ? "--json" : table} already uses; give --dot FILE`);
  }
  // the tables show no decisions, so --verbose would change nothing there
  if (table && opts.verbose && !opts.json) throw new UsageError(`--verbose explains the trace's granted decisions, and ${table} prints a table without decisions: give one (${table} --json has every reason)`);
  // the pictures' files, checked before the run prints its trace
  const pictures = [...(typeof opts.dot === "string" ? [{ path: opts.dot, what: "picture", option: "--dot" }] : []), ...(opts.svg !== undefined ? [{ path: opts.svg, what: "SVG picture", option: "--svg" }] : [])];
  checkOutputs(pictures, [path]);
  const { prepared, treeFiles } = await load(path, { flaskDir: opts.flaskDir, define: opts.define });
  const scenario = prepared.scenario;
  // the policies it names are read too: a picture never replaces one (checked before the trace)
  const { scenarioPolicyFiles } = await import("./scenario-input.js");
  const inputs = [path, ...scenarioPolicyFiles(path, scenario), ...treeFiles];
  checkOutputs(pictures, inputs);
  // the strategy asked for (--strategy, the file's); without one, each run removes PFs as its release does
  const asked = strategy ?? scenario.strategy;
  const withStrategy = asked !== undefined ? { strategy: asked } : {};
  const until = untilOption(opts.until, scenario.steps.length);
  const tty = (cli.io.stderr as { isTTY?: boolean }).isTTY === true;
  const progress = (text: string) => {
    if (tty) cli.io.stderr.write(`\r\x1b[K${text}`);
  };
  const big = scenario.steps.length >= 2000;
  // denials always say why; --verbose and --json explain the granted checks too
  const explain = opts.json || opts.verbose ? ("all" as const) : ("denied" as const);

  // one run per column of a table, with progress on a terminal
  const runAll = <T>(columns: readonly T[], name: (c: T) => string, options: (c: T) => RunOptions): RunResult[] =>
    columns.map((c, i) => {
      const at = `xsm simulate: ${name(c)} (${i + 1}/${columns.length})`;
      progress(at);
      return runPrepared(prepared, { explain, ...until, ...options(c), ...(big && tty ? { onProgress: (d, n) => progress(`${at} step ${d}/${n}`) } : {}) });
    });
  const asXen = xen !== undefined ? { xen } : {};

  let primary: RunResult;
  if (opts.compare) {
    // the release's own PF removal is a column too when it is none of the thread's (4.19.0's pre-links)
    const { removals, own } = compareRemovals(scenario, xen);
    const chosen: PfRemovalKind = strategy ?? own;
    const results = runAll(removals, (s) => s, (s) => ({ strategy: s, ...asXen }));
    progress("");
    primary = results.find((r) => r.strategy === chosen)!;
    if (opts.json) {
      cli.io.stdout.write(`${JSON.stringify({ scenario: scenario.name, strategies: results.map((r) => toJson(r)) }, null, 2)}\n`);
    } else {
      cli.io.stdout.write(renderCompare(results, scenario, undefined, chosen, own));
      cli.io.stdout.write(`\n${COMPARE_LEGEND}\n`);
      // pre-links is no --strategy: the release it belongs to runs it
      cli.io.stdout.write(pointers(path, `${isStrategy(chosen) ? `--strategy ${chosen}` : ""}${xen !== undefined ? ` --xen ${xen}` : ""}`.trim()));
    }
  } else if (compareXen) {
    // the exit status is the scenario's as the file (or --xen) says: that release is always a column
    const own = xen ?? scenario.xen;
    const named = compareXen !== "behaviours";
    const fields = { ...scenario, strategy: asked };
    const columns = xenColumns(fields, named ? [...compareXen, ...(own !== undefined ? [own] : [])] : undefined, [own, scenario.xen].filter((r) => r !== undefined));
    // a column as its release itself (asItself) removes PFs as that release does, whatever the strategy
    const results = runAll(columns, columnLabel, (c) => ({ ...(c.asItself ? { strategy: c.behaviour.pfRemoval } : withStrategy), xen: c.release }));
    // a file naming no release runs the model's defaults: a column that behaves so stands for it
    const defaults = scenarioXen(fields);
    const exit = own ?? columns.find((c) => !c.asItself && sameBehaviour(c.behaviour, defaults))?.release;
    primary = exit !== undefined ? results[columns.findIndex((c) => !c.asItself && c.release === exit)]! : runPrepared(prepared, { ...withStrategy, explain, ...until });
    progress("");
    if (opts.json) {
      const standsFor = Object.fromEntries(columns.filter((c) => !c.asItself).map((c) => [c.release, c.standsFor]));
      const alike = runAlike(results, columns);
      cli.io.stdout.write(`${JSON.stringify({ scenario: scenario.name, releases: results.map((r) => toJson(r)), standsFor, ...(alike.length > 0 ? { alike } : {}) }, null, 2)}\n`);
    } else {
      cli.io.stdout.write(renderCompareXen(results, scenario, columns, { named, ...asXen, exit, ...withStrategy }));
      cli.io.stdout.write(`\n${COMPARE_LEGEND}\n`);
      // the run that set the exit status; one not shown is the file as it is
      cli.io.stdout.write(pointers(path, [strategy !== undefined ? `--strategy ${strategy}` : "", exit !== undefined ? `--xen ${exit}` : ""].filter(Boolean).join(" ")));
    }
  } else {
    primary = runPrepared(prepared, { ...withStrategy, explain, ...asXen, ...until, ...(big && tty ? { onProgress: (d, n) => progress(`xsm simulate: step ${d}/${n}`) } : {}) });
    progress("");
    if (opts.json) cli.io.stdout.write(`${JSON.stringify(toJson(primary), null, 2)}\n`);
    // only a picture on stdout takes the trace's place; one written to a file leaves it, as --svg does
    else if (opts.dot !== true) cli.io.stdout.write(renderTrace(primary, scenario));
  }
  if ((opts.dot !== undefined && opts.dot !== false) || opts.svg !== undefined) {
    const dot = renderDot(primary, prepared);
    if (opts.dot === true) cli.io.stdout.write(dot);
    // both files or neither
    await writeOutputs([...(typeof opts.dot === "string" ? [{ path: opts.dot, data: dot, what: "picture", option: "--dot" }] : []), ...(opts.svg !== undefined ? [{ path: opts.svg, data: await renderSvg(dot), what: "SVG picture", option: "--svg" }] : [])], inputs);
    if (typeof opts.dot === "string") {
      cli.io.stderr.write(`picture written to ${opts.dot}${opts.svg === undefined ? ` (as SVG: npx xsm simulate ${path} --svg ${svgBeside(opts.dot)}${path === STDIN ? ", the scenario on standard input again" : ""})` : ""}\n`);
    }
    if (opts.svg !== undefined) cli.io.stderr.write(`picture written to ${opts.svg}\n`);
  }
  const failures = primary.summary.expectFailures;
  if (failures > 0) {
    const as = primary.xen !== undefined && (xen !== undefined || compareXen) ? ` as Xen ${primary.xen.release}` : "";
    throw new CliError(`xsm: ${failures} expectation(s) failed under strategy ${primary.strategy}${as}\n`, 1, true);
  }
}

/** DOT -> SVG in process with Graphviz compiled to WebAssembly (@viz-js/viz), loaded only here. */
/** The SVG named after a .dot file, in its directory (`out/jan.dot` -> `out/jan.svg`). */
function svgBeside(dot: string): string {
  return `${dot.endsWith(".dot") ? dot.slice(0, -4) : dot}.svg`;
}

async function renderSvg(dot: string): Promise<string> {
  const { instance } = await import("@viz-js/viz");
  const viz = await instance();
  const result = viz.render(dot, { format: "svg" });
  if (result.status !== "success") {
    throw new CliError(`Graphviz could not render the picture: ${result.errors.map((e) => e.message).join("; ")}`);
  }
  return result.output;
}

function untilOption(text: string | undefined, steps: number): { until?: number } {
  if (text === undefined) return {};
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > steps) throw new UsageError(`--until takes a step number from 1 to ${steps}, not '${text}'`);
  return { until: n };
}

function sbdfKeyOf(text: string): number | undefined {
  const p = parseSbdf(text);
  return p.ok ? sbdfKey(p.value) : undefined;
}

/** Where to look next: the trace of one run (`which`: its options) and the scenario's siblings. */
function pointers(path: string, which: string): string {
  // standard input has no siblings: the working directory's files are not its
  const command = `npx xsm simulate ${path}${which ? ` ${which}` : ""}`;
  if (path === STDIN) return `\nthe full trace (decisions, Xen log, audit, why each denial): ${command}, the scenario on standard input again\n`;
  const dir = dirname(path);
  let others: string[] = [];
  try {
    others = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== basename(path)).sort();
  } catch {
    // no listing, no pointer
  }
  const lines = [`\nthe full trace (decisions, Xen log, audit, why each denial): ${command}`];
  if (others.length) lines.push(`more scenarios in ${dir}/: ${others.join(", ")}`);
  return lines.join("\n") + "\n";
}

export function registerSimulate(program: Command, cli: CliContext): void {
  const cmd = program
    .command("simulate")
    .description("run an SVP scenario (JSON) against the PCI registry and an XSM module")
    .argument("<scenario>", "scenario file (see src/sim/scenario.schema.json), or - for standard input (named <stdin>; its relative policy paths then resolve against the working directory)")
    .option("--strategy <strategy>", `PF-removal strategy, overriding the file's (${STRATEGIES.join(", ")})`)
    .option("--xen <release>", `run as this Xen release, overriding the file's "xen" (${XEN_RELEASES[0]} .. ${XEN_RELEASES[XEN_RELEASES.length - 2]}, master; the file's vfWithoutPf still wins)`)
    .option("--compare", "run every strategy and tabulate the outcomes")
    .option("--compare-xen [releases]", "run the scenario as several Xen releases and tabulate the outcomes: RELEASES comma separated (4.19.0,4.22.0; 4.20 for each 4.20.x; all), default one release per distinct behaviour")
    .option("--json", "print the run as one JSON document (src/sim/output.schema.json)")
    .option("--verbose", "explain granted XSM decisions too in the trace (denied ones always say why; --json has every reason)")
    .option("--until <step>", "stop after this step (the state --dot and the trace end with)")
    .option("--dot [file]", "a Graphviz picture of the state: platforms as the policy declares them (to FILE, or stdout)")
    .option("--svg <file>", "the same picture rendered to SVG in process (no Graphviz install needed)");
  // a scenario's "mls" says whether its policies are MLS; the tree options build the trees it names
  policyInputOptions(cmd, { mls: false })
    .action((path: string, opts: SimulateOptions) => runSimulate(cli, path, opts));
  nameWhatTookTheScenario(cmd);
}

/** `--compare-xen` and `--dot` take an optional value, so in `xsm simulate --compare-xen FILE.json`
 *  commander reads the file as the releases and then misses the scenario: say which option took
 *  it, as `xsm info -r POLICY` does. Commander reports a missing argument through its
 *  missingArgument method, after the options are parsed (so their values are known). */
function nameWhatTookTheScenario(cmd: Command): void {
  const reporter = cmd as unknown as { missingArgument(name: string): void };
  const commanders = reporter.missingArgument.bind(cmd);
  reporter.missingArgument = (name: string) => {
    const opts = cmd.opts<SimulateOptions>();
    const took = ([["--compare-xen", opts.compareXen, "releases"], ["--dot", opts.dot, "file"]] as const).find(([, value]) => typeof value === "string" && /\.json$/i.test(value));
    if (took === undefined) return commanders(name);
    const [flag, value, what] = took;
    cmd.error(`error: missing required argument '${name}'; ${flag} took '${value as string}' as its ${what} (put the scenario first: xsm simulate ${value as string} ${flag})`, { exitCode: 2, code: "commander.missingArgument" });
  };
}
