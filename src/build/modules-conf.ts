// modules.conf as a tree's Makefile reads it, line by line: Makefile.common's
// `awk '/^[ \t]*[a-z]/{ if ($3 == "on") print $1 }'` (Xen 4.3-4.5's one Makefile: any line starting
// with a letter). Pure text, below both the build (which modules m4 gets) and lint (what a line
// the awk reads otherwise than its author meant leaves out), so the two cannot read it apart.

/** The lines 4.6-4.7's Makefile and Makefile.common (4.8 on) read: starting with a lowercase letter. */
export const LOWERCASE_LINE = /^[ \t]*[a-z]/;
/** The lines Xen 4.3-4.5's one Makefile reads: `/^[[:blank:]]*[[:alpha:]]/` (C locale). */
export const ALPHA_LINE = /^[ \t]*[A-Za-z]/;

/** How a tree's Makefile reads its modules.conf (build's modulesConfReading, read by lint). */
export interface ModulesConfReading {
  /** modules.conf as the tree names it (modules/modules.conf, or policy/modules.conf before 4.8). */
  file: string;
  /** The awk pattern of the lines the tree's Makefile reads. */
  reads: RegExp;
  /** What those lines are, in words ("lines starting with a lowercase letter"). */
  readsWhat: string;
  /** The tree's module files (.te), by the name the Makefile looks for and their file. */
  modules: readonly { name: string; file: string }[];
  /** The Makefile finds a module's file whatever its case (4.3-4.7's `find -iname`). */
  caseBlind: boolean;
}

export interface ModulesConfLine {
  /** 1-based. */
  line: number;
  /** The line's text (without its newline) and its offset in the file. */
  text: string;
  offset: number;
  /** Blanks before its first word. */
  lead: number;
  /** The awk pattern matches it: the Makefile reads it. */
  read: boolean;
  /** awk's fields: runs of blanks split them, leading blanks ignored (for a line it reads). */
  fields: string[];
}

export function modulesConfLines(text: string, reads: RegExp = LOWERCASE_LINE): ModulesConfLine[] {
  let offset = 0;
  return text.split("\n").map((line, i) => {
    const at = offset;
    offset += line.length + 1;
    const read = reads.test(line);
    return { line: i + 1, text: line, offset: at, lead: line.length - line.trimStart().length, read, fields: read ? line.trim().split(/[ \t]+/) : [] };
  });
}

/** Makefile.common's ENABLED_LIST: the first word of each line read whose third is `on`, in order. */
export function enabledModules(modulesConf: string, reads: RegExp = LOWERCASE_LINE): string[] {
  return modulesConfLines(modulesConf, reads)
    .filter((l) => l.read && l.fields[2] === "on")
    .map((l) => l.fields[0]!);
}
