// Reading a log of Xen's avc lines for `xsm why` and `xsm allow`: a file or `-` for stdin, streamed
// line by line (a 100 MB `xl dmesg` capture never sits in memory), each line classified as an avc
// line, a malformed one or another line.
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { parseAvcLine, type AvcLine } from "../analysis/avcline.js";
import { describeErrno, displayName } from "../io/read.js";
import { CliError } from "./io.js";

/** Far longer than any line of a Xen console log (an avc line is a few hundred characters): a file
 *  with a longer line is not such a log, and readline would hold the line whole however long it
 *  grows (/dev/zero: until node's string limit, a RangeError). */
export const MAX_LOG_LINE = 1024 * 1024;

export interface LogSummary {
  lines: number;
  avc: number;
  other: number;
  malformed: number;
}

/** Calls `onAvc` per avc line and `onMalformed` per broken one, in order; counts the rest. */
export async function readAvcLog(
  path: string,
  stdin: Readable,
  onAvc: (avc: AvcLine) => void,
  onMalformed: (line: number, col: number, message: string) => void,
): Promise<LogSummary> {
  let input: Readable;
  if (path === "-") input = stdin;
  else {
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      throw new CliError(`${path}: ${describeErrno(err)}`);
    }
    if (st.isDirectory()) throw new CliError(`${path}: is a directory, not a log`);
    input = createReadStream(path, { encoding: "utf8" });
  }
  const summary: LogSummary = { lines: 0, avc: 0, other: 0, malformed: 0 };
  const rl = createInterface({ input, crlfDelay: Infinity });
  // readline drops line endings; every line but a last unterminated one had one
  let pending: string | undefined;
  const handle = (text: string, newline: boolean) => {
    summary.lines++;
    const p = parseAvcLine(text, summary.lines, newline);
    if (p.kind === "avc") {
      summary.avc++;
      onAvc(p.avc);
    } else if (p.kind === "malformed") {
      summary.malformed++;
      onMalformed(summary.lines, p.col, p.message);
    } else summary.other++;
  };
  let sawTrailingNewline = false;
  const name = displayName(path);
  const bound = lineBound();
  input.on("data", (chunk: string | Buffer) => {
    const s = typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (s.length > 0) sawTrailingNewline = s.endsWith("\n");
    const over = bound(s);
    if (over !== undefined) input.destroy(new CliError(`${name}:${over}: a line longer than ${MAX_LOG_LINE} characters: not a log of Xen's console lines`));
  });
  try {
    for await (const line of rl) {
      if (pending !== undefined) handle(pending, true);
      pending = line;
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${name}: ${(err as Error).message}`);
  }
  if (pending !== undefined) handle(pending, sawTrailingNewline);
  return summary;
}

/** Follows the text's lines as readline splits them (`\r\n`, `\r` or `\n`, a `\r\n` split
 *  between two chunks one break); returns the number of the first line longer than MAX_LOG_LINE. */
function lineBound(): (text: string) => number | undefined {
  let line = 1;
  let length = 0;
  let afterCr = false;
  const BREAK = /\r\n|\r|\n/g;
  return (text) => {
    // the `\n` of a `\r\n` whose `\r` ended the last chunk (and the line)
    let from = afterCr && text.startsWith("\n") ? 1 : 0;
    afterCr = text.endsWith("\r");
    BREAK.lastIndex = from;
    for (let m = BREAK.exec(text); m !== null; m = BREAK.exec(text)) {
      if (length + m.index - from > MAX_LOG_LINE) return line;
      line++;
      length = 0;
      from = BREAK.lastIndex;
    }
    length += text.length - from;
    return length > MAX_LOG_LINE ? line : undefined;
  };
}
