// PCI addresses as Xen reads and prints them: parse_pci() in xen/drivers/pci/pci.c accepts
// "[seg:]bus:dev.fn" in hex, and vsprintf's %pp prints "%04x:%02x:%02x.%u".
// Inside the registry an address is its machine_bdf key, (seg << 16) | (bus << 8) | devfn, the
// integer XSM hooks and pcidevicecon labels use.

import type { Result } from "../diagnostics/result.js";

export interface Sbdf {
  readonly seg: number; // 0..0xffff
  readonly bus: number; // 0..0xff
  readonly dev: number; // 0..0x1f (PCI_SLOT)
  readonly fn: number; // 0..7 (PCI_FUNC)
}

/** Errors are values: a parse either yields the address or says which part is wrong. */
export type Parsed<T> = Result<T, string>;

const HEX = /^[0-9a-fA-F]+$/;

/** The limits Xen's PCI_SBDF() packs into: seg 16 bits, bus 8, device 5, function 3. */
const LIMITS = [
  ["segment", 0xffff],
  ["bus", 0xff],
  ["device", 0x1f],
  ["function", 0x7],
] as const;

/**
 * Parses "SSSS:BB:DD.F" (what %pp prints) or "BB:DD.F" (segment 0, as parse_pci() and `xl
 * pci-attach` accept, so users may expect it too; pci-phantom= takes no function: pci-phantom.ts).
 */
export function parseSbdf(text: string): Parsed<Sbdf> {
  const bad = (why: string): Parsed<Sbdf> => ({ ok: false, error: `invalid PCI address '${text}': ${why}` });
  const colon = text.split(":");
  if (colon.length < 2 || colon.length > 3) return bad("expected SSSS:BB:DD.F or BB:DD.F");
  const last = colon[colon.length - 1]!.split(".");
  if (last.length !== 2) return bad("expected '.' between device and function (SSSS:BB:DD.F)");
  const texts = colon.length === 3 ? [colon[0]!, colon[1]!, last[0]!, last[1]!] : ["0", colon[0]!, last[0]!, last[1]!];
  const values: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [name, max] = LIMITS[i]!;
    const part = texts[i]!;
    if (part === "") return bad(`${name} is empty`);
    if (!HEX.test(part)) return bad(`${name} '${part}' is not hexadecimal`);
    const value = parseInt(part, 16);
    if (value > max) return bad(`${name} ${part} out of range (max ${max.toString(16)})`);
    values.push(value);
  }
  const [seg, bus, dev, fn] = values as [number, number, number, number];
  return { ok: true, value: { seg, bus, dev, fn } };
}

/** PCI_DEVFN(dev, fn). */
export function devfn(dev: number, fn: number): number {
  return ((dev & 0x1f) << 3) | (fn & 7);
}

/** machine_bdf as the XSM hooks receive it: (seg << 16) | (bus << 8) | devfn, kept non-negative. */
export function sbdfKey(s: Sbdf): number {
  return s.seg * 0x10000 + (s.bus << 8) + devfn(s.dev, s.fn);
}

export function sbdfFromKey(key: number): Sbdf {
  const bdf = key & 0xffff;
  return { seg: Math.floor(key / 0x10000) & 0xffff, bus: bdf >> 8, dev: (bdf >> 3) & 0x1f, fn: bdf & 7 };
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");

/** vsprintf %pp: "%04x:%02x:%02x.%u". */
export function formatSbdf(s: Sbdf | number): string {
  const a = typeof s === "number" ? sbdfFromKey(s) : s;
  return `${hex(a.seg, 4)}:${hex(a.bus, 2)}:${hex(a.dev, 2)}.${a.fn}`;
}

/** Text or machine_bdf key to key, for callers holding either. */
export function toSbdfKey(s: string | number): Parsed<number> {
  if (typeof s === "number") {
    return Number.isInteger(s) && s >= 0 && s <= 0xffffffff
      ? { ok: true, value: s }
      : { ok: false, error: `invalid machine_bdf ${s}` };
  }
  const p = parseSbdf(s);
  return p.ok ? { ok: true, value: sbdfKey(p.value) } : p;
}
