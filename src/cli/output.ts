// The files a command writes (-o, --emit-matrix, --conf, --junit, fmt --write): all of them or
// none. Each is written beside its target under a temporary name and renamed over it only when
// every one was written, so a failure (a missing directory, a full disk, a directory where the
// file should go) leaves every target as it was, and no half-written file behind. A target that
// is not a regular file (/dev/null, /dev/stdout, a FIFO such as bash's >(...)) is written into,
// after the files are staged and before any is renamed: renaming over it would replace the device
// or pipe with a file (for root; for anyone else, creating the temporary name in /dev fails).
// A rename that fails after another was done puts the earlier targets back (replaceAll), and a
// SIGINT, SIGTERM or SIGHUP meanwhile removes the temporary files before the process ends (signals.ts).
// What the command prints about its files (a summary, "written to ...", --format's document) is
// written once they are staged and before any is renamed, and the renames wait until standard
// output has taken it: a standard output that fails (`>/dev/full`) ends the run with the staged
// files removed and every target as it was (stdout.ts), so no file is left behind by a run that
// exits 1; one whose reader closed the pipe early (`| head -1`) changes nothing but what is printed,
// and the files are written. (A rename that fails after that prints its error after the report.)
// Before anything is computed, checkOutputs makes sure each target's directory takes a new file
// (creating and removing an empty one beside it), so `-o /sys/x` or a read-only directory is one
// error at the option, exit 1, as gcc's `cannot open 'x' for writing`, rather than the policy's
// warnings followed by the failure once the binary is made (checkpolicy's order).
import { chmodSync, closeSync, copyFileSync, existsSync, linkSync, lstatSync, openSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeFile, writeFileSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { CliError, UsageError } from "./io.js";
import { holdSignals, type Staged } from "./signals.js";

export interface OutputFile {
  path: string;
  data: string | Uint8Array;
  /** What it is, for the message ("matrix", "binary policy"); the path alone when absent. */
  what?: string;
  /** The option that named it (`-o`, `--emit-matrix`): messages are located at it. */
  option?: string;
}

/** Why `dir`, the directory an output goes in, cannot take it (missing, or not a directory), named
 *  as `shown` (as the user wrote it); undefined when it can. xsm makes an output, never the
 *  directories above it. */
export function directoryProblem(dir: string, shown = dir): string | undefined {
  if (!existsSync(dir)) return `no directory '${shown}'`;
  if (!statSync(dir).isDirectory()) return `'${shown}' is not a directory`;
  return undefined;
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
    case "ENAMETOOLONG":
      return "file name too long";
    case "ELOOP":
      return "too many levels of symbolic links";
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

/** Linux's limit on the symbolic links one path may go through (MAXSYMLINKS). */
const MAX_LINKS = 40;

/** Where writing `path` lands, as open() reaches it: through every symbolic link, so a link is
 *  never replaced by a file, and a link whose file is not there yet (a dangling one) makes that
 *  file, as checkpolicy's fopen does. A loop throws ELOOP, as open() does. */
function writeTarget(path: string): string {
  let at = path;
  for (let links = 0; links <= MAX_LINKS; links++) {
    let st: Stats;
    try {
      st = lstatSync(at);
    } catch {
      return at; // nothing there (or a path that cannot be, which the write then reports)
    }
    if (!st.isSymbolicLink()) return realpathSync(at);
    at = resolve(dirname(at), readlinkSync(at));
  }
  throw Object.assign(new Error(`ELOOP: too many symbolic links, '${path}'`), { code: "ELOOP" });
}

/** Nothing in the way of writing `path`: not a directory, its directory there and taking the
 *  temporary file writeOutputs writes (tried: permissions, a read-only mount or sysfs refusing new
 *  files are known only by trying). */
function precheck(path: string): string | undefined {
  const st = statOf(path);
  if (st?.isDirectory()) return "it is a directory";
  if (st !== undefined && !st.isFile()) return undefined; // a device or a pipe: written into

  let target: string;
  try {
    target = writeTarget(path);
  } catch (err) {
    return writeProblem(path, err);
  }
  const dir = dirname(target);
  const missing = directoryProblem(dir);
  if (missing !== undefined) return missing;
  const probe = `${target}.xsm-${process.pid}-probe.tmp`;
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
    if (f.path === "-") throw new UsageError(`${cannotWrite(f)}: ${f.option ?? "the output"} takes a file name, not - (for standard output, name /dev/stdout)`);
    const why = precheck(f.path) ?? overwritesInput(f.path, inputs);
    if (why !== undefined) throw new CliError(`${cannotWrite(f)}: ${why}`);
  }
  // `compile -o x --emit-matrix x`: the second would replace the first, both reported written
  for (const [i, f] of files.entries()) {
    const other = files.slice(0, i).find((g) => sameFile(g.path, f.path));
    if (other !== undefined) {
      const goes = other.option !== undefined ? `${other.option} writes ${other.what ? `the ${other.what}` : "another output"} to` : `${other.what ?? "another output"} goes to`;
      throw new UsageError(`${cannotWrite(f)}: ${goes} ${other.path}, the same file; give each output its own`);
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
 *  the files the command read. `beforeReplace` runs once every file is staged, just before the
 *  first rename: what it throws leaves every target as it was (the studio's save checks there that
 *  the file is still the one the page loaded). `report` writes what the command prints about the
 *  files, once they are staged; the renames wait for standard output to have taken it (and what
 *  the command printed before). */
export async function writeOutputs(files: readonly OutputFile[], inputs: readonly string[] = [], beforeReplace?: () => void, report?: () => void): Promise<void> {
  checkOutputs(files, inputs);
  const special = files.filter((f) => statOf(f.path)?.isFile() === false);
  const regular = files.filter((f) => !special.includes(f));
  if (regular.length === 0) {
    // (a device or a pipe has nothing to take back)
    await writeSpecial(special, () => {});
    report?.();
    return;
  }
  await holdSignals(async (staged) => {
    const temps: string[] = [];
    const cleanup = () => temps.forEach((t) => removeQuietly(t, staged));
    // a symbolic link is written through (its target replaced, or made), and a file keeps its mode
    const targets = regular.map((f) => writeTarget(f.path));
    regular.forEach((f, i) => {
      const temp = `${targets[i]}.xsm-${process.pid}-${i}.tmp`;
      try {
        temps.push(temp);
        staged.add(temp);
        // created anew ("wx"): a leftover or a link planted at the name is removed, never written through
        removeIfThere(temp);
        writeFileSync(temp, f.data, { flag: "wx" });
        if (existsSync(targets[i]!)) chmodSync(temp, statSync(targets[i]!).mode & 0o7777);
      } catch (err) {
        cleanup();
        throw new CliError(`${cannotWrite(f)}: ${writeProblem(temp, err)}`);
      }
    });
    await writeSpecial(special, cleanup);
    try {
      report?.();
      await stdoutSettled();
      beforeReplace?.();
    } catch (err) {
      cleanup();
      throw err;
    }
    replaceAll(regular, targets, temps, staged);
  });
}

/** Lets a failed write of standard output surface before a rename: process.stdout reports it
 *  (ENOSPC) through its 'error' event a tick or a poll after the write, and the handler
 *  (stdout.ts) removes what is staged and ends the run. Two turns of the event loop, as
 *  holdSignals waits for a signal; the compile bundle's writes fail at once (bin/xsm.cjs). */
export async function stdoutSettled(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Devices and pipes, written into. Asynchronously: a pipe nobody reads yet (a FIFO) can keep the
 *  write waiting, and a signal must be able to end it meanwhile (a synchronous write would hold
 *  the handler off until a reader came). */
async function writeSpecial(special: readonly OutputFile[], cleanup: () => void): Promise<void> {
  for (const f of special) {
    try {
      await new Promise<void>((done, fail) => writeFile(f.path, f.data, (err) => (err ? fail(err) : done())));
    } catch (err) {
      cleanup();
      throw new CliError(`${cannotWrite(f)}: ${writeProblem(f.path, err)}`);
    }
  }
}

/**
 * Renames each staged file over its target. A rename can still fail once others are done (in a
 * sticky directory such as /tmp, a file of another user's takes new files beside it but cannot be
 * replaced; the target turned into a directory meanwhile), and before this a failed second rename
 * left the first target replaced: so with more than one target, each existing one is first kept
 * under a second name (a hard link, the same file; a copy where links are refused), and a failure
 * puts back the ones already replaced, and removes those that did not exist before.
 */
function replaceAll(files: readonly OutputFile[], targets: readonly string[], temps: readonly string[], staged: Staged): void {
  const kept: (string | undefined)[] = [];
  const dropAll = () => {
    temps.forEach((t) => removeQuietly(t, staged));
    kept.forEach((k) => k !== undefined && removeQuietly(k, staged));
  };
  if (files.length > 1) {
    files.forEach((f, i) => {
      if (!existsSync(targets[i]!)) return;
      const keep = `${targets[i]}.xsm-${process.pid}-${i}.old.tmp`;
      try {
        staged.add(keep);
        removeIfThere(keep);
        try {
          linkSync(targets[i]!, keep);
        } catch {
          copyFileSync(targets[i]!, keep);
        }
        kept[i] = keep;
      } catch (err) {
        removeQuietly(keep, staged);
        dropAll();
        throw new CliError(`${cannotWrite(f)}: cannot keep its previous contents while the outputs are replaced: ${writeProblem(keep, err)}`);
      }
    });
  }
  files.forEach((f, i) => {
    try {
      renameSync(temps[i]!, targets[i]!);
      staged.delete(temps[i]!);
    } catch (err) {
      const lost = putBack(files.slice(0, i), targets, kept, staged);
      dropAll();
      throw new CliError(`${cannotWrite(f)}: ${writeProblem(f.path, err)}${lost}`);
    }
  });
  dropAll();
}

/** Undoes the renames done: each replaced target gets its kept contents back, each new one goes.
 *  Returns what could not be undone, for the message (a kept copy is then left, and named). */
function putBack(done: readonly OutputFile[], targets: readonly string[], kept: (string | undefined)[], staged: Staged): string {
  const lost: string[] = [];
  for (let i = done.length - 1; i >= 0; i--) {
    const f = done[i]!;
    const name = f.option !== undefined ? `${f.option} ${f.path}` : f.path;
    try {
      if (kept[i] !== undefined) {
        renameSync(kept[i]!, targets[i]!);
        staged.delete(kept[i]!);
      } else unlinkSync(targets[i]!);
    } catch (err) {
      if (kept[i] !== undefined) {
        // kept on purpose: the only copy of what was there
        staged.delete(kept[i]!);
        lost.push(`${name} was replaced and could not be put back (${writeProblem(targets[i]!, err)}): its previous contents are in ${kept[i]}`);
        kept[i] = undefined;
      } else lost.push(`${name} was written and could not be removed (${writeProblem(targets[i]!, err)})`);
    }
  }
  return lost.length > 0 ? `; ${lost.join("; ")}` : "";
}

/** Removes a staged file, failing silently: a cleanup on the way to reporting another error. */
function removeQuietly(path: string, staged: Staged): void {
  try {
    removeIfThere(path);
  } catch {
    // (the error being reported matters more)
  }
  staged.delete(path);
}

/** One file, all or nothing; `report` as for writeOutputs. */
export async function writeOutput(path: string, data: string | Uint8Array, what?: string, inputs: readonly string[] = [], option?: string, report?: () => void): Promise<void> {
  await writeOutputs([{ path, data, what, option }], inputs, undefined, report);
}
