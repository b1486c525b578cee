// Binaries checkpolicy does not write but the format allows (another compiler may): every type set
// of a constraint (type_names, policy version >= 29) with a negative set or libsepol's TYPE_STAR /
// TYPE_COMP flag, made from checkpolicy's binary by setting those fields. setools 4.4.1 shows only
// the included names for them (and warns "Negations in the type set" / "* or ~ in the type set;
// this is not implemented in SETools"), so that is the text sediff compares and xsm prints.
import { CEXPR_TYPE } from "../../src/binary/model.js";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";

/** libsepol policydb.h type_set_t flags. */
const TYPE_STAR = 1;
const TYPE_COMP = 2;

export const TYPE_SET_VARIANTS: Record<string, { flags: number; negset: string[] }> = {
  negset: { flags: 0, negset: ["guest_b_t"] },
  star: { flags: TYPE_STAR, negset: [] },
  comp: { flags: TYPE_COMP, negset: [] },
  "star-negset": { flags: TYPE_STAR, negset: ["nic_t"] },
  "comp-negset": { flags: TYPE_COMP, negset: ["guest_b_t"] },
};

export function withTypeSets(bin: Uint8Array, variant: { flags: number; negset: string[] }): Uint8Array {
  const { policy } = readPolicy(bin);
  const bit = (name: string) => policy.types.entries.find((t) => t.name === name)!.value - 1;
  for (const cls of policy.classes.entries) {
    for (const c of cls.constraints) {
      for (const e of c.expr) {
        if (e.typeNames && e.attr & CEXPR_TYPE) e.typeNames = { ...e.typeNames, flags: variant.flags, negset: variant.negset.map(bit).sort((a, b) => a - b) };
      }
    }
  }
  return writePolicy(policy);
}
