// The process's own standard output failing under a command.
// A reader that closed its pipe early (`xsm simulate S --dot F | head -1`) is no failure: from then on
// what is meant for standard output is dropped, and the run goes on to its end, so the files it
// writes (-o, --dot, --junit, --export, build's outputs) are written whole, and it exits with the
// status it has anyway (0 when it succeeds): as `tee -p` keeps writing its files, and as cat or grep
// exit quietly, the pipe's reader having taken what it wanted. (A SIGPIPE'd coreutils tool exits 141
// and leaves its work undone; ending early here once left a --dot FILE unwritten with exit 0, and
// refused the files with exit 1 when they were staged: whether the run wrote them depended on when
// head closed.) Every command prints its output whole after computing it, so going on costs no more
// than the run itself.
// Any other failure (a full disk, `>/dev/full`, an I/O error) is one `xsm: error:` line and exit 1,
// as a file xsm cannot write is (output.ts), never node's stack trace; the files a command had
// staged but not yet renamed into place are removed first, as a signal removes them, so a run that
// exits 1 leaves none.
// bin/xsm.cjs calls this for the bundle's stdout; main.ts for `npx tsx src/cli/main.ts`.
import { removeStaged } from "./signals.js";

/** What went wrong, in words (node's messages name the syscall: "ENOSPC: no space left on
 *  device, write"). */
function problem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ENOSPC":
    case "EDQUOT":
      return "no space left on the device";
    case "EFBIG":
      return "the file would be too large";
    case "EIO":
      return "an input/output error";
    case "EBADF":
      return "it is closed";
    default:
      return err.message;
  }
}

let closedPipe = false;

/** Whether a write of standard output has failed for a closed pipe (EPIPE) in this process: what a
 *  server prints once, its address, reached no one (xsm studio then does not serve). */
export function stdoutClosed(): boolean {
  return closedPipe;
}

/** For a failed write of standard output: returns for a closed pipe (EPIPE; the caller drops
 *  what it writes from then on: process.stdout does so itself once it has failed), else ends the
 *  process; `stderr` writes at once (the process exits right after). */
export function stdoutFailed(err: NodeJS.ErrnoException, stderr: { write(text: string): unknown }): void {
  if (err.code === "EPIPE") {
    closedPipe = true;
    return;
  }
  removeStaged();
  stderr.write(`xsm: error: cannot write standard output: ${problem(err)}\n`);
  process.exit(1);
}
