// A single-valued option given twice with different values (`-o a.bin -o b.bin`): commander keeps the
// last one silently, so the first output is never written, or the first source never searched. As
// clap does by default (and unlike argparse), that is a usage error, exit 2. The same value twice
// is harmless and accepted; a repeatable option stays repeatable: one whose parser folds the previous
// value in (`(value, previous) => ...`: -D, --perm, --bool, comma lists) or a variadic one; flags
// (no value) may repeat.
import type { Command, Option } from "commander";

/** Installs the check on `cmd` and its subcommands; call after every option is declared. */
export function refuseConflictingRepeats(cmd: Command): void {
  for (const opt of cmd.options as readonly Option[]) {
    if (!(opt.required || opt.optional) || opt.variadic || opt.negate) continue;
    if (opt.parseArg !== undefined && opt.parseArg.length >= 2) continue;
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
