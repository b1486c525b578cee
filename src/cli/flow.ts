// `xsm flow POLICY -s SRC [-t TGT] [-S | -A N] ...`: seinfoflow's information flow analysis with its
// option names and its output (byte for byte for the binary checkpolicy builds from the same
// source, under the same permission map), the Xen map src/analysis/xen.permmap by default; plus
// --json, --origins (the source rules behind each rule), and attributes or SVP platform names for
// -s, -t and the excluded types.
import type { Command } from "commander";
import { PolicyError } from "../diagnostics/diagnostic.js";
import { renderDiagnostics } from "../diagnostics/render.js";
import type { PermMap } from "../analysis/permmap.js";
import type { FlowInput, FlowMode } from "../analysis/flowquery.js";
import { asCliErrors, oneName, policyInputOptions, readPolicyArgument, type PolicyInputOptions } from "./analysis-input.js";
import { CliError, UsageError, displayName, readTextFile, refuseMlsForBinary } from "./io.js";
import type { CliContext } from "./context.js";
import { commaItems } from "./lists.js";
import { readFileSync } from "node:fs";

interface FlowCliOptions extends PolicyInputOptions {
  source: string;
  target?: string;
  shortest_path?: boolean;
  all_paths?: string;
  min_weight?: string;
  limit_flows?: string;
  booleans?: string;
  map?: string;
  full?: boolean;
  stats?: boolean;
  origins?: boolean;
  json?: boolean;
}

/** The map shipped with xsm (two levels up from src/cli/ and from dist/bin/ alike). */
export const XEN_PERMMAP_URL = new URL("../../src/analysis/xen.permmap", import.meta.url);

function integer(value: string, option: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new UsageError(`${option}: expected an integer, got '${value}'`);
  return Number(value);
}

/** seinfoflow -b: `default` (every boolean at its default) or `name:true,name:false`. */
export function parseBooleans(spec: string): Record<string, boolean> {
  if (spec === "default") return {};
  const list = commaItems(spec);
  if ("empty" in list) throw new UsageError(`-b ${spec}: ${list.empty}; expected 'default' or NAME:true,NAME:false...`);
  const out: Record<string, boolean> = {};
  for (const item of list.items) {
    if (item === "default") throw new UsageError(`-b ${spec}: 'default' stands alone (every boolean at its default); with NAME:VALUE items, the booleans not named keep their defaults`);
    const parts = item.split(":");
    if (parts.length !== 2 || parts[0]!.trim() === "") throw new UsageError(`-b: expected 'default' or NAME:true,NAME:false..., got '${item}'`);
    const [name, value] = [parts[0]!.trim(), parts[1]!.trim().toLowerCase()];
    if (value !== "true" && value !== "false") throw new UsageError(`-b: a boolean's value is true or false, got '${parts[1]}' for ${name}`);
    // `a:true,a:false`: which one the user meant is not for xsm to guess
    if (name in out && out[name] !== (value === "true")) throw new UsageError(`-b ${spec}: ${name} is given both true and false`);
    out[name] = value === "true";
  }
  return out;
}

export async function loadMap(path: string | undefined, cli: CliContext): Promise<PermMap> {
  const { parsePermMap } = await import("../analysis/permmap.js");
  let text: string;
  let file: string;
  if (path === undefined) {
    file = "xen.permmap";
    text = readFileSync(XEN_PERMMAP_URL, "utf8");
  } else {
    file = path;
    text = readTextFile(path, "permission map", 16 * 1024 * 1024);
  }
  const { map, diagnostics } = parsePermMap(text, file);
  if (diagnostics.length > 0) {
    const rendered = renderDiagnostics(diagnostics, text, file);
    if (!map) throw new CliError(rendered, 1, true);
    cli.io.stderr.write(rendered);
  }
  return map!;
}

async function loadInput(path: string, options: PolicyInputOptions): Promise<FlowInput> {
  const input = await readPolicyArgument(path, options);
  const { flowInputFromBinary, flowInputFromSource } = await import("../analysis/flowquery.js");
  try {
    if (!("binary" in input)) return flowInputFromSource(input.text, input.compileName, { mls: input.mls, locate: input.locate });
    const flow = flowInputFromBinary(input.binary, input.name);
    refuseMlsForBinary(input.name, input.binary, options.mls);
    return flow;
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(input.render(err.diagnostics), 1, true);
    throw err;
  }
}

export function registerFlow(program: Command, cli: CliContext): void {
  const cmd = program
    .command("flow")
    .description("information flow analysis as seinfoflow does it (flows out of a type, shortest or all paths to another), with a Xen permission map")
    .argument("<policy>", "policy.conf, binary policy or policy tree directory (built as xsm build builds it), or - for standard input")
    .argument("[exclude...]", "types (or attributes, platforms) left out of the analysis")
    .requiredOption("-s, --source <type>", "source type (or an attribute, or an SVP platform's name: its domains and devices)", oneName)
    .option("-t, --target <type>", "target type (or attribute, platform) of a path analysis", oneName)
    .option("-S, --shortest_path", "all shortest paths from the source to the target")
    .option("-A, --all_paths <max_steps>", "all paths of at most MAX_STEPS steps (expensive)")
    .option("-w, --min_weight <weight>", "minimum permission weight, 1-10 (default: 3)")
    .option("-l, --limit_flows <n>", "stop after N flows (default: 0, no limit)")
    .option("-b, --booleans <values>", "only the rules enabled by these values: 'default' or NAME:true,NAME:false (the others at their defaults); without -b every rule counts")
    .option("-m, --map <file>", "permission map in setools' format (default: xsm's Xen map, src/analysis/xen.permmap)")
    .option("--full", "print each step's rules")
    .option("--origins", "print each step's rules and, under each, the source rules (file:line) it came from")
    .option("--stats", "print the flow graph's size at the end")
    .option("--json", "print JSON (every step with its weight and rules, their origins from a policy.conf or tree)");
  policyInputOptions(cmd)
    .action(async (path: string, exclude: string[], o: FlowCliOptions) => {
      // usage errors, as -l's: -S with -A (seinfoflow silently takes -S; the synopsis is [-S | -A N])
      // and a weight outside 1-10
      if (o.shortest_path && o.all_paths !== undefined) throw new UsageError("-S (shortest paths) and -A (all paths) contradict: give one");
      const minWeight = integer(o.min_weight ?? "3", "-w");
      if (minWeight < 1 || minWeight > 10) throw new UsageError(`-w: the minimum weight is an integer 1-10, got '${o.min_weight}'`);
      const limit = integer(o.limit_flows ?? "0", "-l");
      if (limit < 0) throw new UsageError("-l: the limit on flows cannot be negative");
      let mode: FlowMode = { kind: "out" };
      if (o.shortest_path) mode = { kind: "shortest" };
      else if (o.all_paths !== undefined) {
        const n = integer(o.all_paths, "-A");
        if (n < 1) throw new UsageError("-A: the maximum number of steps must be positive");
        mode = { kind: "all", maxSteps: n };
      }
      if (mode.kind !== "out" && o.target === undefined) throw new UsageError("a path analysis (-S, -A) needs a target type (-t)");
      if (mode.kind === "out" && o.target !== undefined) throw new UsageError("-t is for a path analysis (-S or -A); without one, the flows out of the source are listed");
      const booleans = o.booleans === undefined ? undefined : parseBooleans(o.booleans);
      const map = await loadMap(o.map, cli);
      const input = await loadInput(path, o);
      const { FlowGraph } = await import("../analysis/flow.js");
      const { flowJson, renderFlowText, runFlowQuery, unmappedPerms } = await import("../analysis/flowquery.js");
      const graph = new FlowGraph(input.kernel, map);
      const query = { source: o.source, target: o.target, mode, minWeight, booleans, exclude, limit };
      const answer = asCliErrors(() => runFlowQuery(graph, query));
      if (o.json) {
        cli.io.stdout.write(`${JSON.stringify(flowJson(graph, answer, query, { policy: displayName(path), map, origins: input.origins }), null, 2)}\n`);
        return;
      }
      const unmapped = unmappedPerms(graph, map);
      if (unmapped.length > 0) {
        const shown = unmapped.slice(0, 8).join(", ");
        cli.io.stderr.write(`xsm: warning: ${map.file} leaves ${unmapped.length} permission${unmapped.length === 1 ? "" : "s"} of the policy unmapped (no flow through them): ${shown}${unmapped.length > 8 ? ", ... (--json lists them all)" : ""}\n`);
      }
      if (o.origins && !input.origins) cli.io.stderr.write(`xsm: note: ${displayName(path)} is a binary policy: its rules have no source lines\n`);
      cli.io.stdout.write(renderFlowText(graph, answer, { full: o.full, origins: o.origins ? (input.origins ?? (() => [])) : undefined, stats: o.stats }));
    });
}
