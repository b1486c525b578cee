// Contexts in `sid NAME context` and the Xen ocontexts (pirqcon, iomemcon, ioportcon,
// pcidevicecon, devicetreecon), as policy_define.c's define_*_context: every name declared, the
// context valid (policydb_context_isvalid), no duplicate or overlapping entry.
import type { Context, PolicyAst } from "./ast.js";
import { CATALOG } from "../diagnostics/catalog.js";
import type { Diagnostic, DiagnosticCode, Span } from "../diagnostics/diagnostic.js";
import { OBJECT_R, rangeContains, type ResolvedContext, type Symbols } from "./symbols.js";
import { rangeText, type MlsResolver } from "./resolve/mls.js";

export type Report = (code: DiagnosticCode, message: string, span?: Span, notes?: Diagnostic["notes"]) => void;
/** An error about `name`, which the policy lacks (`known`: what the place may name): ResolveState.unknown. */
export type ReportUnknown = (message: string, span: Span, name: string, known: Iterable<string>) => void;

function resolveContext(c: Context, sym: Symbols, err: Report, unknown: ReportUnknown, mls: MlsResolver | undefined): ResolvedContext | undefined {
  const user = sym.userIds.get(c.user.name);
  const role = sym.roleIds.get(c.role.name);
  const type = sym.typeIds.get(c.type.name);
  if (user === undefined) unknown(`user ${c.user.name} is not defined`, c.user.span, c.user.name, sym.userIds.keys());
  if (role === undefined && sym.roleAttrs.some((a) => a.name === c.role.name)) {
    // checkpolicy 3.4 takes one when the attribute has types and the user lists it, and writes the
    // attribute's value: no role record in the binary has it and no user holds it, so Xen's
    // policydb_context_isvalid refuses the context (after reading a role_val_to_struct slot
    // policydb_index_others never set) and libsepol's policydb_read refuses the file; an error
    // here, not a Xen-refusal warning, since no tool can use what checkpolicy writes
    err("invalid-context", `role ${c.role.name} is a role attribute: a context's role must be a role (checkpolicy writes the attribute's value, a binary neither Xen's loader nor libsepol reads: "Flask:  invalid security context")`, c.role.span);
  } else if (role === undefined) unknown(`role ${c.role.name} is not defined`, c.role.span, c.role.name, sym.roleIds.keys());
  if (type === undefined) unknown(`type ${c.type.name} is not defined or is an attribute`, c.type.span, c.type.name, sym.attrIds.has(c.type.name) ? [] : sym.typeIds.keys());
  if (user === undefined || role === undefined || type === undefined) return undefined;
  // policydb_context_isvalid: the user holds the role and the role holds the type (object_r is exempt)
  if (role !== OBJECT_R && !sym.users[user]!.roles.has(role)) {
    err("invalid-context", `invalid security context ${c.user.name}:${c.role.name}:${c.type.name}: role ${c.role.name} not authorized for user ${c.user.name}`, c.span);
    return undefined;
  }
  if (role !== OBJECT_R && !sym.roles[role]!.types.has(type)) {
    err("invalid-context", `invalid security context ${c.user.name}:${c.role.name}:${c.type.name}: type ${c.type.name} not authorized for role ${c.role.name}`, c.span);
    return undefined;
  }
  const primary = sym.types[type]!.name;
  const text3 = `${c.user.name}:${c.role.name}:${primary}`;
  if (!mls) return { user, role, type, text: text3 };
  // mls_context_isvalid: a valid range, within the user's unless the role is object_r
  if (!c.mls) {
    err("mls-required", `context ${c.user.name}:${c.role.name}:${c.type.name} has no MLS level: an MLS policy needs user:role:type:level`, c.span);
    return undefined;
  }
  const range = mls.range(c.mls);
  if (!range) return undefined;
  const own = sym.users[user]!.range;
  const full = `${text3}:${rangeText(mls.mls, range)}`;
  if (role !== OBJECT_R && own && !rangeContains(own, range)) {
    err("invalid-context", `invalid security context ${full}: the range is not within user ${c.user.name}'s range ${rangeText(mls.mls, own)}`, c.span);
    return undefined;
  }
  return { user, role, type, range, text: full };
}

/** Where `key` got its context first; undefined (and `span` kept for it) the first time. A
 *  function of the module, not a closure per call: it runs once per pcidevicecon. */
function firstAt<K>(spans: Map<K, Span>, key: K, span: Span): Span | undefined {
  const first = spans.get(key);
  if (first === undefined) spans.set(key, span);
  return first;
}

export function resolveContexts(ast: PolicyAst, sym: Symbols, err: Report, unknown: ReportUnknown, warn: Report = () => {}, mls?: MlsResolver): void {
  const oc = sym.ocontexts;
  // where each SID, PCI device and devicetree path got its context (a number keys a device: no
  // string made per pcidevicecon, of which an SVP policy has thousands)
  const sidSpans = new Map<string, Span>();
  const pciSpans = new Map<number, Span>();
  const pathSpans = new Map<string, Span>();
  const pirqSpans: Span[] = [];
  const dup = (first: Span, message: string, span: Span): void => err("duplicate", message, span, [{ message: "first defined here", span: first }]);
  // define_iomem_context / define_ioport_context: a proper range that overlaps no earlier entry
  const addRange = <N extends bigint | number>(
    list: { low: N; high: N; context: ResolvedContext }[],
    s: { low: N; high: N; context: Context; span: Span },
    kind: string,
    noun: string,
  ): void => {
    const hex = (n: N) => `0x${n.toString(16)}`;
    if (s.low > s.high) {
      err("range", CATALOG.range.message(noun, hex(s.low), hex(s.high)), s.span);
      return;
    }
    const clash = list.find((o) => s.low <= o.high && o.low <= s.high);
    if (clash) {
      err("overlap", CATALOG.overlap.message(kind, hex(s.low), hex(s.high), hex(clash.low), hex(clash.high)), s.span);
      return;
    }
    const ctx = resolveContext(s.context, sym, err, unknown, mls);
    if (ctx) list.push({ low: s.low, high: s.high, context: ctx });
  };
  const statements = ast.statements;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    switch (s.kind) {
      case "sid_context": {
        if (!sym.initialSids.has(s.name.name)) {
          err("undeclared", `SID ${s.name.name} is not defined`, s.name.span);
          break;
        }
        const first = firstAt(sidSpans, s.name.name, s.span);
        if (first !== undefined) {
          dup(first, `the context for SID ${s.name.name} is multiply defined`, s.span);
          break;
        }
        const ctx = resolveContext(s.context, sym, err, unknown, mls);
        if (ctx) sym.initialSids.set(s.name.name, ctx);
        break;
      }
      case "pirqcon": {
        // define_pirq_context keeps a pirq in libsepol's 16-bit ocontext u.pirq, and compares
        // the number as written with the 16-bit values kept so far: `pirqcon 65536` is pirq 0,
        // and is not a duplicate of `pirqcon 0`
        // (a loop, not findIndex: a closure over `s` would make the loop allocate a context for
        // every statement of the policy)
        let clash = -1;
        for (let k = 0; k < oc.pirqcon.length && clash === -1; k++) if (oc.pirqcon[k]!.irq === s.irq) clash = k;
        if (clash !== -1) {
          const first = pirqSpans[clash];
          err("duplicate", `duplicate pirqcon entry for ${s.irq}`, s.span, first ? [{ message: "first defined here", span: first }] : undefined);
          break;
        }
        const irq = s.irq & 0xffff;
        if (irq !== s.irq) {
          warn("pirq-truncated", `pirq ${s.irq} does not fit in 16 bits: checkpolicy keeps it as pirq ${irq} (libsepol stores a pirq in 16 bits), and so does xsm`, s.span);
        }
        const ctx = resolveContext(s.context, sym, err, unknown, mls);
        if (ctx) {
          oc.pirqcon.push({ irq, context: ctx });
          pirqSpans.push(s.span);
        }
        break;
      }
      case "pcidevicecon": {
        const first = firstAt(pciSpans, s.device, s.span);
        if (first !== undefined) {
          dup(first, `duplicate pcidevicecon entry for 0x${s.device.toString(16)}`, s.span);
          break;
        }
        const ctx = resolveContext(s.context, sym, err, unknown, mls);
        if (ctx) oc.pcidevicecon.push({ device: s.device, context: ctx });
        break;
      }
      case "devicetreecon": {
        const first = firstAt(pathSpans, s.path, s.span);
        if (first !== undefined) {
          dup(first, `duplicate devicetree entry for '${s.path}'`, s.span);
          break;
        }
        const ctx = resolveContext(s.context, sym, err, unknown, mls);
        if (ctx) oc.devicetreecon.push({ path: s.path, context: ctx });
        break;
      }
      case "iomemcon":
        addRange(oc.iomemcon, s, "iomemcon", "memory");
        break;
      case "ioportcon":
        addRange(oc.ioportcon, s, "ioportcon", "ioport");
        break;
    }
  }
}
