// A step's `expect` against what the step did: each check is a result with what was expected and
// what happened, so a report can say exactly which part failed.
import type { Gntst } from "../hypervisor/grant.js";
import type { DeviceState } from "../hypervisor/types.js";
import type { DomainIoState } from "../hypervisor/iocaps.js";
import { RangeSet, type Range } from "../xen/rangeset.js";
import { parseRange } from "./validate.js";
import { formatSbdf, parseSbdf, sbdfKey } from "../xen/sbdf.js";

/** An SBDF as the reports print it. */
const canonical = (text: string): string => {
  const p = parseSbdf(text);
  return p.ok ? formatSbdf(sbdfKey(p.value)) : text;
};
import type { Rc, XsmCheck } from "../xsm/types.js";
import type { Expect } from "./scenario.js";

export interface ExpectResult {
  ok: boolean;
  /** e.g. "rc", "log", "device 0000:03:10.0 owner" */
  what: string;
  expected: string;
  actual: string;
}

interface Outcome {
  rc: Rc;
  gntst?: Gntst;
  /** get_device_group: the devices listed. */
  group?: string[];
  log: string[];
  audit: string[];
  decisions: XsmCheck[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

export function checkExpect(
  e: Expect,
  out: Outcome,
  device: (sbdf: string) => DeviceState | undefined,
  io: (domain: string) => DomainIoState | undefined = () => undefined,
  domid: (domain: string) => number | undefined = () => undefined,
  iommu: { context?: (sbdf: string) => string | null | undefined; identityMaps?: (domain: string) => readonly { base: number; end: number }[] | undefined } = {},
): ExpectResult[] {
  const results: ExpectResult[] = [];
  const check = (what: string, ok: boolean, expected: string, actual: string) => results.push({ ok, what, expected, actual });
  if (e.rc !== undefined) check("rc", out.rc === e.rc, show(e.rc), show(out.rc));
  if (e.gntst !== undefined) check("gntst", out.gntst === e.gntst, e.gntst, out.gntst ?? "(no grant status)");
  if (e.group !== undefined) {
    const want = e.group.map(canonical);
    const got = out.group ?? [];
    check("group", want.join(",") === got.join(","), want.length ? want.join(", ") : "(none)", got.length ? got.join(", ") : "(none)");
  }
  const lines = (xs: string[]) => (xs.length ? xs.join(" | ") : "(none)");
  for (const text of list(e.log)) check("log", out.log.some((l) => l.includes(text)), `a line containing "${text}"`, lines(out.log));
  for (const text of list(e.noLog)) check("log", !out.log.some((l) => l.includes(text)), `no line containing "${text}"`, lines(out.log));
  for (const text of list(e.audit)) check("audit", out.audit.some((l) => l.includes(text)), `a line containing "${text}"`, lines(out.audit));
  const denied = out.decisions.filter((d) => !d.allowed).map((d) => d.perm ?? d.action ?? d.hook);
  for (const perm of e.denied ?? []) check("denied", denied.includes(perm), `a denied ${perm} check`, denied.length ? `denied: ${denied.join(", ")}` : "nothing denied");
  for (const want of e.devices ?? []) {
    const got = device(want.sbdf);
    const at = `device ${want.sbdf}`;
    if (want.present !== undefined) check(`${at} present`, (got !== undefined) === want.present, show(want.present), show(got !== undefined));
    if (!got) {
      const needs = (["kind", "physfn", "broken", "owner", "unplugged"] as const).filter((k) => want[k] !== undefined);
      if (needs.length) check(at, false, `listed (to check ${needs.join(", ")})`, "not in the registry");
      continue;
    }
    for (const k of ["kind", "physfn", "broken", "owner"] as const) {
      // a PF's address as written (03:00.0) is compared as the registry prints it (0000:03:00.0)
      const w = k === "physfn" && typeof want.physfn === "string" ? canonical(want.physfn) : want[k];
      if (want[k] !== undefined) check(`${at} ${k}`, got[k] === w, show(want[k]), show(got[k]));
    }
    if (want.unplugged !== undefined) check(`${at} unplugged`, (got.present === false) === want.unplugged, show(want.unplugged), show(got.present === false));
    if (want.msixMaskall !== undefined) check(`${at} msixMaskall`, (got.msix?.maskall ?? false) === want.msixMaskall, show(want.msixMaskall), show(got.msix?.maskall ?? false));
    if (want.context !== undefined) {
      const ctx = iommu.context?.(want.sbdf);
      check(`${at} context`, ctx === want.context, show(want.context), show(ctx ?? null));
    }
    if (want.msixUsed !== undefined) check(`${at} msixUsed`, (got.msix?.used ?? 0) === want.msixUsed, show(want.msixUsed), show(got.msix?.used ?? 0));
  }
  for (const want of e.resources ?? []) {
    const got = io(want.domain);
    const at = `domain ${want.domain}`;
    if (want.identityMaps !== undefined) {
      // exact regions, not merged: each is its own entry of identity_maps
      const text = (r: { start: number; end: number }) => `0x${r.start.toString(16)}-0x${r.end.toString(16)}`;
      const expected = [...new Set(want.identityMaps.map((v) => text(parseRange(v)!)))].sort().join(", ");
      const actual = [...new Set((iommu.identityMaps?.(want.domain) ?? []).map((m) => text({ start: m.base, end: m.end })))].sort().join(", ");
      check(`${at} identityMaps`, expected === actual, expected || "(none)", actual || "(none)");
    }
    if (!got) {
      check(at, false, "a live domain (to check its resources)", "not running");
      continue;
    }
    for (const k of ["irqs", "iomem", "ioports", "mmio", "mmioReadOnly"] as const) {
      const w = want[k];
      if (w === undefined) continue;
      const expected = rangeSet(w.map((v) => parseRange(v)!));
      const actual = rangeSet(got[k] ?? []);
      const radix = k === "irqs" ? 10 : 16;
      check(`${at} ${k}`, expected.equals(actual), expected.toString(radix), actual.toString(radix));
    }
    if (want.pirqs !== undefined) {
      const expected = Object.entries(want.pirqs).map(([p, irq]) => `${Number(p)}->${irq}`).sort().join(" ");
      const actual = got.pirqs.map((p) => `${p.pirq}->${p.irq}`).sort().join(" ");
      check(`${at} pirqs`, expected === actual, expected || "(none)", actual || "(none)");
    }
    if (want.emuirqs !== undefined) {
      const expected = Object.entries(want.emuirqs).map(([p, gsi]) => `${Number(p)}->${gsi}`).sort().join(" ");
      const actual = got.emuirqs.map((e) => `${e.pirq}->${e.gsi}`).sort().join(" ");
      check(`${at} emuirqs`, expected === actual, expected || "(none)", actual || "(none)");
    }
    if (want.evtchns !== undefined) {
      const expected = [...new Set(want.evtchns)].sort((a, b) => a - b).join(" ");
      const actual = (got.evtchns ?? []).map((e) => e.pirq).join(" ");
      check(`${at} evtchns`, expected === actual, expected || "(none)", actual || "(none)");
    }
    for (const c of want.channels ?? []) {
      const got1 = got.channels?.find((x) => x.port === c.port);
      const at1 = `${at} port ${c.port}`;
      check(`${at1} state`, (got1?.state ?? "free") === c.state, c.state, got1?.state ?? "free");
      if (!got1) continue;
      if (c.remote !== undefined) check(`${at1} remote`, got1.remote === domid(c.remote), `${c.remote} (d${domid(c.remote)})`, got1.remote === undefined ? "(none)" : `d${got1.remote}`);
      if (c.remotePort !== undefined) check(`${at1} remotePort`, got1.remotePort === c.remotePort, show(c.remotePort), show(got1.remotePort ?? "(none)"));
      if (c.pirq !== undefined) check(`${at1} pirq`, got1.pirq === c.pirq, show(c.pirq), show(got1.pirq ?? "(none)"));
      if (c.label !== undefined) {
        const label = got1.label ?? "(none)";
        check(`${at1} label`, c.label.includes(":") ? label === c.label : label.split(":")[2] === c.label, c.label, label);
      }
      if (c.pending !== undefined) check(`${at1} pending`, (got1.pending ?? false) === c.pending, show(c.pending), show(got1.pending ?? false));
    }
    if (want.grantFrames !== undefined) check(`${at} grantFrames`, got.grants?.frames === want.grantFrames, show(want.grantFrames), show(got.grants?.frames ?? "(no table)"));
    for (const g of want.grants ?? []) {
      const entry = got.grants?.entries.find((x) => x.ref === g.ref);
      const at1 = `${at} ref ${g.ref}`;
      if (g.flags !== undefined) {
        const expected = [...g.flags].sort().join(" ");
        const actual = [...(entry?.flags ?? [])].sort().join(" ");
        check(`${at1} flags`, expected === actual, expected || "(none)", actual || "(none)");
      }
      if (g.domain !== undefined) check(`${at1} domain`, entry?.domid === domid(g.domain), `${g.domain} (d${domid(g.domain)})`, entry ? `d${entry.domid}` : "(no entry)");
    }
    if (want.mappings !== undefined) {
      const text = (m: { domid: number; ref: number; readonly: boolean; handle?: number }) => `d${m.domid}:${m.ref}${m.readonly ? " ro" : ""}${m.handle !== undefined ? ` h${m.handle}` : ""}`;
      const withHandle = want.mappings.some((m) => m.handle !== undefined);
      const expected = want.mappings.map((m) => text({ domid: domid(m.domain) ?? -1, ref: m.ref, readonly: m.readonly ?? false, ...(withHandle && m.handle !== undefined ? { handle: m.handle } : {}) })).sort().join(", ");
      const actual = (got.grants?.mappings ?? []).map((m) => text({ domid: m.domid, ref: m.ref, readonly: m.readonly, ...(withHandle ? { handle: m.handle } : {}) })).sort().join(", ");
      check(`${at} mappings`, expected === actual, expected || "(none)", actual || "(none)");
    }
    if (want.msixtbl !== undefined) {
      const expected = [...new Set(want.msixtbl.map(canonical))].sort().join(" ");
      const actual = (got.msixtbl ?? []).map((e) => formatSbdf(e.device)).sort().join(" ");
      check(`${at} msixtbl`, expected === actual, expected || "(none)", actual || "(none)");
    }
    if (want.bound !== undefined) {
      const expected = [...new Set(want.bound)].sort((a, b) => a - b).join(" ");
      check(`${at} bound`, expected === got.bound.join(" "), expected || "(none)", got.bound.join(" ") || "(none)");
    }
  }
  return results;
}

function rangeSet(ranges: Range[]): RangeSet {
  const set = new RangeSet();
  for (const r of ranges) set.add(r.start, r.end);
  return set;
}
