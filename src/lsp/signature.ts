// Signature help for a tree's m4 interfaces: which call the cursor is in, which argument, and the
// interface's parameters as its comment names them (Xen's modules/xen.if writes
// `# declare_domain(type, extra_attributes...)` above each define) or, without such a comment, as
// the $1..$9 its body reads.
import { scanArguments, type MacroDef } from "../build/macros.js";

/** The comment lines right above `define(` of a definition, without their `#`. */
export function macroComment(text: string, def: MacroDef): string[] {
  const defineAt = text.lastIndexOf("define(", def.bodyOffset);
  const lines = text.slice(0, Math.max(0, defineAt)).split("\n");
  lines.pop();
  const comment: string[] = [];
  while (lines.length > 0 && /^\s*#/.test(lines[lines.length - 1]!))
    comment.unshift(lines.pop()!.replace(/^\s*#\s?/, ""));
  return comment;
}

export interface MacroSignature {
  label: string;
  /** Each parameter's [start, end) in `label`. */
  parameters: [number, number][];
  /** The comment's other lines. */
  documentation: string;
}

/** The interface's signature: its comment's `NAME(a, b...)` line when it has one, else NAME($1,
 *  ...)
 *  up to the highest $N its body reads (with `...` for $@ or $*, which take every argument). */
export function macroSignature(def: MacroDef, comment: readonly string[]): MacroSignature {
  const own = new RegExp(`^\\s*${def.name}\\((.*)\\)\\s*$`);
  const line = comment.findIndex((l) => own.test(l));
  let params: string[];
  if (line >= 0) {
    const inner = own.exec(comment[line]!)![1]!.trim();
    params = inner === "" ? [] : inner.split(/\s*,\s*/);
  } else {
    const highest = Math.max(0, ...[...def.body.matchAll(/\$([1-9])/g)].map((m) => Number(m[1])));
    params = Array.from({ length: highest }, (_, i) => `$${i + 1}`);
    if (/\$[@*]/.test(def.body)) params.push("...");
  }
  const parameters: [number, number][] = [];
  let label = `${def.name}(`;
  params.forEach((p, i) => {
    if (i > 0) label += ", ";
    parameters.push([label.length, label.length + p.length]);
    label += p;
  });
  label += ")";
  const documentation = comment
    .filter((_, i) => i !== line)
    .join("\n")
    .trim();
  return { label, parameters, documentation };
}

/** The call of a known interface whose argument list holds `offset` (the innermost), with the
 *  argument the offset is in (0-based): m4's rules, so a comma inside quotes or inner parentheses
 *  does not count, nor text after `#` on a line. Looks back at most `reach` characters. */
export function callAt(
  text: string,
  offset: number,
  known: ReadonlyMap<string, MacroDef>,
  reach = 4000,
): { name: string; offset: number; arg: number } | undefined {
  const floor = Math.max(0, offset - reach);
  for (
    let open = text.lastIndexOf("(", offset - 1);
    open >= floor;
    open = text.lastIndexOf("(", open - 1)
  ) {
    const name = /[A-Za-z_][A-Za-z0-9_]*$/.exec(text.slice(Math.max(0, open - 64), open))?.[0];
    if (name === undefined || !known.has(name)) continue;
    const arg = argumentAt(text, open, offset);
    if (arg !== undefined) return { name, offset: open - name.length, arg };
  }
  return undefined;
}

/** Which argument of the list opened at `open` holds `offset`; undefined when the list closes
 *  before it. */
function argumentAt(text: string, open: number, offset: number): number | undefined {
  const scan = scanArguments(text, open, offset);
  return scan.close >= 0 ? undefined : scan.commas.length;
}

/** Where each argument of the list opened at `open` starts (its first character after the blanks
 *  m4 drops), as m4 splits them, and where the list closes; undefined when it does not close. */
export function argumentList(text: string, open: number): { starts: number[]; close: number } | undefined {
  const { starts, close } = scanArguments(text, open);
  return close < 0 ? undefined : { starts, close };
}
