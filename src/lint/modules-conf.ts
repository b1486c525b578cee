// A policy tree's modules.conf as its Makefile reads it: Makefile.common's
// `awk '/^[ \t]*[a-z]/{ if ($3 == "on") print $1 }'` (Xen 4.3-4.5's Makefile: any line starting
// with a letter; 4.3-4.7 find a module's file with `find -iname`). A line the awk skips or reads
// otherwise than its author meant leaves a module out of the policy without a word from make or
// m4; these findings say so. The caller (the CLI, on a tree) gives the text and what the tree's
// Makefile reads; this module reads no files.
import type { Diagnostic, Span } from "../diagnostics/diagnostic.js";
import { modulesConfLines, type ModulesConfReading } from "../build/modules-conf.js";
import { finding } from "./finding.js";

/** How the tree's Makefile reads modules.conf (build's modulesConfReading) and its text. */
export interface ModulesConfInput extends ModulesConfReading {
  text: string;
}

/** What `xsm lint --list` says of the tree-only check. */
export const MODULE_SWITCH = {
  code: "module-switch",
  rationale:
    "a modules.conf line the tree's Makefile skips or reads otherwise than it looks (awk splits `NAME = on` on blanks and takes a module as on only when its third word is `on`), a module listed twice, or a module file modules.conf does not list, leaves a module out of the policy (or in it twice) with no word from make or m4",
  example: "xen=on   # in modules/modules.conf: one word to the Makefile's awk, so module xen is not switched on",
} as const;

// a line that reads as a switch whatever the Makefile makes of it: NAME, maybe `=`, a word
const SWITCH_LIKE = /^[ \t]*([A-Za-z0-9_][^\s=#]*)[ \t]*=[ \t]*([^\s#]*)/;

export function modulesConfFindings(input: ModulesConfInput): Diagnostic[] {
  const { file, text, reads, readsWhat, caseBlind } = input;
  const fold = (name: string) => (caseBlind ? name.toLowerCase() : name);
  const out: Diagnostic[] = [];
  const named = new Map<string, { name: string; span: Span; on: Span | undefined }>();
  // modules a line's finding names already (not said again as unlisted), in lower case
  const told = new Set<string>();
  for (const { text: line, line: n, offset: start, lead, read, fields } of modulesConfLines(text, reads)) {
    const at = (length: number): Span => ({ file, line: n, col: lead + 1, endLine: n, endCol: lead + 1 + length, offset: start + lead, length });
    if (!read) {
      const m = SWITCH_LIKE.exec(line);
      if (m && /^(on|off)$/i.test(m[2]!)) {
        told.add(m[1]!.toLowerCase());
        out.push(finding("module-switch", `the Makefile reads only ${readsWhat}, so it skips this line: module \`${m[1]}\` is neither on nor off, and is left out`, at(m[1]!.length)));
      }
      continue;
    }
    const name = fields[0]!;
    const value = fields[2];
    const on = value === "on";
    if (!on && value !== "off") {
      const written = line.trim();
      // `foo=on`, `foo =on`: an `=` not standing alone as the second word
      const glued = written.includes("=") && fields[1] !== "=";
      const meant = /=\s*([^\s#]+)/.exec(written)?.[1] ?? "on";
      const module = name.split("=")[0]!;
      told.add(module.toLowerCase());
      const message = glued
        ? `\`${written}\` is not three words to the Makefile's awk, which splits on blanks, so it is no switch: module \`${module}\` is off; write \`${module} = ${meant}\``
        : value === undefined
          ? `the Makefile takes a module as on only when the line's third word is \`on\` (\`${name} = on\`), and this line has none, so module \`${name}\` is off`
          : `the Makefile takes a module as on only when the line's third word is \`on\`, and here it is \`${value}\`, so module \`${name}\` is off`;
      out.push(finding("module-switch", message, at(written.length)));
    }
    const key = fold(name);
    const first = named.get(key);
    if (first === undefined) {
      named.set(key, { name, span: at(name.length), on: on ? at(name.length) : undefined });
      continue;
    }
    // said against the line that switched it on when one did, else the first
    const earlier = first.on ?? first.span;
    const message =
      first.on && on
        ? `module \`${name}\` is switched on again (first at line ${earlier.line}): the Makefile hands its files to m4 twice, which declares everything in them twice`
        : first.on || on
          ? `module \`${name}\` is switched ${on ? "on" : "off"} here and ${on ? "off" : "on"} at line ${earlier.line}: the Makefile takes it as on (any line that says so)`
          : `module \`${name}\` is listed again (first at line ${earlier.line})`;
    out.push(finding("module-switch", message, at(name.length), [{ message: first.on ? "switched on here" : "listed first here", span: earlier }]));
    first.on ??= on ? at(name.length) : undefined;
  }
  const files = new Set(input.modules.map((m) => fold(m.name)));
  for (const m of input.modules) {
    if (named.has(fold(m.name)) || told.has(m.name.toLowerCase())) continue;
    const span: Span = { file: m.file, line: 1, col: 1, endLine: 1, endCol: 1, offset: 0, length: 0 };
    out.push(finding("module-switch", `module \`${m.name}\` is not in ${file}, so the Makefile leaves it out: add \`${m.name} = on\` there (or \`${m.name} = off\`, to say so)`, span));
  }
  // on, with no file: 4.3-4.7's find gives nothing and that Makefile goes on without it (from 4.8
  // on the build stops at the missing file, which the tree reader reports)
  for (const [key, { name, span, on }] of named) {
    if (on !== undefined && caseBlind && !files.has(key)) {
      out.push(finding("module-switch", `module \`${name}\` is on, but no module file is named ${name}.te (in any case): the Makefile's find gives nothing and it builds without it`, span));
    }
  }
  return out;
}
