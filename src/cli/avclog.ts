// Reading a log of Xen's avc lines for `xsm why` and `xsm allow`: a file or `-` for stdin, streamed
// line by line (a 100 MB `xl dmesg` capture never sits in memory), each line classified as an avc
// line, a malformed one or another line.
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { parseAvcLine, type AvcLine } from "../analysis/avcline.js";
import { CliError } from "./io.js";

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
    } catch {
      throw new CliError(`${path}: no such file`);
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
  input.on("data", (chunk: string | Buffer) => {
    const s = typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (s.length > 0) sawTrailingNewline = s.endsWith("\n");
  });
  try {
    for await (const line of rl) {
      if (pending !== undefined) handle(pending, true);
      pending = line;
    }
  } catch (err) {
    throw new CliError(`${path === "-" ? "stdin" : path}: ${(err as Error).message}`);
  }
  if (pending !== undefined) handle(pending, sawTrailingNewline);
  return summary;
}
