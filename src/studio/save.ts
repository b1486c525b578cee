// The studio's save: the page's text of a file the studio opened, written back to that file. The
// file is the server's own record (a slot made at start), never a path from the request; the write
// is the CLI's (src/cli/output.ts: a temporary file beside it renamed over it, the mode kept, a
// link written through), refused when the file changed on disk since the page loaded it, unless
// the page asks to overwrite.
import { createHash } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import { sep } from "node:path";
import { CliError } from "../cli/io.js";
import { writeOutputs, writeProblem } from "../cli/output.js";
import { describeErrno } from "../io/read.js";
import type { SaveRequest, SaveResponse } from "./manifest.js";

/** A file the page may write, as the studio opened it. */
export interface SaveSlot {
  /** The file (absolute), as the studio read it. */
  path: string;
  /** What the page calls it (messages name it so). */
  name: string;
  /** Its real path at start: a link that leads elsewhere since is not written through. */
  real: string;
  /** After a write: what the server serves follows the disk (a tree's m4 output). */
  saved?(): void;
}

/** The digest the page is served a text with (its ETag) and sends back as `base`. */
export function digestOf(bytes: Uint8Array | string): string {
  return `sha256-${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A slot for `path` (its real path now), or why the page may not write it: `within` is the
 *  directory it must stay in (a tree's files: the tree). */
export function slotFor(path: string, name: string, within?: string): SaveSlot | string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    return `${name}: ${describeErrno(err)}`;
  }
  if (within !== undefined && !real.startsWith(realpathSync(within) + sep)) return `${name} is a link to a file outside the policy tree, which xsm studio does not write`;
  return { path, name, real };
}

/** Writes `req.text` to the slot's file, or says why not; never throws for what the disk does. */
export async function saveFile(slot: SaveSlot, req: SaveRequest): Promise<{ status: number; answer: SaveResponse }> {
  let real: string;
  let bytes: Buffer;
  try {
    real = realpathSync(slot.path);
    bytes = readFileSync(real);
  } catch (err) {
    // (gone since the page loaded it: written anew only when asked to)
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" || !req.overwrite) return { status: 409, answer: { conflict: `${slot.name} on disk: ${describeErrno(err)} (it was there when the page loaded it)` } };
    real = slot.real;
    bytes = Buffer.alloc(0);
  }
  if (real !== slot.real) return { status: 403, answer: { error: `${slot.name} is now a link to ${real}, not the file xsm studio opened; it is not written` } };
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // (the page holds U+FFFD for those bytes: writing its text would replace them)
    return { status: 422, answer: { error: `${slot.name} is not UTF-8 text on disk: the page shows its other bytes as U+FFFD, and saving would replace them` } };
  }
  const digest = digestOf(bytes);
  if (!req.overwrite && digest !== req.base) return { status: 409, answer: { conflict: `${slot.name} changed on disk since the page loaded it`, digest } };
  try {
    await writeOutputs([{ path: real, data: req.text }]);
  } catch (err) {
    return { status: 500, answer: { error: err instanceof CliError ? err.message.split(real).join(slot.name) : `cannot write ${slot.name}: ${writeProblem(real, err).split(real).join(slot.name)}` } };
  }
  try {
    slot.saved?.();
  } catch {
    // (the file is written; a reload shows the tree as it was served before)
  }
  return { status: 200, answer: { digest: digestOf(req.text) } };
}
