// Section 4: the PCI registry at scale: 64 PFs x 256 VFs built and torn down under every
// PF-removal strategy (ops/s), and the time to remove one PF as its VF count grows (it should grow
// linearly: a strategy visits each VF a constant number of times).
import { STRATEGIES, type Strategy } from "../../src/hypervisor/types.js";
import type { Domain, XsmModule } from "../../src/xsm/types.js";
import { type Budget, median, nowNs } from "../lib/measure.js";
import { isMissing, loadCompiler, loadDummyXsm, loadRegistry, loadXsm, type RegistryCtor, type RegistryLike } from "../lib/ours.js";
import { fmtMs, fmtNs, fmtRate, type SectionResult } from "../lib/report.js";
import { svpPolicy } from "../gen/svp-policy.js";

// The caller: the supervisor's hardware domain, privileged (what the dummy module trusts) and, under
// flask, allowed plug/unplug/setup on `device_t`, the label of every device without a pcidevicecon.
const HWDOM: Domain = { domid: 0, name: "svp-hwdom", context: "system_u:system_r:svp_hwdom_t", control: true, hardware: true };
const DOMAINS = { byDomid: (domid: number) => (domid === 0 ? HWDOM : undefined), hardwareDomain: () => HWDOM };

const hex2 = (n: number) => n.toString(16).padStart(2, "0");
/** PF i sits at bus 2i+1 devfn 0, its VFs fill bus 2i+2 (a VF's PF is in its segment, as Xen requires). */
const pfKey = (i: number) => (2 * i + 1) << 8;
const pfText = (i: number) => `0000:${hex2(2 * i + 1)}:00.0`;
const vfKey = (i: number, j: number) => ((2 * i + 2) << 8) | j;

function build(reg: RegistryLike, pfs: number, vfs: number): number {
  let ops = 0;
  for (let i = 0; i < pfs; i++) {
    if (reg.addDevice(HWDOM, pfKey(i)) !== 0) throw new Error(`registry: adding PF ${pfText(i)} failed`);
    const info = { physfn: pfText(i) };
    for (let j = 0; j < vfs; j++) if (reg.addDevice(HWDOM, vfKey(i, j), info) !== 0) throw new Error(`registry: adding a VF of ${pfText(i)} failed`);
    ops += 1 + vfs;
  }
  return ops;
}

/** PF first (the strategy decides what happens to its VFs), then whatever VFs remain, then the PF
 *  again where the strategy kept it (upstream, refuse). Ends with an empty registry. */
function teardown(reg: RegistryLike, pfs: number, vfs: number): number {
  let ops = 0;
  for (let i = 0; i < pfs; i++) {
    const rc = reg.removeDevice(HWDOM, pfKey(i));
    ops++;
    for (let j = 0; j < vfs; j++, ops++) reg.removeDevice(HWDOM, vfKey(i, j));
    if (rc !== 0 && rc !== "-EBUSY") throw new Error(`registry: removing PF ${pfText(i)} returned ${rc}`);
    if (reg.removeDevice(HWDOM, pfKey(i)) !== "-ENODEV") ops++;
  }
  return ops;
}

export async function registrySection(budget: Budget, quick: boolean): Promise<SectionResult> {
  const id = "registry";
  const PFS = 64, VFS = quick ? 64 : 256;
  const title = `4. PCI registry: ${PFS} PFs x ${VFS} VFs${quick ? " (--quick; the full run has 256)" : ""}, every strategy`;
  const PciRegistry = await loadRegistry();
  if (isMissing(PciRegistry)) return { id, title, columns: [], rows: [], notes: [`skipped: ${PciRegistry.missing}`], data: { skipped: PciRegistry.missing } };
  const notes: string[] = [];
  // flask with the 2-platform SVP policy when the XSM front loads, else the dummy module
  let makeXsm: () => XsmModule;
  let xsmName: string;
  const compilePolicy = await loadCompiler();
  const createXsm = await loadXsm();
  if (!isMissing(compilePolicy) && !isMissing(createXsm)) {
    const text = svpPolicy(2).text;
    makeXsm = () => createXsm({ module: "flask", compile: compilePolicy, policyText: text, enforcing: true }).module;
    xsmName = "flask (svp policy, 2 platforms; every op asks the AVC)";
  } else {
    const dummy = await loadDummyXsm();
    if (isMissing(dummy)) return { id, title, columns: [], rows: [], notes: [`skipped: no XSM module: ${dummy.missing}`], data: { skipped: dummy.missing } };
    makeXsm = dummy;
    xsmName = `dummy (flask unavailable: ${isMissing(createXsm) ? createXsm.missing : isMissing(compilePolicy) ? compilePolicy.missing : ""})`;
  }
  const make = (strategy: Strategy): RegistryLike => new (PciRegistry as RegistryCtor)(makeXsm(), DOMAINS, { strategy, vfWithoutPf: "reject" });

  const rows: string[][] = [];
  const data: Record<string, unknown> = {};
  for (const strategy of STRATEGIES) {
    const builds: number[] = [], teardowns: number[] = [];
    let buildOps = 0, tearOps = 0;
    for (let r = 0; r < Math.max(1, Math.min(budget.reps, 3)); r++) {
      const reg = make(strategy);
      let t0 = nowNs();
      buildOps = build(reg, PFS, VFS);
      builds.push((nowNs() - t0) / 1e6);
      t0 = nowNs();
      tearOps = teardown(reg, PFS, VFS);
      teardowns.push((nowNs() - t0) / 1e6);
      const broken = reg.checkInvariants();
      if (broken.length > 0 || reg.recordCount() !== 0)
        throw new Error(`registry ${strategy}: after teardown ${reg.recordCount()} records left; ${broken.slice(0, 3).join("; ")}`);
    }
    const b = median(builds), t = median(teardowns);
    const devices = PFS * (VFS + 1);
    rows.push([strategy, fmtMs(b), fmtRate((devices / b) * 1000), fmtMs(t), fmtRate((devices / t) * 1000), String(tearOps)]);
    data[strategy] = { devices, buildMs: b, buildDevicesPerSec: (devices / b) * 1000, teardownMs: t, teardownDevicesPerSec: (devices / t) * 1000, buildCalls: buildOps, teardownCalls: tearOps };
  }

  // PF removal vs VF count, under the strategies that take the VFs with the PF
  const linear: Record<string, Record<number, number>> = {};
  const counts = quick ? [16, 64, 256] : [16, 32, 64, 128, 256];
  const linRows: string[][] = [];
  const pfs = quick ? 16 : 32, rounds = quick ? 1 : 3;
  for (const strategy of ["cascade", "authority", "unlink-broken"] as const) {
    linear[strategy] = {};
    for (const k of counts) {
      const times: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const reg = make(strategy);
        build(reg, pfs, k);
        for (let i = 0; i < pfs; i++) {
          const t0 = nowNs();
          reg.removeDevice(HWDOM, pfKey(i));
          const dt = nowNs() - t0;
          if (i >= pfs >> 2) times.push(dt); // the first removals of a registry warm the code up
        }
      }
      linear[strategy]![k] = median(times);
    }
    const at = (k: number) => linear[strategy]![k]!;
    linRows.push(
      [`${strategy}: one PF`, ...counts.map((k) => fmtNs(at(k))), `${(at(counts.at(-1)!) / at(counts[0]!)).toFixed(1)}x`],
      [`${strategy}: per VF`, ...counts.map((k) => fmtNs(at(k) / k)), ""],
    );
  }
  data.pfRemovalNsByVfCount = linear;
  notes.push(
    `XSM: ${xsmName}; caller svp-hwdom; vfWithoutPf reject; ${PFS} PFs x ${VFS} VFs = ${PFS * (VFS + 1)} devices.`,
    "build: add each PF then its VFs. teardown: remove each PF (the strategy acts), then its VFs, then the PF again " +
      "if the strategy kept it (remove calls counts them, -ENODEV answers included); the registry must end empty with its invariants holding. Median of " +
      `${Math.max(1, Math.min(budget.reps, 3))} fresh registries.`,
  );
  const tables = [
    {
      caption:
        `PF removal vs VF count: median time of one pci_remove_device on a PF holding k VFs (${rounds} x ${pfs} PFs, the first quarter of each ` +
        `registry left out as warm-up). Linear: the growth column near ${counts.at(-1)! / counts[0]!}x, the per-VF cost flat.`,
      columns: ["strategy", ...counts.map((k) => `${k} VFs`), "growth"],
      rows: linRows,
    },
  ];
  return { id, title, columns: ["strategy", "build", "devices/s", "teardown", "devices/s", "remove calls"], rows, notes, tables, data };
}
