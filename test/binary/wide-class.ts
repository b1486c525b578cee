// Binaries with a class of n permissions whose one constraint node holds a chosen permissions word
// (and, optionally, a permission count other than n): checkpolicy's bytes (our compileBinary, byte
// for byte checkpolicy's) of a policy naming the class twice in one constrain, which writes a node
// with no permissions at an offset the reader reports, then that word set. For the 32-bit limit of
// a constraint's word (test/binary/constraint-compat.test.ts, test/oracle/constraint-noperm.test.ts).
import { compileBinary } from "../../src/binary/compile.js";
import { readPolicy } from "../../src/binary/read.js";

const perms = (n: number) => Array.from({ length: n }, (_, i) => `p${i + 1}`).join(" ");

export function wideClassPolicy(n: number): string {
  return [
    "class xen",
    "class wide",
    "sid xen",
    "class xen { settime }",
    `class wide { ${perms(n)} }`,
    "type xen_t;",
    "allow xen_t xen_t:xen settime;",
    "role system_r;",
    "role system_r types { xen_t };",
    "user system_u roles { system_r };",
    `constrain { wide wide } p${n} ( t1 == xen_t );`,
    "sid xen system_u:system_r:xen_t",
    "",
  ].join("\n");
}

/** The binary with class `wide`'s empty node's word set to `word` and, with `nprim`, its
 *  permission count; `classAt` is the class record's offset. */
export function wideClassBinary(n: number, word: number, nprim?: number): { bytes: Uint8Array; node: number; classAt: number } {
  const { bytes } = compileBinary(wideClassPolicy(n), { file: "wide.conf" });
  const [empty] = readPolicy(bytes).libsepolRefusals;
  if (empty?.code !== "constraint-class-twice") throw new Error("the policy names wide twice in one constrain");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  view.setUint32(empty.offset, word >>> 0, true);
  // the class record: u32 len, comkey len, value, nprim, nel, ncons, then the name
  const classAt = Buffer.from(bytes).indexOf("wide") - 24;
  if (view.getUint32(classAt, true) !== 4) throw new Error("class wide's record is not where expected");
  if (nprim !== undefined) view.setUint32(classAt + 12, nprim, true);
  return { bytes, node: empty.offset, classAt };
}
