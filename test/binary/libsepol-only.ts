// Binaries Xen's loader reads and libsepol refuses, each checkpolicy's bytes of an edge fixture
// (edge/t1.bin, edge/t13.bin: t13 has a role attribute, whose value no role record has) with one
// field changed through the reader's model and written back: what read.ts notes as a
// binary-class-defaults, binary-handle-unknown, binary-permissive-map or binary-unknown-value
// warning. test/fixtures/binary/libsepol-only/ holds them with what checkpolicy -b said of each
// (verdicts.json); test/binary/libsepol-only.test.ts and test/oracle/libsepol-only.test.ts use them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readPolicy } from "../../src/binary/read.js";
import { writePolicy } from "../../src/binary/write.js";
import type { KernelPolicy } from "../../src/binary/model.js";

export const LIBSEPOL_ONLY_DIR = "test/fixtures/binary/libsepol-only";

export interface LibsepolOnlyCase {
  name: string;
  base: "t1" | "t13";
  /** The one warning xsm gives (none: libsepol reads it too). */
  code?: string;
  change: (p: KernelPolicy) => void;
}

const role = (p: KernelPolicy, name: string) => p.roles.entries.find((r) => r.name === name)!;

export const LIBSEPOL_ONLY: LibsepolOnlyCase[] = [
  { name: "default-user", base: "t1", code: "binary-class-defaults", change: (p) => void (p.classes.entries[0]!.defaults[0] = 3) },
  { name: "default-range", base: "t1", code: "binary-class-defaults", change: (p) => void (p.classes.entries[0]!.defaults[2] = 8) },
  { name: "default-type", base: "t1", code: "binary-class-defaults", change: (p) => void (p.classes.entries[1]!.defaults[3] = 0x80) },
  // libsepol holds a default in a char: 0x102 is 2 (target) to it, and Xen ignores it
  { name: "default-type-low-byte", base: "t1", change: (p) => void (p.classes.entries[1]!.defaults[3] = 0x102) },
  { name: "handle-unknown-both", base: "t1", code: "binary-handle-unknown", change: (p) => void (p.config |= 6) },
  { name: "permissive-bit-0", base: "t1", code: "binary-permissive-map", change: (p) => void (p.permissive = [0]) },
  { name: "permissive-past-types", base: "t1", code: "binary-permissive-map", change: (p) => void (p.permissive = [1, p.types.nprim + 1]) },
  { name: "role-types-past", base: "t1", code: "binary-unknown-value", change: (p) => void role(p, "system_r").types.push(p.types.nprim + 3) },
  { name: "role-dominates-past", base: "t1", code: "binary-unknown-value", change: (p) => void role(p, "system_r").dominates.push(p.roles.nprim + 4) },
  { name: "role-dominates-attribute", base: "t13", code: "binary-unknown-value", change: (p) => void (role(p, "zz_r").dominates = [1, 2]) },
  { name: "user-roles-past", base: "t1", code: "binary-unknown-value", change: (p) => void p.users.entries[0]!.roles.push(p.roles.nprim + 2) },
  { name: "user-roles-attribute", base: "t13", code: "binary-unknown-value", change: (p) => void (p.users.entries[0]!.roles = [1, 2, 3]) },
  { name: "role-allow-attribute", base: "t13", code: "binary-unknown-value", change: (p) => void p.roleAllow.push({ role: 4, newRole: 3 }) },
  { name: "role-trans-attribute", base: "t13", code: "binary-unknown-value", change: (p) => void p.roleTrans.push({ role: 3, type: 1, newRole: 2, tclass: 2 }) },
  { name: "role-trans-new-attribute", base: "t13", code: "binary-unknown-value", change: (p) => void p.roleTrans.push({ role: 4, type: 1, newRole: 3, tclass: 2 }) },
  { name: "type-attr-map-past", base: "t1", code: "binary-unknown-value", change: (p) => void p.typeAttrMap[0]!.push(p.types.nprim + 5) },
];

/** The case's binary, made from its base fixture. */
export function libsepolOnlyBinary(c: LibsepolOnlyCase, root: string): Uint8Array {
  const { policy } = readPolicy(new Uint8Array(readFileSync(join(root, `test/fixtures/binary/edge/${c.base}.bin`))));
  c.change(policy);
  return writePolicy(policy);
}
