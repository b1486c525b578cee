// Audit lines in the form of xen/xsm/flask/avc.c: avc_audit(), avc_dump_av(), avc_dump_query().
// Formatting lives here and nowhere else; callers only decide *whether* to audit (avcAuditMask).

/** struct avc_audit_data: what a hook knows about the object besides the SIDs. */
export interface AvcAuditData {
  type: "none" | "dev" | "irq" | "range" | "memory" | "dtdev";
  /** Source and target domain ids (domain_has_perm fills both). */
  sdom?: number;
  tdom?: number;
  device?: number;
  irq?: number;
  range?: { start: number; end: number };
  memory?: { pte: number; mfn: number };
  dtdev?: string;
}

/**
 * The first half of avc_audit(): which bits get a line, or 0 for none.
 * Denied bits are audited unless dontaudit (not in auditdeny); a failed check with nothing denied
 * audits everything requested; granted bits only when auditallow covers them.
 * `denied` in the result tells "denied" from "granted".
 */
export function avcAuditMask(
  requested: number,
  allowed: number,
  auditallow: number,
  auditdeny: number,
  failed: boolean,
): { audited: number; denied: boolean } | null {
  const denied = requested & ~allowed;
  if (denied !== 0) return (denied & auditdeny) !== 0 ? { audited: denied, denied: true } : null;
  if (failed) return { audited: requested, denied: true };
  return (requested & auditallow) !== 0 ? { audited: requested, denied: false } : null;
}

/** C's "%#x": 0 prints as "0", anything else with a 0x prefix. */
export function hexAlt(value: number): string {
  return value === 0 ? "0" : "0x" + (value >>> 0).toString(16);
}

/**
 * avc_dump_av(): " {" then each named permission of the mask in bit order, then any bits the class
 * does not name as one %#x, then " }"; an empty mask prints " null".
 */
export function dumpAv(names: readonly string[], unknownBits: number): string {
  if (names.length === 0 && unknownBits === 0) return " null";
  let out = " {";
  for (const name of names) out += " " + name;
  if (unknownBits !== 0) out += " " + hexAlt(unknownBits);
  return out + " }";
}

/** The domain fields of avc_audit(): sdom/tdom from the audit data, else the current domain. */
function dumpDomains(currentDomid: number, a: AvcAuditData | null): string {
  if (a !== null && (a.sdom !== undefined || a.tdom !== undefined)) {
    if (a.sdom !== undefined && a.tdom !== undefined && a.sdom !== a.tdom) return `domid=${a.sdom} target=${a.tdom} `;
    if (a.sdom !== undefined) return `domid=${a.sdom} `;
    return `target=${a.tdom} `;
  }
  return `domid=${currentDomid} `;
}

/** The per-type field of avc_audit(); AVC_AUDIT_DATA_DTDEV has no case there and prints nothing. */
function dumpAuditData(a: AvcAuditData | null): string {
  switch (a?.type) {
    case "dev":
      return `device=${hexAlt(a.device ?? 0)} `;
    case "irq":
      return `irq=${a.irq ?? 0} `;
    case "range":
      return `range=${hexAlt(a.range?.start ?? 0)}-${hexAlt(a.range?.end ?? 0)} `;
    case "memory":
      return `pte=${hexAlt(a.memory?.pte ?? 0)} mfn=${hexAlt(a.memory?.mfn ?? 0)} `;
    default:
      return "";
  }
}

/**
 * avc_dump_query(): scontext/tcontext, or ssid=/tsid= when a SID has no context, then tclass.
 */
export function dumpQuery(
  ssid: number,
  scontext: string | undefined,
  tsid: number,
  tcontext: string | undefined,
  tclass: string,
): string {
  const s = scontext !== undefined ? `scontext=${scontext}` : `ssid=${ssid}`;
  const t = tcontext !== undefined ? ` tcontext=${tcontext}` : ` tsid=${tsid}`;
  return `${s}${t} tclass=${tclass}`;
}

export interface AvcAuditLine {
  denied: boolean;
  /** Permission names of the audited mask, in bit order, and the bits without a name. */
  perms: readonly string[];
  unknownBits?: number;
  currentDomid: number;
  data: AvcAuditData | null;
  ssid: number;
  scontext: string | undefined;
  tsid: number;
  tcontext: string | undefined;
  tclass: string;
}

/** One avc_audit() line, without the trailing newline:
 *  `avc:  denied  { unplug } for domid=1 device=0x380 scontext=... tcontext=... tclass=resource` */
export function formatAvcAudit(line: AvcAuditLine): string {
  return (
    `avc:  ${line.denied ? "denied" : "granted"} ` +
    dumpAv(line.perms, line.unknownBits ?? 0) +
    " for " +
    dumpDomains(line.currentDomid, line.data) +
    dumpAuditData(line.data) +
    dumpQuery(line.ssid, line.scontext, line.tsid, line.tcontext, line.tclass)
  );
}
