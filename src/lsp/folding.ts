// textDocument/foldingRange: what a policy author folds. Braces over several lines (a class's or
// common's permissions, a `{ ... }` set, a platform block, an `if` and its `else`), parentheses
// over
// several lines (a constraint's expression; in an m4 source a `define(...)` body or any call whose
// arguments run on), runs of comment lines, and a policy.conf's sections (model.ts: the runs of
// statements checkpolicy reads as one section, from the parsed policy). Brackets are read from the
// text as the editor has it, outside comments and quoted names; a closing one that starts its line
// stays visible (`} else {`, `')`).
import type { FoldingRange } from "vscode-languageserver";
import { LineStarts } from "../diagnostics/line-starts.js";

const isEol = (c: number) => c === 10 || c === 13;
const isBlank = (c: number) => c === 32 || c === 9 || c === 12;

/** The folding ranges of a document; `m4`: an m4 source of a tree (`dnl` comments, `$#`);
 *  `sections`: the policy.conf's section runs, as lines. */
export function foldingRanges(
  text: string,
  m4: boolean,
  sections: readonly { name: string; start: number; end: number }[] = [],
): FoldingRange[] {
  const lines = new LineStarts(text, "crlf");
  const starts = lines.starts;
  const out: FoldingRange[] = [];
  /** Open `{` and `(`: the line each opened on. */
  const braces: number[] = [];
  const parens: number[] = [];
  let line = 0;
  /** Only blanks (and m4 quotes) so far on the line: a closer there leaves its line visible. */
  let lineLead = true;
  let commentRun = -1;
  let lastComment = -1;
  const endComments = () => {
    if (commentRun >= 0 && lastComment > commentRun)
      out.push({ startLine: commentRun, endLine: lastComment, kind: "comment" });
    commentRun = -1;
  };
  const close = (open: number | undefined, lead: boolean) => {
    if (open === undefined) return;
    const end = lead ? line - 1 : line;
    if (end > open) out.push({ startLine: open, endLine: end });
  };

  for (let i = 0; i < text.length;) {
    const c = text.charCodeAt(i);
    if (isEol(c)) {
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      line++;
      lineLead = true;
      continue;
    }
    if (isBlank(c) || (m4 && (c === 96 || c === 39) /* ` ' */ && lineLead)) {
      i++;
      continue;
    }
    const comment =
      c === 35 /* # */ ||
      (m4 &&
        c === 100 &&
        text.startsWith("dnl", i) &&
        !/[A-Za-z0-9_]/.test(text[i + 3] ?? "") &&
        !/[A-Za-z0-9_]/.test(text[i - 1] ?? ""));
    if (comment) {
      // a line that is only a comment continues a run of them
      if (lineLead) {
        if (commentRun < 0 || lastComment !== line - 1) (endComments(), (commentRun = line));
        lastComment = line;
      }
      while (i < text.length && !isEol(text.charCodeAt(i))) i++;
      continue;
    }
    if (lineLead && commentRun >= 0 && lastComment !== line) endComments();
    const lead = lineLead;
    lineLead = false;
    if (c === 34 /* " */) {
      // a quoted name or path never holds a bracket of the policy's, nor runs past its line
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 34 && !isEol(text.charCodeAt(j))) j++;
      i = text.charCodeAt(j) === 34 ? j + 1 : j;
      continue;
    }
    if (m4 && c === 36 /* $ */) {
      i += isEol(text.charCodeAt(i + 1)) ? 1 : 2; // $1, $#, $@: not a comment, not a bracket
      continue;
    }
    if (c === 123) braces.push(line);
    else if (c === 125) close(braces.pop(), lead);
    else if (c === 40) parens.push(line);
    else if (c === 41) close(parens.pop(), lead);
    i++;
  }
  endComments();
  // a section of the policy (a region), when it spans lines
  for (const s of sections)
    if (s.end > s.start)
      out.push({
        startLine: s.start,
        endLine: Math.min(s.end, starts.length - 1),
        kind: "region",
        collapsedText: s.name,
      });
  // one range per first line (a client keeps one): the widest, a section before a block as wide
  const rank = (r: FoldingRange) => (r.kind === "region" ? 0 : 1);
  out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine || rank(a) - rank(b));
  return out.filter((r, k) => k === 0 || out[k - 1]!.startLine !== r.startLine);
}
