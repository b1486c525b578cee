// The process's own standard output failing under a command: a reader that closed its pipe
// (`xsm ... | head`) ends the output and the run quietly, with the status so far, as cat and grep do
// (but while files are staged, output.ts's report before their renames, it is an error: none is written);
// any other failure (a full disk, `>/dev/full`, an I/O error) is one `xsm: error:` line and exit
// 1, as a file xsm cannot write is (output.ts), never node's stack trace. Either way the files a
// command had staged but not yet renamed into place are removed first, as a signal removes them.
// bin/xsm.cjs calls this for the bundle's stdout; main.ts for `npx tsx src/cli/main.ts`.
import { hasStaged, removeStaged } from "./signals.js";

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

/** Ends the process for a failed write of standard output; `stderr` writes at once (the process
 *  exits right after). */
export function stdoutFailed(err: NodeJS.ErrnoException, stderr: { write(text: string): unknown }): never {
  // files staged and not yet renamed: the run ends before writing them, which is no success
  const unwritten = hasStaged();
  removeStaged();
  if (err.code === "EPIPE" && unwritten) {
    stderr.write("xsm: error: standard output was closed before the files were written; none was written\n");
    process.exit(1);
  }
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  stderr.write(`xsm: error: cannot write standard output: ${problem(err)}\n`);
  process.exit(1);
}
