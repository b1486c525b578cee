// Xen's `pci-phantom=[<seg>:]<bus>:<device>,<stride>` boot option as parse_phantom_dev()
// (xen/drivers/passthrough/pci.c) reads it, the same at RELEASE-4.19.0 .. 4.22.0 and master: the
// address through parse_pci() with no function (so "03:00.0,1" is refused: the ',' must follow
// the device), the stride through simple_strtol(s, &s, 0) stored in a u8 and then 1, 2 or 4 with
// nothing after it; at most 8 occurrences (-E2BIG from the ninth, before it is parsed). Xen prints
// `parameter "pci-phantom" has invalid value "...", rc=N!` for a refused one and boots without it.

/** One accepted entry of phantom_devs[]. */
export interface PhantomDev {
  readonly seg: number;
  readonly bus: number;
  readonly slot: number;
  /** 1, 2 or 4: the devfn step to the next phantom function. */
  readonly stride: number;
}

/** ARRAY_SIZE(phantom_devs). */
export const MAX_PHANTOM_DEVS = 8;

export type PhantomParse = { ok: true; value: PhantomDev } | { ok: false; rc: -22 | -7; why: string };

const U64 = 1n << 64n;

/** simple_strtoul(): digits of `base` (0: 0x.. hex, 0.. octal, else decimal; 16 skips a 0x),
 *  the value modulo 2^64 as an unsigned long wraps; `end` is where it stopped. */
function strtoul(s: string, at: number, base: number): { value: bigint; end: number } {
  let i = at;
  if (base === 0) {
    base = 10;
    if (s[i] === "0") {
      base = 8;
      i++;
      if (s[i]?.toUpperCase() === "X" && /[0-9a-fA-F]/.test(s[i + 1] ?? "")) {
        i++;
        base = 16;
      }
    }
  } else if (base === 16 && s[i] === "0" && s[i + 1]?.toUpperCase() === "X") i += 2;
  let value = 0n;
  for (;;) {
    const c = s[i];
    if (c === undefined || !/[0-9a-fA-F]/.test(c)) break;
    const digit = parseInt(c, 16);
    if (digit >= base) break;
    value = (value * BigInt(base) + BigInt(digit)) % U64;
    i++;
  }
  return { value, end: i };
}

/** parse_pci_seg() without a function: "[seg:]bus:dev", each field hex and within its width. */
function parsePciNoFunc(s: string): { seg: number; bus: number; slot: number; end: number } | undefined {
  const a = strtoul(s, 0, 16);
  if (s[a.end] !== ":") return undefined;
  const b = strtoul(s, a.end + 1, 16);
  let [seg, bus, dev, end] = [a.value, b.value, 0n, b.end];
  if (s[end] === ":") {
    const c = strtoul(s, end + 1, 16);
    [dev, end] = [c.value, c.end];
  } else [dev, bus, seg] = [bus, seg, 0n];
  if (seg > 0xffffn || bus > 0xffn || dev > 0x1fn) return undefined;
  return { seg: Number(seg), bus: Number(bus), slot: Number(dev), end };
}

/** parse_phantom_dev() of one occurrence's value, `accepted` entries taken already. */
export function parsePhantomDev(value: string, accepted: number): PhantomParse {
  if (value === "") return { ok: false, rc: -22, why: "the value is empty" };
  if (accepted >= MAX_PHANTOM_DEVS) return { ok: false, rc: -7, why: `phantom_devs[] holds ${MAX_PHANTOM_DEVS} entries, all taken` };
  const pci = parsePciNoFunc(value);
  if (!pci) return { ok: false, rc: -22, why: "parse_pci() reads no [<seg>:]<bus>:<device> in hex there" };
  if (value[pci.end] !== ",") return { ok: false, rc: -22, why: `a ',' and the stride must follow the device${value[pci.end] === "." ? " (pci-phantom= takes no function)" : ""}` };
  const neg = value[pci.end + 1] === "-";
  const n = strtoul(value, pci.end + 1 + (neg ? 1 : 0), 0);
  // phantom.stride is a u8: the switch sees the long's low 8 bits
  const stride = Number(((neg ? U64 - n.value : n.value) % U64) & 0xffn);
  if (stride !== 1 && stride !== 2 && stride !== 4) return { ok: false, rc: -22, why: `the stride is ${stride} as a u8; it must be 1, 2 or 4` };
  if (n.end !== value.length) return { ok: false, rc: -22, why: `'${value.slice(n.end)}' follows the stride` };
  return { ok: true, value: { seg: pci.seg, bus: pci.bus, slot: pci.slot, stride } };
}

/** Xen's line for a refused occurrence (parse_params in xen/common/kernel.c). */
export function phantomRejectLine(value: string, rc: number): string {
  return `parameter "pci-phantom" has invalid value "${value}", rc=${rc}!`;
}
