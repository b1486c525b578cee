// The files a command writes (-o, --emit-matrix, --conf, --junit, fmt --write): all of them or
// none. Each is written beside its target under a temporary name and renamed over it only when
// every one was written, so a failure (a missing directory, a full disk, a directory where the
// file should go) leaves every target as it was, and no half-written file behind. A target that
// is not a regular file (/dev/null, /dev/stdout, a FIFO such as bash's >(...)) is written into,
// after the files are staged and before any is renamed: renaming over it would replace the device
// or pipe with a file (for root; for anyone else, creating the temporary name in /dev fails).
// Before anything is computed, checkOutputs makes sure each target's directory takes a new file
// (creating and removing an empty one beside it), so `-o /sys/x` or a read-only directory is one
// error at the option, exit 1, as gcc's `cannot open 'x' for writing`, rather than the policy's
// warnings followed by the failure once the binary is made (checkpolicy's order).
import { chmodSync, closeSync, existsSync, openSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { CliError } from "./io.js";

export interface OutputFile {
  path: string;
  data: string | Uint8Array;
  /** What it is, for the message ("matrix", "binary policy"); the path alone when absent. */
  what?: string;
  /** The option that named it (`-o`, `--emit-matrix`): messages are located at it. */
  option?: string;
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
      // (mkdir in /proc: the directory is there, and refuses new entries)
      return existsSync(dir) ? `'${dir}' does not take new files` : `no directory '${dir}'`;
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

/** What is at `path` (through symbolic links), if anything. */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Nothing in the way of writing `path`: not a directory, its directory there and taking the
 *  temporary file writeOutputs writes (tried: permissions, a read-only mount or sysfs refusing new
 *  files are known only by trying). */
function precheck(path: string): string | undefined {
  const st = statOf(path);
  if (st?.isDirectory()) return "it is a directory";
  if (st !== undefined && !st.isFile()) return undefined; // a device or a pipe: written into

  const dir = dirname(path);
  if (!existsSync(dir)) return `no directory '${dir}'`;
  if (!statSync(dir).isDirectory()) return `'${dir}' is not a directory`;
  const probe = `${st !== undefined ? realpathSync(path) : path}.xsm-${process.pid}-probe.tmp`;
  try {
    removeIfThere(probe); // a leftover of a run killed here
    closeSync(openSync(probe, "wx"));
  } catch (err) {
    return writeProblem(probe, err);
  }
  removeIfThere(probe);
  return undefined;
}

/** Removes a file or link if there is one. (unlinkSync, not rmSync: rmSync loads node's rimraf
 *  module, and a compile loads none after bin/xsm.cjs sets --no-opt: test/cli/bin.test.ts.) */
function removeIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/** The message's start: the option and its value when an option named the file, else the file. */
function cannotWrite(f: Omit<OutputFile, "data">): string {
  if (f.option !== undefined) return `${f.option} ${f.path}: cannot write ${f.what ? `the ${f.what}` : "it"}`;
  return `cannot write ${f.what ? `${f.what} to ${f.path}` : f.path}`;
}

/** Throws the CliError writeOutputs would for a file that cannot be written where it is asked
 *  for (a directory, no such directory): a command calls it before it prints or computes
 *  anything, so a bad path fails the command before any output. */
export function checkOutputs(files: readonly Omit<OutputFile, "data">[], inputs: readonly string[] = []): void {
  for (const f of files) {
    // a command that writes to stdout for `-` has taken it before here: anywhere else, `-` would
    // be a file named "-" in the current directory, which nobody means
    if (f.path === "-") throw new CliError(`${cannotWrite(f)}: this option takes a file name, not - (to send it to standard output, name /dev/stdout)`, 2);
    const why = precheck(f.path) ?? overwritesInput(f.path, inputs);
    if (why !== undefined) throw new CliError(`${cannotWrite(f)}: ${why}`);
  }
  // `compile -o x --emit-matrix x`: the second would replace the first, both reported written
  for (const [i, f] of files.entries()) {
    const other = files.slice(0, i).find((g) => sameFile(g.path, f.path));
    if (other !== undefined) {
      const goes = other.option !== undefined ? `${other.option} writes ${other.what ? `the ${other.what}` : "another output"} to` : `${other.what ?? "another output"} goes to`;
      throw new CliError(`${cannotWrite(f)}: ${goes} ${other.path}, the same file; give each output its own`, 2);
    }
  }
}

/** Two paths that name one file: the same path resolved, or the same existing file (a link). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  const sa = statOf(a);
  const sb = statOf(b);
  return sa !== undefined && sb !== undefined && sa.isFile() && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** `xsm compile p.conf -o p.conf` would replace the policy with its binary (checkpolicy does; gcc
 *  refuses): an output that is one of the files read (the same file, through any link) is refused. */
function overwritesInput(path: string, inputs: readonly string[]): string | undefined {
  const out = statOf(path);
  if (out === undefined || !out.isFile()) return undefined;
  for (const input of inputs) {
    const st = statOf(input);
    if (st !== undefined && st.dev === out.dev && st.ino === out.ino) {
      return `it is ${input === path ? (inputs.length > 1 ? "one of the files read" : "the input file") : `the same file as the input ${input}`}, which writing it would lose; give another file`;
    }
  }
  return undefined;
}

/** Writes every file, or none (throws CliError saying which and why); none may be one of `inputs`,
 *  the files the command read. */
export function writeOutputs(files: readonly OutputFile[], inputs: readonly string[] = []): void {
  checkOutputs(files, inputs);
  const special = files.filter((f) => statOf(f.path)?.isFile() === false);
  const regular = files.filter((f) => !special.includes(f));
  const temps: string[] = [];
  const cleanup = () => temps.forEach((t) => rmSync(t, { force: true }));
  // a symbolic link is written through (its target replaced), and a file keeps its mode
  const targets = regular.map((f) => (existsSync(f.path) ? realpathSync(f.path) : f.path));
  regular.forEach((f, i) => {
    const temp = `${targets[i]}.xsm-${process.pid}-${i}.tmp`;
    try {
      temps.push(temp);
      // created anew ("wx"): a leftover or a link planted at the name is removed, never written through
      removeIfThere(temp);
      writeFileSync(temp, f.data, { flag: "wx" });
      if (existsSync(targets[i]!)) chmodSync(temp, statSync(targets[i]!).mode & 0o7777);
    } catch (err) {
      cleanup();
      throw new CliError(`${cannotWrite(f)}: ${writeProblem(temp, err)}`);
    }
  });
  for (const f of special) {
    try {
      writeFileSync(f.path, f.data);
    } catch (err) {
      cleanup();
      throw new CliError(`${cannotWrite(f)}: ${writeProblem(f.path, err)}`);
    }
  }
  regular.forEach((f, i) => {
    try {
      renameSync(temps[i]!, targets[i]!);
    } catch (err) {
      cleanup();
      throw new CliError(`${cannotWrite(f)}: ${writeProblem(f.path, err)}`);
    }
  });
}

/** One file, all or nothing. */
export function writeOutput(path: string, data: string | Uint8Array, what?: string, inputs: readonly string[] = [], option?: string): void {
  writeOutputs([{ path, data, what, option }], inputs);
}
