// `xsm info POLICY`: seinfo's statistics block, or its component listings (-t -a -c -b -u -r
// --initialsid --common --default --permissive --polcap --typebounds and Xen's ocontexts), each with
// an optional name and -x for the full statements; --flat without titles, --all everything.
import { statSync } from "node:fs";
import { modulesConfOf } from "../build/tree.js";
import type { Command } from "commander";
import type { Component, ListRequest } from "../analysis/info.js";
import { QueryError } from "../analysis/names.js";
import { loadAnalysis, policyInputOptions, type PolicyInputOptions } from "./analysis-input.js";
import { CliError, UsageError } from "./io.js";
import type { CliContext } from "./context.js";

type InfoOptions = Partial<Record<string, string | boolean | string[]>> & PolicyInputOptions & { expand?: boolean; json?: boolean; flat?: boolean; all?: boolean };

/** option attribute -> component */
const OPTIONS: [flags: string, attr: string, component: Component, what: string][] = [
  ["-t, --type [name]", "type", "types", "types"],
  ["-a, --attribute [name]", "attribute", "attributes", "type attributes"],
  ["-c, --class [name]", "class", "classes", "object classes"],
  ["-b, --bool [name]", "bool", "booleans", "booleans"],
  ["-u, --user [name]", "user", "users", "users"],
  ["-r, --role [name]", "role", "roles", "roles"],
  ["--initialsid [name]", "initialsid", "initialsids", "initial SIDs (contexts)"],
  ["--sensitivity [name]", "sensitivity", "sensitivities", "MLS sensitivities"],
  ["--category [name]", "category", "categories", "MLS categories"],
  ["--constrain [class]", "constrain", "constraints", "constraints (constrain and mlsconstrain)"],
  ["--validatetrans [class]", "validatetrans", "validatetrans", "validatetrans and mlsvalidatetrans"],
  ["--common [name]", "common", "commons", "common permission sets"],
  ["--default [class]", "default", "defaults", "default_user/role/type/range rules"],
  ["--permissive [type]", "permissive", "permissives", "permissive types"],
  ["--polcap [name]", "polcap", "polcaps", "policy capabilities"],
  ["--typebounds [type]", "typebounds", "typebounds", "typebounds statements"],
  ["--pcidevicecon [device]", "pcidevicecon", "pcidevicecon", "pcidevicecon statements"],
  ["--iomemcon [low]", "iomemcon", "iomemcon", "iomemcon statements"],
  ["--ioportcon [low]", "ioportcon", "ioportcon", "ioportcon statements"],
  ["--pirqcon [irq]", "pirqcon", "pirqcon", "pirqcon statements"],
  ["--devicetreecon [path]", "devicetreecon", "devicetreecon", "devicetreecon statements"],
];

export function registerInfo(program: Command, cli: CliContext): void {
  const cmd = program
    .command("info")
    .description("policy statistics and component listings, as seinfo prints them")
    // optional here so a policy taken as an option's value is said so (below), not "missing"
    .argument("[policy]", "policy.conf, binary policy or policy tree directory (built as xsm build builds it), or - for standard input");
  for (const [flags, , , what] of OPTIONS) cmd.option(flags, `print ${what}`);
  cmd
    .option("--all", "the statistics and every listing (seinfo --all; with the Xen ocontexts)")
    .option("-x, --expand", "print each component's full statement")
    .option("--flat", "print the listings' items alone: no titles, counts or indentation")
    .option("--json", "print JSON");
  policyInputOptions(cmd)
    .action(async (path: string | undefined, o: InfoOptions) => {
      if (path === undefined) {
        // `xsm info -x -r merged.conf`: -r [name] took the policy as a role's name
        const took = OPTIONS.find(([, attr]) => typeof o[attr] === "string" && isFile(o[attr] as string));
        const why = took ? `; ${took[0].split(/[ ,]/)[0]} took '${o[took[1]] as string}' as the name of one (put the policy first: xsm info ${o[took[1]] as string} ${took[0].split(/[ ,]/)[0]})` : "";
        // commander's own words and usage hint, as a command whose argument is required gets them
        return cmd.error(`error: missing required argument 'policy'${why}`, { exitCode: 2 });
      }
      const asked = OPTIONS.filter(([, attr]) => o[attr] !== undefined);
      // seinfo --flat without a listing prints nothing at all
      if (o.flat && asked.length === 0 && !o.all) throw new UsageError("--flat prints listings without titles; give one (-t, -a, -c, --common, ... or --all)");
      if (o.flat && o.json) throw new UsageError("--flat and --json are two output formats; give one");
      const ap = await loadAnalysis(path, path, o);
      const { COMPONENTS, listings, renderListings, renderStatistics, statistics } = await import("../analysis/info.js");
      // --all: every listing, each with the NAME its own option gave (seinfo --all -t T lists type T)
      const named = new Map(asked.map(([, attr, component]) => [component, typeof o[attr] === "string" ? (o[attr] as string) : undefined]));
      const requests: ListRequest[] = (o.all ? [...COMPONENTS] : [...named.keys()]).map((component) => ({ component, name: named.get(component) }));
      const stats = requests.length === 0 || o.all ? statistics(ap) : undefined;
      if (requests.length === 0) {
        cli.io.stdout.write(o.json ? `${JSON.stringify({ file: path, statistics: stats }, null, 2)}\n` : renderStatistics(stats!, path));
        return;
      }
      const list = tookFile(path, o, () => listings(ap, requests, !!o.expand));
      const items = Object.fromEntries(list.map((l) => [l.component, l.items]));
      if (o.json) cli.io.stdout.write(`${JSON.stringify(stats ? { file: path, statistics: stats, ...items } : items, null, 2)}\n`);
      else cli.io.stdout.write((stats && !o.flat ? renderStatistics(stats, path) : "") + renderListings(list, !!o.flat));
    });
}

/** Runs the listing; a name it refuses becomes `xsm: error: ...`, and when that name is a file
 *  (`xsm info A -x -t B`: as in seinfo, -t [name] takes the word after it) the error says so and
 *  what to run for B's listing instead. */
function tookFile<T>(policy: string, o: InfoOptions, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    const option = OPTIONS.find(([flags]) => flags.split(/[ ,]/)[0] === err.option);
    const value = option && o[option[1]];
    if (option === undefined || typeof value !== "string" || !isFile(value)) throw new CliError(err.message);
    const flag = err.option as string;
    throw new CliError(`${err.message}; ${flag} took '${value}' (a file) as its value: xsm info reads one policy, here ${policy}; to list ${value}'s ${option[3]}: xsm info ${value} ${flag}`);
  }
}

/** A policy file or a policy tree directory (what a name option may have taken by mistake). */
function isFile(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() || (st.isDirectory() && modulesConfOf(path) !== undefined);
  } catch {
    return false;
  }
}
