// A device's resources in scenarios: irq_permission, iomem_permission, ioport_permission,
// memory_mapping, map_pirq, unmap_pirq, bind_pt_irq, unbind_pt_irq (src/hypervisor/iocaps.ts over the XSM
// resource hooks). examples/xen-flask/passthrough.json runs on Xen's policy; random scenarios on
// test/fixtures/xsm/io.conf are checked against oracle-decide's answers and for steps that fail yet
// change something. UPDATE_GOLDEN=1 rewrites the trace golden.
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { runPrepared, type RunResult } from "../../src/sim/run.js";
import { RESOURCE_OPS } from "../../src/sim/scenario.js";
import { STACK_LINE, xsm } from "../cli/run.js";
import { golden, prepared, scratchDir } from "./support.js";

const root = join(import.meta.dirname, "../..");
const example = relative(process.cwd(), join(root, "examples/xen-flask/passthrough.json"));
const IO_DIR = join(root, "test/fixtures/xsm");
const ORACLE = new Map(
  (JSON.parse(readFileSync(join(IO_DIR, "io.oracle.json"), "utf8")) as { query: Record<string, string>; answer: { allowed: boolean } }[]).map((o) => [
    `${o.query.scontext} ${o.query.tcontext} ${o.query.tclass} ${o.query.perm}`,
    o.answer.allowed,
  ]),
);

const work = scratchDir("xsm-passthrough-");
const run = (data: unknown, file = join(IO_DIR, "scenario.json")): RunResult => runPrepared(prepared(parseScenario(data, file)));
const failures = (r: RunResult) => r.steps.flatMap((s) => s.expect.filter((e) => !e.ok).map((e) => `step ${s.step} ${e.what}: expected ${e.expected}, got ${e.actual}`));

describe("examples/xen-flask/passthrough.json", () => {
  it("meets every expectation, and each refusal says why", () => {
    const r = runPrepared(prepared(loadScenario(example)));
    expect(failures(r)).toEqual([]);
    const refused = r.steps.filter((s) => s.rc !== 0);
    for (const s of refused) expect(s.why !== undefined || s.decisions.some((d) => !d.allowed), `step ${s.step}`).toBe(true);
    expect(r.summary.partial).toBe(0);
  });

  it("prints the trace: the resource questions, range and irq audit data, why, the domains' resources", async () => {
    const r = await xsm("simulate", example);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    golden("passthrough.trace.txt", r.stdout);
  });

  it("--json has each domain's resources and the pirq map_pirq returned", async () => {
    const doc = JSON.parse((await xsm("simulate", example, "--json")).stdout);
    const hvm = doc.state.domains.find((d: { name: string }) => d.name === "hvm-guest");
    expect(hvm.io).toMatchObject({ irqs: [{ start: 48, end: 48 }], iomem: [], mmio: [{ start: 0xfebe0, end: 0xfebff }], pirqs: [{ pirq: 16, irq: -33 }, { pirq: 79, irq: 48, msi: 0xc800 }] });
    expect(doc.state.domains.find((d: { name: string }) => d.name === "pv-guest").io).toBeUndefined(); // destroyed
    const msi = doc.steps.find((s: { step: number }) => s.step === 19);
    expect(msi).toMatchObject({ op: "map_pirq", msi: "0000:c8:00.0", rc: 0, mappedPirq: 79 });
    expect(msi.decisions[1]).toMatchObject({ hook: "map_domain_irq", perm: "add_irq", device: 0xc800 });
  });

  it("a step with several notes keeps each, in order, in --json as in the trace (the JSON kept the last)", async () => {
    const notes = ["hvm-guest's pirq 33 is not mapped", "libxl: xc_physdev_unmap_pirq irq=33 failed (-EINVAL); libxl logs it and carries on"];
    const doc = JSON.parse((await xsm("simulate", example, "--json")).stdout);
    expect(doc.steps.find((s: { step: number }) => s.step === 23)).toMatchObject({ op: "pci_detach", rc: 0, why: notes });
    const trace = (await xsm("simulate", example)).stdout;
    const step23 = trace.slice(trace.indexOf("\n23. "), trace.indexOf("\n\n", trace.indexOf("\n23. ")));
    expect(step23.split("\n").filter((l) => /^ *why {3}/.test(l)).map((l) => l.replace(/^ *why {3}/, ""))).toEqual(notes);
  });
});

const IO_DOMAINS = [
  { name: "dom0", domid: 0, context: "system_u:system_r:dom0_t", control: true, hardware: true },
  { name: "guest", domid: 1, context: "system_u:system_r:domU_t", hvm: true },
  { name: "dm", domid: 2, context: "system_u:system_r:dm_t", target: "guest" },
  { name: "pv", domid: 3, context: "system_u:system_r:domU_t" },
];

describe("resource steps on io.conf", () => {
  it("a device model maps and binds its guest's NIC IRQ once dom0 has given it the IRQ", () => {
    const r = run({
      name: "dm",
      policy: "io.conf",
      xsm: "flask",
      domains: IO_DOMAINS,
      steps: [
        { as: "dom0", op: "map_pirq", domain: "dm", gsi: 33, pirq: 33, expect: { rc: "-EACCES", denied: ["use_iommu"] } },
        { as: "dom0", op: "map_pirq", domain: "guest", gsi: 33, pirq: 33, expect: { rc: 0 } },
        { as: "dm", op: "bind_pt_irq", domain: "guest", machine_irq: 33, expect: { rc: "-EPERM" } },
        { as: "dom0", op: "bind_pt_irq", domain: "guest", machine_irq: 33, expect: { rc: 0, resources: [{ domain: "guest", bound: [33], pirqs: { "33": 33 } }] } },
        { as: "dm", op: "unbind_pt_irq", domain: "guest", machine_irq: 33, expect: { rc: "-EPERM" } },
        { as: "dm", op: "unmap_pirq", domain: "guest", pirq: 33, expect: { rc: 0, log: "forcing unbind", resources: [{ domain: "guest", irqs: [], bound: [33], pirqs: { "33": -33 } }] } },
        { as: "dom0", op: "unbind_pt_irq", domain: "guest", machine_irq: 33, expect: { rc: "-EPERM" } },
        { as: "dom0", op: "map_pirq", domain: "guest", gsi: 33, expect: { rc: "-EBUSY" } },
        { as: "pv", op: "bind_pt_irq", domain: "pv", machine_irq: 1, expect: { rc: "-EINVAL" } },
      ],
    });
    expect(failures(r)).toEqual([]);
    expect(r.steps[2]!.why).toEqual([expect.stringMatching(/^dm does not hold IRQ 33 \(irq_access_permitted\(current\)\)/)]);
  });

  it("the dummy module: dom0 and the guest's device model pass XSM_DM_PRIV, the guest does not", () => {
    const r = run({
      name: "dummy",
      xsm: "dummy",
      domains: IO_DOMAINS.map(({ context: _c, ...d }) => d),
      steps: [
        { as: "pv", op: "map_pirq", domain: "pv", gsi: 33, expect: { rc: "-EPERM" } },
        { as: "dom0", op: "map_pirq", domain: "pv", gsi: 33, expect: { rc: 0, resources: [{ domain: "pv", irqs: [33], pirqs: { "16": 33 } }] } },
        { as: "dm", op: "iomem_permission", domain: "guest", first_mfn: 1, nr_mfns: 1, allow: true, expect: { rc: "-EPERM" } },
        { as: "dom0", op: "iomem_permission", domain: "guest", first_mfn: "0xfebe0", nr_mfns: 32, allow: true, expect: { rc: 0 } },
        { as: "dm", op: "memory_mapping", domain: "guest", first_gfn: 0, first_mfn: "0xfebe0", nr_mfns: 1, add: true, expect: { rc: "-EPERM" } },
      ],
    });
    expect(failures(r)).toEqual([]);
    expect(r.steps[0]!.decisions[0]).toMatchObject({ xen: "xsm_map_domain_pirq", action: "XSM_DM_PRIV", allowed: false, reasons: [{ kind: "default-action" }] });
    expect(r.steps[4]!.decisions[0]).toMatchObject({ action: "XSM_DM_PRIV", allowed: true }); // dm is the guest's device model...
    expect(r.steps[4]!.why).toEqual([expect.stringMatching(/^dm does not hold frames 0xfebe0/)]); // ...but holds no frames
  });

  it("expectations on resources compare sets, and say what differed", () => {
    const r = run({
      name: "expect",
      policy: "io.conf",
      xsm: "flask",
      domains: IO_DOMAINS,
      steps: [
        {
          as: "dom0",
          op: "iomem_permission",
          domain: "guest",
          first_mfn: "0xfebe0",
          nr_mfns: 16,
          allow: true,
          expect: { resources: [{ domain: "guest", iomem: ["0xfebe0-0xfebe7", "0xfebe8-0xfebef"] }, { domain: "pv", iomem: [1] }, { domain: "guest", ioports: ["0x10"] }] },
        },
      ],
    });
    expect(failures(r)).toEqual(["step 1 domain pv iomem: expected { 1 }, got { }", "step 1 domain guest ioports: expected { 10 }, got { }"]);
  });
});

describe("pci_attach / pci_detach: libxl's sequences (libxl_pci.c)", () => {
  const devices = [
    { sbdf: "0000:c8:00.0", irq: 33, bars: [{ io: "0xecc0", size: 32 }, { mem: "0xfebe0000", size: "0x20000" }] },
    { sbdf: "0000:03:00.0", irq: 40, bars: [{ io: "0xecc0", size: 8 }, { mem: "0xfe900000", size: "0x1000" }] },
  ];
  it("attach grants each BAR, maps and grants the IRQ, then assigns; detach takes it all back", () => {
    const r = run({
      name: "attach",
      policy: "io.conf",
      xsm: "flask",
      devices,
      domains: IO_DOMAINS,
      steps: [
        { as: "dom0", op: "pci_add_device", sbdf: "0000:c8:00.0" },
        { as: "dom0", op: "map_pirq", domain: "dom0", gsi: 33, pirq: 33 },
        {
          as: "dom0",
          op: "pci_attach",
          domain: "pv",
          sbdf: "0000:c8:00.0",
          expect: { rc: 0, devices: [{ sbdf: "0000:c8:00.0", owner: "pv" }], resources: [{ domain: "pv", irqs: [33], iomem: ["0xfebe0-0xfebff"], ioports: ["0xecc0-0xecdf"], pirqs: { "33": 33 } }] },
        },
        {
          as: "dom0",
          op: "pci_detach",
          domain: "pv",
          sbdf: "0000:c8:00.0",
          expect: { rc: 0, devices: [{ sbdf: "0000:c8:00.0", owner: "dom_io" }], resources: [{ domain: "pv", irqs: [], iomem: [], ioports: [], pirqs: {} }] },
        },
      ],
    });
    expect(failures(r)).toEqual([]);
    expect(r.steps[2]!.decisions.map((d) => d.hook)).toEqual([
      ...Array(3).fill("ioport_permission"),
      ...Array(3).fill("iomem_permission"),
      "map_domain_pirq",
      "map_domain_irq",
      "map_domain_irq",
      "irq_permission",
      ...Array(3).fill("assign_device"),
    ]);
  });

  it("a failed attach leaves what libxl granted before the failure: a partial state, said so", () => {
    const r = run({
      name: "partial",
      policy: "io.conf",
      xsm: "flask",
      devices,
      domains: IO_DOMAINS,
      steps: [
        { as: "dom0", op: "pci_add_device", sbdf: "0000:03:00.0" },
        { as: "dom0", op: "pci_attach", domain: "pv", sbdf: "0000:03:00.0", expect: { rc: "-EPERM", resources: [{ domain: "pv", ioports: ["0xecc0-0xecc7"], iomem: [] }] } },
      ],
    });
    expect(failures(r)).toEqual([]);
    expect(r.steps[1]!.partial).toBe(true);
    // flask's -EACCES is the domctl's -EPERM before XSA-492 (`!held || xsm_iomem_permission(...)`)
    expect(r.steps[1]!.why).toEqual([expect.stringContaining("xsm_iomem_permission answered -EACCES; before XSA-492"), "libxl: xc_domain_iomem_permission 0xfe900000/0x1000 failed: the device is not attached"]);
  });

  it("devices: a duplicate device and a BAR that is both or neither memory and I/O are errors at their paths", () => {
    const loaded = parseScenario(
      { name: "bad", xsm: "dummy", devices: [{ sbdf: "0000:c8:00.0", bars: [{ mem: 1, io: 2, size: 1 }, { size: 1 }] }, { sbdf: "0000:C8:00.0" }], domains: IO_DOMAINS, steps: [] },
      join(IO_DIR, "bad.json"),
    );
    expect(loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "/devices/0/bars/0: give either mem (a memory BAR's address) or io (an I/O BAR's first port)",
      "/devices/0/bars/1: give either mem (a memory BAR's address) or io (an I/O BAR's first port)",
      "/devices/1/sbdf: duplicate device 0000:C8:00.0 (also /devices/0)",
    ]);
  });
});

// ---- random scenarios: the oracle's decisions, and a failed step changes nothing ----------------

const domainName = fc.constantFrom("dom0", "guest", "dm", "pv", "hguest");
const small = fc.constantFrom(0, 1, 16, 33, 40, 47, 48, 60, 79, 255, 300);
const frame = fc.constantFrom(0xfe900, 0xfe9f0, 0xfebd0, 0xfebd9, 0xfebe0, 0xfebf8, 0xfec00, 0xfee00, 0);
const port = fc.constantFrom(0x61, 0xecb0, 0xecc0, 0xecd8, 0xfff0, 0xffff);
const count = fc.constantFrom(0, 1, 8, 0x20, 0x30);
const step = fc.oneof(
  fc.record({ as: domainName, op: fc.constant("irq_permission"), domain: domainName, pirq: small, allow: fc.boolean() }),
  fc.record({ as: domainName, op: fc.constant("iomem_permission"), domain: domainName, first_mfn: frame, nr_mfns: count, allow: fc.boolean() }),
  fc.record({ as: domainName, op: fc.constant("ioport_permission"), domain: domainName, first_port: port, nr_ports: count, allow: fc.boolean() }),
  fc.record({ as: domainName, op: fc.constant("memory_mapping"), domain: domainName, first_gfn: fc.constantFrom(0, 0xf0000), first_mfn: frame, nr_mfns: count, add: fc.boolean() }),
  fc.record({ as: domainName, op: fc.constant("ioport_mapping"), domain: domainName, first_gport: fc.constantFrom(0, 0xc000), first_mport: port, nr_ports: count, add: fc.boolean() }),
  fc.record({ as: domainName, op: fc.constant("map_pirq"), domain: domainName, gsi: fc.constantFrom(5, 16, 33, 40, 47, 48), pirq: fc.option(small, { nil: undefined }) }, { requiredKeys: ["as", "op", "domain", "gsi"] }),
  fc.record({ as: domainName, op: fc.constant("map_pirq"), domain: domainName, msi: fc.constantFrom("0000:c8:00.0", "0000:03:00.0") }),
  fc.record(
    { as: domainName, op: fc.constant("map_pirq"), domain: domainName, msi: fc.constantFrom("0000:c8:00.0", "0000:03:00.0"), entry_nr: fc.constantFrom(1, 2, 3, 4, 8, 33), pirq: fc.option(fc.constantFrom(60, 76, 78), { nil: undefined }) },
    { requiredKeys: ["as", "op", "domain", "msi", "entry_nr"] },
  ),
  fc.record({ as: domainName, op: fc.constant("gsi_permission"), domain: domainName, gsi: fc.constantFrom(0, 5, 33, 40, 47, 48, 1000), allow: fc.boolean() }),
  fc.record({ as: domainName, op: fc.constantFrom("bind_pt_irq", "unbind_pt_irq"), domain: domainName, machine_irq: small, device: fc.constantFrom(0, 3, 4), intx: fc.constantFrom(0, 1) }),
  fc.record({ as: domainName, op: fc.constant("unmap_pirq"), domain: domainName, pirq: small }),
  fc.record({ as: domainName, op: fc.constant("bind_pt_irq"), domain: domainName, machine_irq: small }),
  fc.record({ as: domainName, op: fc.constant("unbind_pt_irq"), domain: domainName, machine_irq: small }),
  fc.record({ as: fc.constant("dom0"), op: fc.constant("assign_device"), domain: fc.constantFrom("guest", "pv"), sbdf: fc.constant("0000:c8:00.0") }),
  fc.record({ as: domainName, op: fc.constantFrom("pci_attach", "pci_detach"), domain: domainName, sbdf: fc.constantFrom("0000:c8:00.0", "0000:03:00.0") }),
);
/** The steps whose every refusal is explained: by a denied decision or a why line. */
const EXPLAINED = [...RESOURCE_OPS, "pci_attach"];
const DEVICES = [
  { sbdf: "0000:c8:00.0", irq: 33, msi: 4, bars: [{ io: "0xecc0", size: 32 }, { mem: "0xfebe0000", size: "0x20000" }] },
  { sbdf: "0000:03:00.0", irq: 40, msi: 0, bars: [{ io: "0xecc0", size: 8 }, { mem: "0xfe900000", size: "0x1000" }] },
];
/** A failed step that may still have changed something, as Xen does: libxl's attach and detach
 *  stop part way; physdev_unmap_pirq drops an HVM guest's emulated GSI before unmap_domain_pirq
 *  finds no IRQ behind the pirq (-EINVAL). */
const XEN_PARTIAL = (s: RunResult["steps"][number]) =>
  s.op === "pci_attach" || s.op === "pci_detach" || (s.op === "unmap_pirq" && s.domain === "hguest" && s.rc === "-EINVAL" && s.as !== "hguest");

describe("random resource scenarios on io.conf", () => {
  it("decide every AVC question as oracle-decide does; no failed hypercall changes a domain's resources (but where Xen does)", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 25 }), fc.boolean(), fc.constantFrom("intremap", "nointremap", "none"), fc.boolean(), fc.boolean(), (steps, enforcing, iommu, pvhDom0, vector) => {
        const runnable = steps;
        // an HVM guest with pirqs of its own (hvm_pirq=1); dom0 PV or PVH (libxl's GSI path)
        const domains = [
          ...IO_DOMAINS.map((d) => (d.name === "dom0" && pvhDom0 ? { ...d, hvm: true } : d)),
          { name: "hguest", domid: 4, context: "system_u:system_r:domU_t", hvm: true, hvmPirq: true, ...(vector ? {} : { callbackVector: false }) },
        ];        const r = run({
          name: "random",
          policy: "io.conf",
          xsm: "flask",
          enforcing,
          iommu,
          devices: DEVICES,
          domains,
          steps: [{ as: "dom0", op: "pci_add_device", sbdf: "0000:c8:00.0" }, { as: "dom0", op: "pci_add_device", sbdf: "0000:03:00.0" }, ...runnable],
        });
        expect(r.steps.filter((s) => s.partial && !XEN_PARTIAL(s)).map((s) => `${s.step} ${s.op}`)).toEqual([]);
        for (const s of r.steps) {
          for (const d of s.decisions) {
            if (d.perm === undefined || d.scontext === undefined || d.error !== undefined) continue;
            const key = `${d.scontext} ${d.tcontext} ${d.tclass} ${d.perm}`;
            expect(ORACLE.has(key), key).toBe(true);
            expect(d.allowed, key).toBe(ORACLE.get(key));
          }
          if (s.rc !== 0 && enforcing && (EXPLAINED as readonly string[]).includes(s.op)) expect(s.why !== undefined || s.decisions.some((d) => !d.allowed), `step ${s.step} ${s.op} ${s.rc}`).toBe(true);
        }
      }),
      { numRuns: 80 },
    );
  });
});

describe("resource steps: errors name their JSON path", () => {
  const bad = (steps: unknown[], extra: object = {}) => {
    const loaded = parseScenario({ name: "bad", policy: "io.conf", xsm: "flask", domains: IO_DOMAINS, steps, ...extra }, join(IO_DIR, "bad.json"));
    expect(loaded.ok).toBe(false);
    return loaded.ok ? [] : loaded.error.map((e) => `${e.path}: ${e.message}`);
  };
  it("reports missing and malformed fields of each op", () => {
    expect(
      bad([
        { as: "dom0", op: "irq_permission", domain: "guest", pirq: 33 },
        { as: "dom0", op: "iomem_permission", domain: "guest", first_mfn: "0xZZ", nr_mfns: -1, allow: true },
        { as: "dom0", op: "ioport_permission", domain: "nobody", first_port: 1, nr_ports: 1, allow: true },
        { as: "dom0", op: "map_pirq", domain: "guest" },
        { as: "dom0", op: "map_pirq", domain: "guest", gsi: 1, msi: "0000:c8:20.0" },
        { as: "guest", op: "map_pirq", domain: "guest", gsi: 1, entry_nr: 2 },
        { as: "dom0", op: "bind_pt_irq", domain: "guest", machine_irq: 1, irq: 1 },
        { as: "dom0", op: "unmap_pirq", domain: "guest", pirq: 1, expect: { resources: [{ domain: "guest", iomem: ["0x10-0x1"], irqs: ["x"] }, { domain: "ghost" }] } },
      ]),
    ).toEqual([
      "/steps/0/allow: missing; it is required here",
      "/steps/1/first_mfn: expected a non-negative integer below 2^52, or a hex string such as \"0xfebe0\"; got \"0xZZ\"",
      "/steps/1/nr_mfns: expected a non-negative integer below 2^52, or a hex string such as \"0xfebe0\"; got -1",
      "/steps/2/domain: unknown domain \"nobody\"; expected one of dom0, guest, dm, pv",
      "/steps/3/gsi: missing; give gsi (a GSI: MAP_PIRQ_TYPE_GSI) or msi (a device's MSI vector: MAP_PIRQ_TYPE_MSI)",
      '/steps/4/msi: expected a PCI address as Xen reads it (parse_pci), SSSS:BB:DD.F or BB:DD.F (segment 0), hex, e.g. 0000:03:10.1 or 03:10.1; got "0000:c8:20.0" (device 20 out of range (max 1f))',
      "/steps/4/msi: give either gsi (MAP_PIRQ_TYPE_GSI) or msi (MAP_PIRQ_TYPE_MSI), not both",
      "/steps/5/entry_nr: entry_nr asks for several MSI vectors (MAP_PIRQ_TYPE_MULTI_MSI): give msi, the device",
      "/steps/6/irq: unknown property; expected one of op, as, note, expect, domain, machine_irq, device, intx, gtable",
      "/steps/7/expect/resources/0/iomem/0: expected LOW-HIGH with LOW <= HIGH; got \"0x10-0x1\"",
      "/steps/7/expect/resources/0/irqs/0: expected a number (integer or \"0x...\" hex), or an inclusive range \"LOW-HIGH\" of them, e.g. \"0xfebe0-0xfebff\"; got \"x\"",
      "/steps/7/expect/resources/1/domain: unknown domain \"ghost\"; expected one of dom0, guest, dm, pv",
    ]);
  });

  it("the CLI prints them with the file's name and exits 1, without a stack trace", async () => {
    const file = join(work, "bad.json");
    writeFileSync(file, JSON.stringify({ name: "bad", xsm: "dummy", domains: IO_DOMAINS, steps: [{ as: "dom0", op: "ioport_permission", domain: "pv", first_port: "0x1g", nr_ports: 1, allow: true }] }));
    const r = await xsm("simulate", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/steps/0/first_port: expected an integer 0 .. 4294967295 (the hypercall's field is uint32_t)");
    expect(r.stderr).not.toMatch(STACK_LINE);
  });
});
