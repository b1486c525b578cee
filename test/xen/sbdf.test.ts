import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { devfn, formatSbdf, parseSbdf, sbdfFromKey, sbdfKey, toSbdfKey } from "../../src/xen/sbdf.js";

describe("SBDF as Xen's %pp prints it", () => {
  it("parses and prints 0000:03:10.1", () => {
    const p = parseSbdf("0000:03:10.1");
    expect(p).toEqual({ ok: true, value: { seg: 0, bus: 3, dev: 0x10, fn: 1 } });
    if (p.ok) expect(formatSbdf(p.value)).toBe("0000:03:10.1");
  });

  it("accepts BB:DD.F as segment 0, as Xen's own parse_pci() does", () => {
    expect(parseSbdf("03:10.1")).toEqual({ ok: true, value: { seg: 0, bus: 3, dev: 0x10, fn: 1 } });
  });

  it("accepts upper-case hex and short parts, printing them zero-padded in lower case", () => {
    const p = parseSbdf("A:Fe:1F.7");
    expect(p.ok && formatSbdf(p.value)).toBe("000a:fe:1f.7");
  });

  it.each([
    ["10000:00:00.0", "segment 10000 out of range (max ffff)"],
    ["0000:100:00.0", "bus 100 out of range (max ff)"],
    ["0000:03:20.0", "device 20 out of range (max 1f)"],
    ["0000:03:10.8", "function 8 out of range (max 7)"],
    ["0000:0g:10.1", "bus '0g' is not hexadecimal"],
    ["0000::10.1", "bus is empty"],
    ["0000:03:10", "expected '.' between device and function"],
    ["0000:03:10.1.2", "expected '.' between device and function"],
    ["1:2:3:4.0", "expected SSSS:BB:DD.F or BB:DD.F"],
    ["", "expected SSSS:BB:DD.F or BB:DD.F"],
    ["0000:03:10.-1", "function '-1' is not hexadecimal"],
    [" 0000:03:10.1", "segment ' 0000' is not hexadecimal"],
  ])("rejects %j naming the bad part", (text, why) => {
    const p = parseSbdf(text);
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.error).toContain(why);
      expect(p.error).toContain(`'${text}'`);
    }
  });

  it("machine_bdf is (seg << 16) | (bus << 8) | devfn, devfn is PCI_DEVFN", () => {
    expect(devfn(0x10, 1)).toBe(0x81);
    expect(sbdfKey({ seg: 0, bus: 3, dev: 0x10, fn: 1 })).toBe(0x381);
    expect(sbdfKey({ seg: 0xffff, bus: 0xff, dev: 0x1f, fn: 7 })).toBe(0xffffffff);
    expect(formatSbdf(0x381)).toBe("0000:03:10.1");
    expect(toSbdfKey("0000:03:00.0")).toEqual({ ok: true, value: 0x300 });
    expect(toSbdfKey(-1).ok).toBe(false);
  });

  it("format, parse and key round-trip for every address", () => {
    const sbdf = fc.record({
      seg: fc.integer({ min: 0, max: 0xffff }),
      bus: fc.integer({ min: 0, max: 0xff }),
      dev: fc.integer({ min: 0, max: 0x1f }),
      fn: fc.integer({ min: 0, max: 7 }),
    });
    fc.assert(
      fc.property(sbdf, (s) => {
        const text = formatSbdf(s);
        expect(text).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
        expect(parseSbdf(text)).toEqual({ ok: true, value: s });
        expect(sbdfFromKey(sbdfKey(s))).toEqual(s);
      }),
      { numRuns: 2000 },
    );
  });
});
