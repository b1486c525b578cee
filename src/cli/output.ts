// The files a command writes (-o, --emit-matrix, --conf, --junit, fmt --write): all of them or
// none. Each is written beside its target under a temporary name and renamed over it only when
// every one was written, so a failure (a missing directory, a full disk, a directory where the
// file should go) leaves every target as it was, and no half-written file behind. A target that is
// not a regular file (`-o /dev/null`, `/dev/stdout`, a FIFO) is written in place, as checkpolicy
// does: renaming over it would replace the device with a file (run as root, /dev/null itself).
import { chmodSync, existsSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CliError } from "./io.js";

export interface OutputFile {
  path: string;
  data: string | Uint8Array;
  /** What it is, for the message ("matrix", "binary policy"); the path alone when absent. */
  what?: string;
}

/** Why a file cannot be written, in words (Node's messages name syscalls: "EISDIR: illegal
 *  operation on a directory, open 'x'"). */
export function writeProblem(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const dir = dirname(path);
  switch (code) {
    case "EISDIR":
      return "it is a directory";
    case "ENOENT":
      return `no directory '${dir}'`;
    case "ENOTDIR":
      return `'${dir}' is not a directory`;
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOSPC":
      return "no space left on the device";
    case "EROFS":
      return "read-only file system";
    default:
      return (err as Error).message;
  }
}

/** Nothing in the way of writing `path`: not a directory, its directory there. */
function precheck(path: string): string | undefined {
  if (existsSync(path) && statSync(path).isDirectory()) return "it is a directory";
  const dir = dirname(path);
  if (!existsSync(dir)) return `no directory '${dir}'`;
  if (!statSync(dir).isDirectory()) return `'${dir}' is not a directory`;
  return undefined;
}

const label = (f: OutputFile) => (f.what ? `${f.what} to ${f.path}` : f.path);

/** Writes every file, or none (throws CliError saying which and why). */
export function writeOutputs(files: readonly OutputFile[]): void {
  for (const f of files) {
    const why = precheck(f.path);
    if (why !== undefined) throw new CliError(`cannot write ${label(f)}: ${why}`);
  }
  const temps: string[] = [];
  const cleanup = () => temps.forEach((t) => rmSync(t, { force: true }));
  // a symbolic link is written through (its target replaced), and a file keeps its mode
  const inPlace = files.map((f) => existsSync(f.path) && !statSync(f.path).isFile());
  const targets = files.map((f, i) => (!inPlace[i] && existsSync(f.path) ? realpathSync(f.path) : f.path));
  files.forEach((f, i) => {
    if (inPlace[i]) return;
    const temp = `${targets[i]}.xsm-${process.pid}-${i}.tmp`;
    try {
      temps.push(temp);
      writeFileSync(temp, f.data);
      if (existsSync(targets[i]!)) chmodSync(temp, statSync(targets[i]!).mode & 0o7777);
    } catch (err) {
      cleanup();
      throw new CliError(`cannot write ${label(f)}: ${writeProblem(temp, err)}`);
    }
  });
  let temp = 0;
  files.forEach((f, i) => {
    try {
      if (inPlace[i]) writeFileSync(targets[i]!, f.data);
      else renameSync(temps[temp++]!, targets[i]!);
    } catch (err) {
      cleanup();
      throw new CliError(`cannot write ${label(f)}: ${writeProblem(f.path, err)}`);
    }
  });
}

/** One file, all or nothing. */
export function writeOutput(path: string, data: string | Uint8Array, what?: string): void {
  writeOutputs([{ path, data, what }]);
}
