// The studio's save: the page's text of a file the studio opened, written back to that file. The
// file is the server's own record (a slot made at start), never a path from the request; the write
// is the CLI's (src/cli/output.ts: a temporary file beside it renamed over it, the mode kept, a
// link written through), refused when the file changed on disk since the page loaded it, unless
// the page asks to overwrite. The same slots are read back (a conflict's reload or compare) and
// their digests checked (has a file changed on disk since the page loaded it?), never a path from
// the request either.
import { createHash } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import { sep } from "node:path";
import { CliError } from "../cli/io.js";
import { writeOutputs, writeProblem } from "../cli/output.js";
import { describeErrno } from "../io/read.js";
import type { DiskStateResponse, DiskTextResponse, DiskTextsResponse, SaveRequest, SaveResponse } from "./manifest.js";

/** A file the page may write, as the studio opened it. */
export interface SaveSlot {
  /** The file (absolute), as the studio read it. */
  path: string;
  /** What the page calls it (messages name it so). */
  name: string;
  /** Its real path at start: a link that leads elsewhere since is not written through. */
  real: string;
  /** After a write or a read back: what the server serves follows the disk (a tree's m4 output,
   *  built again when next served). */
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

/** The slot's file as on disk now (through the link it was at start), or what reading it threw. */
function readSlot(slot: SaveSlot): { real: string; bytes: Buffer } | { err: unknown } {
  try {
    const real = realpathSync(slot.path);
    return { real, bytes: readFileSync(real) };
  } catch (err) {
    return { err };
  }
}

/** A link that leads elsewhere since the studio opened it: neither written nor read. */
function moved(slot: SaveSlot, real: string): string {
  return `${slot.name} is now a link to ${real}, not the file xsm studio opened`;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The file changed on disk between the save's first check and its rename: the conflict to answer. */
class ChangedMeanwhile extends Error {
  constructor(readonly answer: SaveResponse) {
    super("changed on disk meanwhile");
  }
}

/** Writes `req.text` to the slot's file, or says why not; never throws for what the disk does. */
export async function saveFile(slot: SaveSlot, req: SaveRequest): Promise<{ status: number; answer: SaveResponse }> {
  const got = readSlot(slot);
  let real: string;
  let bytes: Buffer;
  if ("err" in got) {
    // (gone since the page loaded it: written anew only when asked to)
    if ((got.err as NodeJS.ErrnoException).code !== "ENOENT" || !req.overwrite) return { status: 409, answer: { conflict: `${slot.name} on disk: ${describeErrno(got.err)} (it was there when the page loaded it)` } };
    real = slot.real;
    bytes = Buffer.alloc(0);
  } else ({ real, bytes } = got);
  if (real !== slot.real) return { status: 403, answer: { error: `${moved(slot, real)}; it is not written` } };
  // (the page holds U+FFFD for those bytes: writing its text would replace them)
  if (!isUtf8(bytes)) return { status: 422, answer: { error: `${slot.name} is not UTF-8 text on disk: the page shows its other bytes as U+FFFD, and saving would replace them` } };
  const digest = digestOf(bytes);
  const changed = (now: string) => ({ status: 409, answer: { conflict: `${slot.name} changed on disk since the page loaded it`, digest: now } });
  if (!req.overwrite && digest !== req.base) return changed(digest);
  // Checked again once the text is staged beside the file, just before the rename: writing a large
  // text takes time another program may use. Without a lock (editors and git take none) a window
  // of a few system calls remains between this read and the rename.
  const stillBase = () => {
    if (req.overwrite) return;
    const again = readSlot(slot);
    if ("err" in again) throw new ChangedMeanwhile({ conflict: `${slot.name} on disk: ${describeErrno(again.err)} (it was there when the save began)` });
    const now = digestOf(again.bytes);
    if (now !== req.base) throw new ChangedMeanwhile(changed(now).answer);
  };
  try {
    await writeOutputs([{ path: real, data: req.text }], [], stillBase);
  } catch (err) {
    if (err instanceof ChangedMeanwhile) return { status: 409, answer: err.answer };
    return { status: 500, answer: { error: err instanceof CliError ? err.message.split(real).join(slot.name) : `cannot write ${slot.name}: ${writeProblem(real, err).split(real).join(slot.name)}` } };
  }
  try {
    slot.saved?.();
  } catch {
    // (the file is written; a reload shows the tree as it was served before)
  }
  return { status: 200, answer: { digest: digestOf(req.text) } };
}

/** The slot's file as on disk now, for the page to take in place of its text (a conflict's
 *  "Reload from disk", a file changed on disk without edits) or to compare with it. What the server
 *  serves follows the disk afterwards, as after a save (a tree's m4 output is built again, when
 *  next served: once for every file read back meanwhile). */
export function readDisk(slot: SaveSlot): DiskTextResponse {
  const got = readSlot(slot);
  if ("err" in got) return { error: `${slot.name} on disk: ${describeErrno(got.err)}` };
  if (got.real !== slot.real) return { error: `${moved(slot, got.real)}; it is not read` };
  if (!isUtf8(got.bytes)) return { error: `${slot.name} is not UTF-8 text on disk: the page cannot hold its other bytes` };
  try {
    slot.saved?.();
  } catch {
    // (the text is read; a reload shows the tree as it was served before)
  }
  return { text: got.bytes.toString("utf8"), digest: digestOf(got.bytes) };
}

/** Each slot's text and digest on disk now, or why it cannot be read (readDisk, for a set). */
export function diskTexts(slots: ReadonlyMap<string, SaveSlot>): DiskTextsResponse["files"] {
  return Object.fromEntries([...slots].map(([url, slot]) => [url, readDisk(slot)]));
}

/** Each slot's digest on disk now, or why it cannot be read: whether the page's files changed on
 *  disk, without their texts. */
export function diskDigests(slots: ReadonlyMap<string, SaveSlot>): DiskStateResponse["files"] {
  const out: DiskStateResponse["files"] = {};
  for (const [url, slot] of slots) {
    const got = readSlot(slot);
    if ("err" in got) out[url] = { error: `${slot.name} on disk: ${describeErrno(got.err)}` };
    else if (got.real !== slot.real) out[url] = { error: moved(slot, got.real) };
    else out[url] = { digest: digestOf(got.bytes) };
  }
  return out;
}
