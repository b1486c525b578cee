// KernelPolicy -> bytes, section by section in libsepol write.c:policydb_write's order for the Xen
// target. The model's lists are already in checkpolicy's order (lower.ts) or the file's (read.ts);
// this module only encodes, except the avtab, which it can re-bucket (checkpolicy -b).
import { ByteWriter, nameBytes } from "./bytes.js";
import { avtabHash } from "../policy/hashtab.js";
import type { AvEntry, Bits, Constraint, Context, KernelPolicy, MlsLevel, MlsRange } from "./model.js";
import { ConsExprType, POLICYDB_MAGIC, oconCount } from "./model.js";

export interface WriteOptions {
  /** Re-bucket the avtab with this mask (avtabAllocMask(nel) is what `checkpolicy -b` writes,
   *  with ownTypeBits); by default it is written in the model's order. */
  avtabMask?: number;
  /** Every type_attr_map row with its own bit, as libsepol writes a binary it read (policydb_read
   *  sets it; checkpolicy writes none for an attribute `expandattribute A true` expands). With
   *  `avtabMask: avtabAllocMask(nel)`, what `checkpolicy -b` writes. */
  ownTypeBits?: boolean;
}

/** write.c ebitmap_write: 64-bit nodes, ascending, none empty. */
export function writeBits(w: ByteWriter, bits: Bits): void {
  w.u32(64);
  if (bits.length === 0) {
    w.u32(0);
    w.u32(0);
    return;
  }
  const nodes: { start: number; lo: number; hi: number }[] = [];
  for (const bit of bits) {
    const start = bit - (bit % 64);
    let node = nodes[nodes.length - 1];
    if (!node || node.start !== start) nodes.push((node = { start, lo: 0, hi: 0 }));
    const off = bit - start;
    if (off < 32) node.lo = (node.lo | (1 << off)) >>> 0;
    else node.hi = (node.hi | (1 << (off - 32))) >>> 0;
  }
  w.u32(nodes[nodes.length - 1]!.start + 64);
  w.u32(nodes.length);
  for (const n of nodes) {
    w.u32(n.start);
    w.u32(n.lo);
    w.u32(n.hi);
  }
}

function writeName(w: ByteWriter, name: Uint8Array): void {
  w.bytes(name);
}

function writeLevel(w: ByteWriter, l: MlsLevel): void {
  w.u32(l.sens);
  writeBits(w, l.cats);
}

/** mls_write_range_helper: one level when low == high. */
function writeRange(w: ByteWriter, r: MlsRange): void {
  const same = r.low.sens === r.high.sens && sameBits(r.low.cats, r.high.cats);
  w.u32(same ? 1 : 2);
  w.u32(r.low.sens);
  if (!same) w.u32(r.high.sens);
  writeBits(w, r.low.cats);
  if (!same) writeBits(w, r.high.cats);
}

function sameBits(a: Bits, b: Bits): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function writeContext(w: ByteWriter, c: Context, version: number): void {
  w.u32(c.user);
  w.u32(c.role);
  w.u32(c.type);
  if (version >= 19) writeRange(w, c.range);
}

function writeConstraints(w: ByteWriter, list: Constraint[], version: number): void {
  for (const c of list) {
    w.u32(c.permissions);
    w.u32(c.expr.length);
    for (const e of c.expr) {
      w.u32(e.type);
      w.u32(e.attr);
      w.u32(e.op);
      if (e.type !== ConsExprType.Names) continue;
      writeBits(w, e.names ?? []);
      if (version >= 29) {
        writeBits(w, e.typeNames?.types ?? []);
        writeBits(w, e.typeNames?.negset ?? []);
        w.u32(e.typeNames?.flags ?? 0);
      }
    }
  }
}

function writeAvItem(w: ByteWriter, e: AvEntry): void {
  w.u16(e.source);
  w.u16(e.target);
  w.u16(e.tclass);
  w.u16(e.specified);
  w.u32(e.data);
}

/** The avtab in avtab_write's order for a table of mask + 1 slots: bucket, then (s, t, c),
 *  equal keys in their insertion (model) order. */
export function rebucket(entries: readonly AvEntry[], mask: number): AvEntry[] {
  const keyed = entries.map((e, i) => ({ e, i, b: avtabHash(e.source, e.target, e.tclass, mask) }));
  keyed.sort((x, y) => x.b - y.b || x.e.source - y.e.source || x.e.target - y.e.target || x.e.tclass - y.e.tclass || x.i - y.i);
  return keyed.map((k) => k.e);
}

export function writePolicy(p: KernelPolicy, options: WriteOptions = {}): Uint8Array {
  const v = p.version;
  const w = new ByteWriter(64 * 1024);
  const target = nameBytes(p.target);
  w.u32(POLICYDB_MAGIC);
  w.u32(target.length);
  writeName(w, target);
  w.u32(v);
  w.u32(p.config);
  w.u32(8);
  w.u32(oconCount(v));
  if (v >= 22) writeBits(w, p.policycaps);
  if (v >= 23) writeBits(w, p.permissive);

  // symbol tables: commons, classes, roles, types, users, bools, sensitivities, categories
  w.u32(p.commons.nprim);
  w.u32(p.commons.entries.length);
  for (const c of p.commons.entries) {
    const name = nameBytes(c.name);
    w.u32(name.length);
    w.u32(c.value);
    w.u32(c.nprim);
    w.u32(c.perms.length);
    writeName(w, name);
    writePerms(w, c.perms);
  }
  w.u32(p.classes.nprim);
  w.u32(p.classes.entries.length);
  for (const c of p.classes.entries) {
    const name = nameBytes(c.name);
    const common = nameBytes(c.common);
    w.u32(name.length);
    w.u32(common.length);
    w.u32(c.value);
    w.u32(c.nprim);
    w.u32(c.perms.length);
    w.u32(c.constraints.length);
    writeName(w, name);
    writeName(w, common);
    writePerms(w, c.perms);
    writeConstraints(w, c.constraints, v);
    if (v >= 19) {
      w.u32(c.validatetrans.length);
      writeConstraints(w, c.validatetrans, v);
    }
    if (v >= 27) {
      w.u32(c.defaults[0]);
      w.u32(c.defaults[1]);
      w.u32(c.defaults[2]);
    }
    if (v >= 28) w.u32(c.defaults[3]);
  }
  w.u32(p.roles.nprim);
  w.u32(p.roles.entries.length);
  for (const r of p.roles.entries) {
    const name = nameBytes(r.name);
    w.u32(name.length);
    w.u32(r.value);
    if (v >= 24) w.u32(r.bounds);
    writeName(w, name);
    writeBits(w, r.dominates);
    writeBits(w, r.types);
  }
  w.u32(p.types.nprim);
  w.u32(p.types.entries.length);
  for (const t of p.types.entries) {
    const name = nameBytes(t.name);
    w.u32(name.length);
    w.u32(t.value);
    if (v >= 24) {
      w.u32(t.properties);
      w.u32(t.bounds);
    } else w.u32(t.properties & 1);
    writeName(w, name);
  }
  w.u32(p.users.nprim);
  w.u32(p.users.entries.length);
  for (const u of p.users.entries) {
    const name = nameBytes(u.name);
    w.u32(name.length);
    w.u32(u.value);
    if (v >= 24) w.u32(u.bounds);
    writeName(w, name);
    writeBits(w, u.roles);
    if (v >= 19) {
      writeRange(w, u.range);
      writeLevel(w, u.level);
    }
  }
  w.u32(p.bools.nprim);
  w.u32(p.bools.entries.length);
  for (const b of p.bools.entries) {
    const name = nameBytes(b.name);
    w.u32(b.value);
    w.u32(b.state);
    w.u32(name.length);
    writeName(w, name);
  }
  w.u32(p.levels.nprim);
  w.u32(p.levels.entries.length);
  for (const s of p.levels.entries) {
    const name = nameBytes(s.name);
    w.u32(name.length);
    w.u32(s.isalias);
    writeName(w, name);
    writeLevel(w, s.level);
  }
  w.u32(p.cats.nprim);
  w.u32(p.cats.entries.length);
  for (const c of p.cats.entries) {
    const name = nameBytes(c.name);
    w.u32(name.length);
    w.u32(c.value);
    w.u32(c.isalias);
    writeName(w, name);
  }

  const avtab = options.avtabMask === undefined ? p.avtab : rebucket(p.avtab, options.avtabMask);
  w.u32(avtab.length);
  for (const e of avtab) writeAvItem(w, e);

  if (v >= 16) {
    w.u32(p.conds.length);
    for (const c of p.conds) {
      w.u32(c.curState);
      w.u32(c.expr.length);
      for (const e of c.expr) {
        w.u32(e.type);
        w.u32(e.bool);
      }
      w.u32(c.trueList.length);
      for (const e of c.trueList) writeAvItem(w, e);
      w.u32(c.falseList.length);
      for (const e of c.falseList) writeAvItem(w, e);
    }
  }

  // before version 26 a role_transition has no class: role_trans_write keeps only those on the
  // process class policydb_read names, Xen's `domain` (a policy lowered from source has none
  // there: lower.ts)
  const processClass = p.classes.entries.find((c) => c.name === "domain")?.value;
  const roleTrans = v >= 26 ? p.roleTrans : p.roleTrans.filter((r) => r.tclass === processClass);
  w.u32(roleTrans.length);
  for (const r of roleTrans) {
    w.u32(r.role);
    w.u32(r.type);
    w.u32(r.newRole);
    if (v >= 26) w.u32(r.tclass);
  }
  w.u32(p.roleAllow.length);
  for (const r of p.roleAllow) {
    w.u32(r.role);
    w.u32(r.newRole);
  }
  if (v >= 25) {
    w.u32(p.filenameTrans.length);
    for (const f of p.filenameTrans) {
      const name = nameBytes(f.name);
      w.u32(name.length);
      writeName(w, name);
      w.u32(f.stype);
      w.u32(f.ttype);
      w.u32(f.tclass);
      w.u32(f.otype);
    }
  }

  const o = p.ocontexts;
  w.u32(o.isid.length);
  for (const x of o.isid) {
    w.u32(x.sid);
    writeContext(w, x.context, v);
  }
  w.u32(o.pirq.length);
  for (const x of o.pirq) {
    w.u32(x.pirq);
    writeContext(w, x.context, v);
  }
  w.u32(o.ioport.length);
  for (const x of o.ioport) {
    w.u32(x.low);
    w.u32(x.high);
    writeContext(w, x.context, v);
  }
  w.u32(o.iomem.length);
  for (const x of o.iomem) {
    if (v >= 30) {
      w.u64(x.low);
      w.u64(x.high);
    } else {
      w.u32(Number(x.low));
      w.u32(Number(x.high));
    }
    writeContext(w, x.context, v);
  }
  w.u32(o.pcidevice.length);
  for (const x of o.pcidevice) {
    w.u32(x.device);
    writeContext(w, x.context, v);
  }
  if (v >= 30) {
    w.u32(o.devicetree.length);
    for (const x of o.devicetree) {
      const path = nameBytes(x.path);
      w.u32(path.length);
      writeName(w, path);
      writeContext(w, x.context, v);
    }
  }
  w.u32(0); // genfs: none for Xen

  if (v >= 19) {
    w.u32(p.rangeTrans.length);
    for (const r of p.rangeTrans) {
      w.u32(r.stype);
      w.u32(r.ttype);
      if (v >= 21) w.u32(r.tclass);
      writeRange(w, r.range);
    }
  }
  if (v >= 20) {
    for (let i = 0; i < p.typeAttrMap.length; i++) {
      const bits = p.typeAttrMap[i]!;
      writeBits(w, options.ownTypeBits && !bits.includes(i) ? [...bits, i].sort((a, b) => a - b) : bits);
    }
  }
  return w.finish();
}

function writePerms(w: ByteWriter, perms: { name: string; value: number }[]): void {
  for (const perm of perms) {
    const name = nameBytes(perm.name);
    w.u32(name.length);
    w.u32(perm.value);
    writeName(w, name);
  }
}
