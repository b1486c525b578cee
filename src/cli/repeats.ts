// An option's value that is empty (`--class ''`, `-o ''`) is a usage error, exit 2, whatever the
// option: a name, a file or a directory is never empty, and each command said something else
// (`unknown class ''`, exit 1; `cannot write binary policy to : ...`). A parser with its own words
// for it (`--perm ''`: "expected a permission name") runs first and keeps them. So is an empty
// positional argument (`xsm compile ''`), which every command read as a file named ''.
//
// A single-valued option given twice with different values (`-o a.bin -o b.bin`): commander keeps the
// last one silently, so the first output is never written, or the first source never searched. As
// clap does by default (and unlike argparse), that is a usage error, exit 2. The same value twice
// is harmless and accepted; a repeatable option stays repeatable: one whose parser folds the previous
// value in (`(value, previous) => ...`: -D, --perm, --bool, comma lists) or a variadic one; flags
// (no value) may repeat. A repeatable NAME=VALUE option (check --bool, search --set, -D) given one
// NAME twice with values that differ (`--bool a=1 --bool a=0`) contradicts itself as well: its parser
// refuses it naming both (keyedValue, and -D's own check), where the last one was kept silently.
import type { Command, Option } from "commander";

/** How each NAME of a repeatable NAME=VALUE option's record was given (`a=1`), to quote it. */
const givenAs = new WeakMap<object, Map<string, string>>();

/**
 * A repeatable NAME=VALUE option's record so far (`previous`, commander's previous value) with
 * `name` set to `value`, as `given` on the command line: a new record. `name` given before with a
 * value that differs throws `refuse(earlier)`, `earlier` as it was given then; the same value again
 * (`a=1` after `a=true`) is accepted.
 */
export function keyedValue<V>(previous: Record<string, V> | undefined, name: string, value: V, given: string, refuse: (earlier: string) => Error): Record<string, V> {
  const spelled = new Map(previous === undefined ? undefined : givenAs.get(previous));
  if (previous !== undefined && Object.hasOwn(previous, name) && previous[name] !== value) throw refuse(spelled.get(name) ?? `${name}=${String(previous[name])}`);
  const next = { ...previous, [name]: value };
  if (!spelled.has(name)) spelled.set(name, given);
  givenAs.set(next, spelled);
  return next;
}

/** "a file" for `<file>`, "a directory" for `<dir>`, "values" for `<values>`: what the option's
 *  placeholder names. */
function what(flags: string): string {
  const word = /[<[]([^>\]]+)[>\]]/.exec(flags)?.[1]?.replace(/\.\.\.$/, "") ?? "value";
  const noun = word === "dir" ? "directory" : word;
  // `<values>`, `<classes>`: a list is "values", never "a values"
  if (/[^s]s$/.test(noun)) return noun;
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}

/** Installs the checks on `cmd` and its subcommands; call after every option is declared. */
export function refuseConflictingRepeats(cmd: Command): void {
  for (const opt of cmd.options as readonly Option[]) {
    if (!(opt.required || opt.optional) || opt.negate) continue;
    cmd.on(`option:${opt.name()}`, (value: string | null) => {
      if (value === "") cmd.error(`error: option '${opt.flags}' argument '' is invalid. expected ${what(opt.flags)}, got an empty string.`, { exitCode: 2, code: "xsm.emptyOption" });
    });
    if (opt.variadic || (opt.parseArg !== undefined && opt.parseArg.length >= 2)) continue;
    let first: string | null | undefined;
    let seen = false;
    // (commander's own listener, added with the option, has already parsed and stored the value)
    cmd.on(`option:${opt.name()}`, (value: string | null) => {
      if (!seen) {
        [seen, first] = [true, value];
        return;
      }
      if (value === first) return;
      const shown = (v: string | null | undefined) => (v === null || v === undefined ? "without a value" : `'${v}'`);
      cmd.error(`error: option '${opt.flags}' given twice, ${shown(first)} and ${shown(value)}: it takes one value; give it once`, { exitCode: 2, code: "xsm.repeatedOption" });
    });
  }
  for (const sub of cmd.commands as readonly Command[]) refuseConflictingRepeats(sub);
}

/** What an argument names, for the message: by its placeholder's word, or its help (a policy
 *  argument that takes a tree says "policy tree directory"; studio's target "a directory of them"). */
function argumentNoun(name: string, description: string): string {
  if (name === "dir") return "a directory name";
  if (name === "exclude") return "a type name";
  return /\b(tree|a) directory\b/.test(description) ? "a file or directory name" : "a file name";
}

/** An empty positional argument (`xsm compile ''`, `xsm diff '' new.conf`) is a usage error, exit 2,
 *  as an empty option value is: it was read as a file named '' (": no such file", exit 1). Installed
 *  once on the program: its preAction hook runs for every subcommand, after commander has taken
 *  the arguments and before the action reads any. */
export function refuseEmptyArguments(program: Command): void {
  program.hook("preAction", (_program, cmd) => {
    cmd.registeredArguments.forEach((arg, i) => {
      const given: unknown = cmd.processedArgs[i];
      const values = Array.isArray(given) ? given : [given];
      if (!values.includes("")) return;
      const placeholder = arg.required ? `<${arg.name()}${arg.variadic ? "..." : ""}>` : `[${arg.name()}${arg.variadic ? "..." : ""}]`;
      cmd.error(`error: argument '${placeholder}' is invalid. expected ${argumentNoun(arg.name(), arg.description)}, got an empty string.`, { exitCode: 2, code: "xsm.emptyArgument" });
    });
  });
}
