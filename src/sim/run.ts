// Runs a scenario end to end: policy -> XSM module -> PCI registry -> steps, recording for every
// step what the calling domain asked, each XSM check made, the rc, Xen's log and audit lines and
// whether the step's expectations held. prepare() does everything that can fail before a step runs
// (compiling policies, validating contexts); runPrepared() is synchronous and cheap, so --compare
// runs the seven strategies on one preparation.
import { PciRegistry, formatSbdf, parseSbdf, sbdfKey } from "../hypervisor/index.js";
import { DOM_IO, type DeviceState, type DomainTable, type PfRemovalKind, type IoportMapping, type MmioRemoval, type PvhIrqs, type VfWithoutPf } from "../hypervisor/types.js";
import { phantomAddWhy, phantomLookupWhy, phantomMoveWhy, phantomRecordWhy, presentFunctions } from "./phantom.js";
import { parsePhantomDev, type PhantomDev } from "../xen/pci-phantom.js";
import { MAX_SDEVS, assignWhy, contextWhy, hostBridgeDeassignWhy, hostBridgeWhy, iommuRefusedWhy, ivrsAddWhy, deassignWhy, deviceGroup, hardwareDomainText, namesDomIo, noIommuCause, noIommuWhy, quarantineText, sharedDteWhy, type IommuDomctl } from "./iommu.js";
import { PolicyError, atPath, type Diagnostic } from "../diagnostics/diagnostic.js";
import { renderInline } from "../diagnostics/render.js";
import { loadPolicyBytes, loadSource } from "../binary/load.js";
import type { PlatformInfo } from "./topology.js";
import { policyPlatforms } from "./platforms.js";
import type { CompiledPolicy, PolicyImage } from "../policy/types.js";
import type { AssignCheck, Domain, Rc, XsmCheck } from "../xsm/types.js";
import { checkExpect, type ExpectResult } from "./expect.js";
import { Explainer, type Explained } from "./explain.js";
import type { LoadedScenario, LocateRule, ReadPolicy } from "./validate.js";
import { fail, ok, type Result } from "../diagnostics/result.js";
import { createXsm, type AvcStats, type Xsm } from "../xsm/index.js";
import { createdLater, RESOURCE_OPS, type CopyPtr, type ResourceOp, type Scenario, type ScenarioError, type Step } from "./scenario.js";
import { IoCaps, hvmPciIntxGsi, type DomainIoState, type GuestIntx } from "../hypervisor/iocaps.js";
import { parseNum } from "./validate.js";
import { pciAttach, pciDetach, type Toolstack } from "./libxl.js";
import { pfBySbdf, scenarioXen, xenLabel, xenNotes, type DomctlNoDomain, type ScenarioXen, type XenRelease } from "./xen-release.js";
import type { EvtchnStatus } from "../hypervisor/evtchn.js";
import type { CopySide, Gntst } from "../hypervisor/grant.js";

export interface StepResult {
  step: number; // from 1
  /** The step as the scenario wrote it (the --json document repeats its fields). */
  written: Step;
  as: string | null;
  op: Step["op"];
  sbdf: string | null;
  domain: string | null;
  /** What a step without a device did: "gvp1_noiommu=true", "svp.conf", "enforcing=0". */
  detail?: string;
  note?: string;
  rc: Rc;
  /** Every XSM check of the step; denied ones (all, with RunOptions.explain "all") carry their reasons. */
  decisions: Explained[];
  log: string[];
  audit: string[];
  expect: ExpectResult[];
  /** The step failed (rc != 0) yet changed the devices (or the resources of the domains) it touched. */
  partial: boolean;
  /** map_pirq: the pirq Xen mapped (PHYSDEVOP_map_pirq hands it back). */
  mappedPirq?: number;
  /** map_pirq with entry_nr (MAP_PIRQ_TYPE_MULTI_MSI): the entry_nr Xen hands back. */
  entryNr?: number;
  /** bind_pirq, evtchn_alloc_unbound, evtchn_bind_interdomain: the event channel port Xen handed back. */
  port?: number;
  /** evtchn_status: what EVTCHNOP_status answered. */
  status?: EvtchnStatus;
  /** A grant op's status (op->status: GNTST_*), beside rc, the hypercall's return (0). */
  gntst?: Gntst;
  /** get_device_group: the devices it listed (sdev_array), in Xen's order. */
  group?: string[];
  /** grant_map: the maptrack handle Xen handed back. */
  handle?: number;
  /** grant_setup_table, grant_query_size: nr_frames (and max_nr_frames) Xen answered. */
  frames?: number;
  maxFrames?: number;
  /** Why Xen's own checks refused the step, or left it without effect, with XSM allowing it (e.g.
   *  the caller does not hold the IRQ): every note, in the order they came (a libxl call that
   *  fails after Xen refused the hypercall adds its own); absent when none. */
  why?: string[];
  /** Checks and log lines in the order they happened (the trace prints them so). */
  events: StepEvent[];
}

export type StepEvent = { check: Explained } | { log: string } | { why: string };

export interface RunSummary {
  errors: number; // steps that returned an error
  stalePfs: number; // PFs a step asked to remove (or that vanished) that Xen still holds
  staleVfs: number; // VFs Xen holds unlinked from their PF, or asked to remove and still held
  broken: number;
  removed: number; // devices present at some point and gone at the end
  partial: number;
  expectFailures: number;
}

/** The devices behind RunSummary's counts, by SBDF: what --compare names per strategy. */
export interface RunLeftovers {
  stalePfs: string[];
  staleVfs: string[];
  broken: string[];
  removed: string[];
}

/** A domain at the end of a run: live, or destroyed by a step. */
export interface DomainState {
  name: string;
  domid: number;
  context?: string;
  live: boolean;
  /** Made by a create_domain step. */
  created?: boolean;
  hardware: boolean;
  control: boolean;
  /** Its passthrough resources (src/hypervisor/iocaps.ts), when a step touched them or it is a hardware domain. */
  io?: DomainIoState;
}

export interface RunResult {
  scenario: string;
  /** How PFs were removed: the run's strategy, or its release's (pre-links: Xen 4.19.0). */
  strategy: PfRemovalKind;
  /** The scenario's "xen": the release and what it does where releases differ (absent without one). */
  xen?: { release: XenRelease; vfWithoutPf: VfWithoutPf; assignCheck: AssignCheck; domctlNoDomain: DomctlNoDomain; pvhIrqs: PvhIrqs; mmioRemoval: MmioRemoval; ioportMapping: IoportMapping };
  /** What a reader should know about the run as a model of Xen (e.g. several hardware domains). */
  notes: string[];
  steps: StepResult[];
  state: { devices: DeviceState[]; domains: DomainState[] };
  summary: RunSummary;
  left: RunLeftovers;
  /** The AVC's statistics at the end (zeros for the dummy module). */
  avc: AvcStats;
}

export interface Prepared {
  scenario: Scenario;
  file: string;
  dir: string;
  /** The scenario's policy (flask). */
  policy?: CompiledPolicy;
  /** Its `platform` blocks (what --dot draws), a binary's rebuilt (platforms.ts); empty for dummy or a policy without any. */
  platforms: PlatformInfo[];
  /** What a binary could not tell of its platforms (their nesting), noted in every run. */
  platformNote?: string;
  /** load_policy steps by index: the compiled policy, or why it does not compile (`unread`: the
   *  reader could not read or build the file, and its diagnostics say so, naming it). */
  loads: Map<number, { policy?: CompiledPolicy; diagnostics: Diagnostic[]; unread?: true }>;
  /** The policies built from a tree (by image): where their rules came from, which the trace's
   *  reasons name. A policy.conf's rules are named by their own (#line-mapped) spans. */
  locators: Map<PolicyImage, LocateRule>;
}

/** A prepared scenario, or every error found while compiling its policies and checking its contexts. */
export type PrepareResult = Result<Prepared, ScenarioError[]>;

/** Compiles the policies a scenario names and checks every domain context against its policy.
 *  `read` defaults to the loader's (load.ts reads beside the file; the generator and the studio
 *  page pass their own). */
export function prepare(loaded: LoadedScenario, read: ReadPolicy | undefined = loaded.readPolicy): PrepareResult {
  const { scenario, dir, file } = loaded;
  const prepared: Prepared = { scenario, file, dir, platforms: [], loads: new Map(), locators: new Map() };
  if (scenario.xsm !== "flask") return ok(prepared);
  const errors: ScenarioError[] = [];
  if (!read) return fail([atPath("scenario", "/policy", "no way to read the policy files of this scenario")]);
  const mls = scenario.mls === true;
  const compiled = compileFile(read, dir, scenario.policy!, mls, prepared.locators);
  if (!compiled.policy) {
    // a scenario asks for MLS with "mls": true, as the CLI does with -M
    const hint = (d: Diagnostic) => (d.code === "mls-disabled" ? ' (set "mls": true in the scenario)' : "");
    // (a policy the reader could not read or build says so itself; a binary's diagnostics name
    // its file and offset, and a binary is loaded, not compiled)
    const verb = (d: Diagnostic) => (compiled.unread ? "" : d.byteSpan ? "cannot load: " : "does not compile: ");
    for (const d of compiled.diagnostics) errors.push(atPath("scenario", "/policy", `${verb(d)}${renderInline(d)}${hint(d)}`));
    return fail(errors);
  }
  // a binary's own MLS-ness against "mls": every policy the scenario names, before any context is read
  const mismatched = [mlsMismatch(scenario.mls, compiled, "/policy")];
  scenario.steps.forEach((s, i) => {
    if (s.op !== "load_policy") return;
    const load = compileFile(read, dir, s.policy, mls, prepared.locators);
    prepared.loads.set(i, load);
    mismatched.push(mlsMismatch(scenario.mls, load, `/steps/${i}/policy`));
  });
  errors.push(...mismatched.filter((e) => e !== undefined));
  if (mismatched[0] !== undefined) return fail(errors);
  prepared.policy = compiled.policy;
  prepared.platforms = compiled.platforms ?? [];
  if (compiled.platformNote !== undefined) prepared.platformNote = compiled.platformNote;
  scenario.domains.forEach((d, i) => {
    // (a domain without one: the checks report it, and prepareChecked prepares the rest)
    if (typeof d.context !== "string") return;
    const c = compiled.policy!.parseContext(d.context);
    if (!c.ok) errors.push(atPath("scenario", `/domains/${i}/context`, `invalid context ${JSON.stringify(d.context)} for this policy: ${compiled.policy!.explainContext(d.context) ?? c.error}`));
  });
  for (const [name, value] of Object.entries(scenario.booleans ?? {})) {
    const now = compiled.policy.getBoolean(name);
    if (now === undefined) errors.push(atPath("scenario", `/booleans/${name}`, `unknown boolean; the policy declares ${compiled.policy.booleanNames().join(", ") || "none"}`));
    else if (typeof value !== "boolean") errors.push(atPath("scenario", `/booleans/${name}`, "expected a boolean"));
  }
  return errors.length ? fail(errors) : ok(prepared);
}

/**
 * A binary policy that contradicts the scenario's "mls", at its JSON path. A binary says itself
 * whether it is MLS (POLICYDB_CONFIG_MLS), so a scenario without "mls" takes its word, as every
 * command takes a binary without -M; "mls": true is checkpolicy's -M, which `checkpolicy -b -M`
 * refuses for a binary that is not MLS (and so does `xsm compile -M`, src/cli/io.ts), and "mls": false
 * says the policies are not MLS. Either was ignored, and the run went on under the binary's own word.
 */
function mlsMismatch(mls: boolean | undefined, loaded: { policy?: CompiledPolicy; binary?: true }, path: string): ScenarioError | undefined {
  if (mls === undefined || !loaded.binary || loaded.policy === undefined || loaded.policy.mls === mls) return undefined;
  const message = mls
    ? `"mls" is true (checkpolicy -M), and this binary policy is not MLS: checkpolicy -b -M refuses it ("non-MLS policy, but MLS is specified"); name an MLS policy, or leave "mls" out if no policy.conf of the scenario needs it (a binary says itself whether it is MLS)`
    : `"mls" is false, and this binary policy is MLS; set "mls" to true, or leave it out (a binary says itself whether it is MLS)`;
  return atPath("scenario", path, message);
}

/** A policy file (source or binary) as Xen's security_load_policy takes it: what Xen's loader
 *  refuses (policydb.c) is refused here too, with Xen's log line. Its platforms: platforms.ts.
 *  A policy built from a tree (the reader's PolicySource) compiles its text under the name the
 *  reader gives; its diagnostics point into the tree and its locator is kept by image. */
function compileFile(
  read: ReadPolicy,
  dir: string,
  rel: string,
  mls: boolean,
  locators: Map<PolicyImage, LocateRule>,
): { policy?: CompiledPolicy; diagnostics: Diagnostic[]; platforms?: PlatformInfo[]; platformNote?: string; unread?: true; binary?: true } {
  let data: ReturnType<ReadPolicy>;
  try {
    data = read(dir, rel, { mls });
  } catch (err) {
    if (err instanceof PolicyError) return { diagnostics: err.diagnostics, unread: true };
    throw err;
  }
  const built = typeof data === "string" || data instanceof Uint8Array ? undefined : data;
  try {
    const name = built ? built.name : rel;
    const loaded = typeof data === "string" ? loadSource(data, rel, { asXen: true, mls }) : built ? loadSource(built.text, name, { asXen: true, mls }) : loadPolicyBytes(data as Uint8Array, rel, { asXen: true, mls });
    const { platforms, note } = policyPlatforms(loaded);
    if (built?.locate) locators.set(loaded.policy.image, built.locate);
    return { policy: loaded.policy, diagnostics: [], platforms, ...(note !== undefined ? { platformNote: note } : {}), ...(loaded.kernel !== undefined ? { binary: true as const } : {}) };
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    if (built?.diagnostic) return { diagnostics: err.diagnostics.map(built.diagnostic) };
    return { diagnostics: err.diagnostics };
  }
}


export interface RunOptions {
  /** Over the scenario's strategy and its release's PF removal. */
  strategy?: PfRemovalKind;
  /** Record partial states (steps that fail yet change devices): costs a look at the devices a step touches. */
  trackPartial?: boolean;
  /** Called every 1000 steps (long runs show progress on a terminal). */
  onProgress?: (done: number, total: number) => void;
  /** Stop after this step (numbered from 1): the state mid-scenario, e.g. for --dot. */
  until?: number;
  /** Which decisions carry reasons: the denied ones (default), all of them, or none (the fast path). */
  explain?: "denied" | "all" | "none";
  /** Run as this Xen release, not the scenario's "xen" (its own vfWithoutPf still wins); a note says so. */
  xen?: XenRelease;
}

/** Runs every step once, in order; never throws on what the scenario does. */
export function runPrepared(prepared: Prepared, opts: RunOptions = {}): RunResult {
  // the steps read which Xen they run from `xen`, never from the scenario's "xen"
  const xen = scenarioXen(prepared.scenario, opts.xen, opts.strategy);
  const s = prepared.scenario;
  const strategy = xen.pfRemoval;
  const world = new World(prepared);
  // each run starts from its own view: the prepared policies are images nobody changes
  const policy = prepared.policy && s.booleans ? prepared.policy.withBooleans(s.booleans) : prepared.policy;
  const xsm = createXsm({
    module: s.xsm,
    ...(policy ? { policy } : {}),
    enforcing: s.enforcing ?? true,
    iommu: s.iommu ?? "intremap",
    assignCheck: xen.assignCheck,
  });
  // the domains the scenario starts with exist before its first step: labelled now, under the
  // policy and booleans the scenario starts with
  for (const d of world.liveDomains()) xsm.module.domainStarted(d, d.target !== undefined ? world.byDomid(d.target) : undefined);
  let current: StepResult | undefined;
  const explainer = new Explainer(xsm, world.names(), opts.explain ?? "denied", (p) => prepared.locators.get(p.image));
  xsm.onCheck = (raw) => {
    if (!current) return;
    const check = explainer.explain(raw);
    current.decisions.push(check);
    current.events.push({ check });
    if (check.audit !== undefined) current.audit.push(check.audit);
  };
  const sbdfs = new SbdfCache();
  const specs = new Map((s.devices ?? []).map((d) => [sbdfs.key(d.sbdf), d]));
  const present = presentFunctions(s, (x) => sbdfs.key(x));
  const maxPorts = new Map(s.domains.flatMap((d) => (d.maxEvtchnPort !== undefined ? [[d.domid, d.maxEvtchnPort] as const] : [])));
  const specOf = new Map(s.domains.map((d) => [d.domid, d]));
  // the registry tells the resource model of a device freed (pci_cleanup_msi) or assigned
  // (pdev_msix_assign); `io` exists by the time any step runs
  let io!: IoCaps;
  const registry = new PciRegistry(xsm.module, world.table, {
    strategy,
    vfWithoutPf: xen.vfWithoutPf,
    log: (line) => {
      current?.log.push(line);
      current?.events.push({ log: line });
    },
    onFree: (bdf) => io.pciCleanupMsi(bdf),
    onAssign: (domid, bdf) => {
      const d = domid === DOM_IO.domid ? DOM_IO : world.byDomid(domid);
      return d ? io.msixAssign(d, bdf) : 0;
    },
    // Kconfig's IOMMU_QUARANTINE_BASIC, Xen's default in every release, the model's defaults too
    quarantine: s.quarantine ?? "basic",
    // deassign_device's "target = hardware_domain" in every release; adding-hwdom is the SVP extension
    deassignTo: s.deassignTo ?? "hardware_domain",
    // pci_add_device's "pdev->domain = hardware_domain" in every release; adding-hwdom is the SVP extension
    addTo: s.addTo ?? "hardware_domain",
    iommu: (s.iommu ?? "intremap") !== "none",
    pciBridge: (bdf) => specs.get(bdf)?.bridge,
    pci2pcieBridges: xen.pci2pcieBridges,
    pdevType: (bdf) => specs.get(bdf)?.type,
    devcapPhantom: (bdf) => specs.get(bdf)?.devcapPhantom,
    pciPhantom: phantomDevs(s.pciPhantom),
    functionPresent: (bdf) => present.has(bdf),
    onContext: (c) => {
      if (current) say(current, contextWhy(registry, c, (domid) => (world.byDomid(domid) ?? world.table.dying?.(domid))?.name ?? `d${domid}`));
    },
    iommuVendor: s.iommuVendor ?? "vtd",
    // absent, the table is not modelled (every device covered); given, it says who has an IOMMU
    ivrs: s.ivrs?.map((e) => ({ bdf: sbdfs.key(e.sbdf), ...(e.alias !== undefined ? { alias: sbdfs.key(e.alias) } : {}), ...(e.last !== undefined ? { last: sbdfs.key(e.last) } : {}) })),
  });
  io = new IoCaps(xsm.module, {
    iommu: s.iommu ?? "intremap",
    pvhIrqs: xen.pvhIrqs,
    mmioRemoval: xen.mmioRemoval,
    ioportMapping: xen.ioportMapping,
    log: (line) => {
      current?.log.push(line);
      current?.events.push({ log: line });
    },
    why: (why) => {
      if (current) say(current, why);
    },
    ownerOf: (bdf) => {
      const owner = registry.device(bdf)?.owner;
      return owner === undefined ? undefined : owner === null ? null : (world.byName(owner)?.domid ?? null);
    },
    msiVectors: (bdf) => specs.get(bdf)?.msi ?? 1,
    msix: (bdf) => {
      const m = specs.get(bdf)?.msix;
      return m ? { entries: m.entries, table: parseNum(m.table)!, pba: parseNum(m.pba)! } : undefined;
    },
    vfWithoutPf: (bdf) => {
      const dev = registry.device(bdf);
      if (dev?.kind !== "vf") return false;
      const physfn = registry.physfnOf(bdf)!;
      if (pfBySbdf(xen)) {
        // Xen 4.19.0 has no links: msix_capability_init finds the PF at the VF's physfn SBDF, if any
        const pf = registry.device(physfn);
        if (pf === undefined || pf.kind === "vf") return { physfn: key(physfn), why: "none" };
      } else if (dev.physfn === null) {
        // a stale VF is broken (its PF was removed); one added without its PF (add-pf-first) is not
        return dev.broken ? "gone" : "never";
      }
      return registry.vfBarsSized(physfn) ? false : { physfn: key(physfn), why: "unsized" };
    },
    maxEvtchnPort: (d) => maxPorts.get(d.domid),
    grants: {
      maxFrames: (d) => specOf.get(d.domid)?.maxGrantFrames,
      maxMaptrackFrames: (d) => specOf.get(d.domid)?.maxMaptrackFrames,
      // a dead domain's last mapped grant went and nothing else holds it: it is freed now
      freed: (d) => freeDomain(d, io, world, xsm),
    },
  });
  const withMsix = (d: DeviceState): DeviceState => {
    const m = io.msixState(sbdfs.key(d.sbdf));
    return m ? { ...d, msix: m } : d;
  };
  const deviceNow = (q: string) => {
    const d = registry.device(q);
    return d && withMsix(d);
  };
  const toolstack: Toolstack = {
    io,
    registry,
    device: (bdf) => specs.get(bdf),
    why: (text) => {
      if (current) say(current, text);
    },
    pvhIrqs: xen.pvhIrqs,
  };
  const trackPartial = opts.trackPartial ?? true;
  const key = (text: string) => sbdfs.key(text);
  const asked = new Set<number>(); // removal asked for, or hardware gone
  const seen = new Set<number>();
  const steps: StepResult[] = [];

  const last = Math.min(opts.until ?? s.steps.length, s.steps.length);
  s.steps.slice(0, last).forEach((step, i) => {
    const sbdf = "sbdf" in step ? sbdfs.text(step.sbdf) : null;
    const result = newStepResult(step, i, sbdf);
    current = result;
    const touched = trackPartial && sbdf ? touchedBy(registry, step, sbdf) : [];
    const before = touched.map((t) => fingerprint(registry.device(t)));
    const vanishing = step.op === "hot_unplug" && sbdf ? [sbdf, ...registry.linkedVfs(sbdf)] : [];
    const ioBefore = trackPartial && touchesResources(step) ? ioFingerprint(io, world, step) : undefined;
    result.rc = perform(step, i, sbdf === null ? -1 : key(sbdf), key, registry, io, toolstack, world, xsm, prepared, xen, result, (line) => {
      result.log.push(line);
      result.events.push({ log: line });
    });
    current = undefined;
    const failed = result.rc !== 0 || (result.gntst !== undefined && result.gntst !== "GNTST_okay");
    if (ioBefore !== undefined && failed && ioFingerprint(io, world, step as ResourceStep) !== ioBefore) result.partial = true;
    if (step.op === "set_bool" || step.op === "load_policy") explainer.policyChanged();
    if (result.rc !== 0 && touched.some((t, j) => fingerprint(registry.device(t)) !== before[j])) result.partial = true;
    // stale = Xen keeps a device that vanished, or that its hardware domain (allowed to ask) reported gone
    const refused = result.rc === "-EACCES" || result.rc === "-EPERM";
    for (const v of vanishing) asked.add(key(v));
    if (sbdf && step.op === "pci_remove_device" && !refused) asked.add(key(sbdf));
    if (sbdf && step.op === "pci_add_device" && result.rc === 0) {
      seen.add(key(sbdf)), asked.delete(key(sbdf));
      if (step.physfn) seen.add(key(step.physfn));
    }
    if (step.expect) result.expect = checkExpect(step.expect, result, deviceNow, (name) => world.ioOf(name, io), (name) => world.byName(name)?.domid);
    steps.push(result);
    if (opts.onProgress && (i + 1) % 1000 === 0) opts.onProgress(i + 1, last);
  });

  const devices = registry.devices().map(withMsix);
  const left = leftovers(devices, registry.hiddenPfs(), asked, seen, key);
  const summary = summarize(steps, left);
  const release = xen.release !== undefined ? { xen: { release: xen.release, vfWithoutPf: xen.vfWithoutPf, assignCheck: xen.assignCheck, domctlNoDomain: xen.domctlNoDomain, pvhIrqs: xen.pvhIrqs, mmioRemoval: xen.mmioRemoval, ioportMapping: xen.ioportMapping } } : {};
  return { scenario: s.name, strategy, ...release, notes: [...runNotes(s, xen), ...(prepared.platformNote !== undefined ? [prepared.platformNote] : [])], steps, state: { devices, domains: world.states(io) }, summary, left, avc: xsm.avcStats() };
}

function newStepResult(step: Step, i: number, sbdf: string | null): StepResult {
  const detail = detailOf(step);
  return {
    step: i + 1,
    written: step,
    as: step.as ?? null,
    op: step.op,
    sbdf,
    domain: "domain" in step ? (step.domain ?? null) : null,
    ...(detail !== undefined ? { detail } : {}),
    ...(step.note ? { note: step.note } : {}),
    rc: 0,
    decisions: [],
    log: [],
    audit: [],
    expect: [],
    partial: false,
    events: [],
  };
}

/** Xen has one hardware domain (xen/common/domain.c `hardware_domain`); the SVP topology, the
 *  research this simulator serves, has one per platform. A run with several says so. */
export function runNotes(s: Scenario, xen: ScenarioXen = scenarioXen(s)): string[] {
  const notes = xenNotes(xen);
  const hw = s.domains.filter((d) => d.hardware).map((d) => d.name);
  const svp = s.deassignTo === "adding-hwdom" ? [`deassignTo adding-hwdom: a device deassign_device does not quarantine goes back to the hardware domain that added it, an SVP extension; every release modelled sends it to its one hardware_domain (pci.c deassign_device: target = hardware_domain)`] : [];
  if (hw.length < 2) return [...notes, ...svp];
  return [
    ...notes,
    `${hw.length} hardware domains (${hw.join(", ")}): the SVP research topology; Xen upstream has exactly one hardware domain, so this run models a proposed design, not a shipping Xen`,
    ...svp,
  ];
}

/** What a run leaves behind, by SBDF. `hidden`: PF records out of the visible registry (`refcount`). */
function leftovers(devices: DeviceState[], hidden: string[], asked: Set<number>, seen: Set<number>, key: (t: string) => number): RunLeftovers {
  const visible = new Set(devices.map((d) => key(d.sbdf)));
  return {
    stalePfs: [...hidden, ...devices.filter((d) => d.kind === "pf" && asked.has(key(d.sbdf))).map((d) => d.sbdf)],
    staleVfs: devices.filter((d) => d.kind === "vf" && (d.physfn === null || asked.has(key(d.sbdf)))).map((d) => d.sbdf),
    broken: devices.filter((d) => d.broken).map((d) => d.sbdf),
    removed: [...seen].filter((k) => !visible.has(k)).sort((a, b) => a - b).map((k) => formatSbdf(k)),
  };
}

/** The --compare row of one run. */
function summarize(steps: StepResult[], left: RunLeftovers): RunSummary {
  return {
    errors: steps.filter((r) => r.rc !== 0).length,
    stalePfs: left.stalePfs.length,
    staleVfs: left.staleVfs.length,
    broken: left.broken.length,
    removed: left.removed.length,
    partial: steps.filter((r) => r.partial).length,
    expectFailures: steps.reduce((n, r) => n + r.expect.filter((e) => !e.ok).length, 0),
  };
}

/** Prepares and runs a loaded scenario; the library entry point for one scenario file. */
export function simulate(loaded: LoadedScenario, opts: RunOptions = {}): Result<RunResult, ScenarioError[]> {
  const p = prepare(loaded);
  return p.ok ? ok(runPrepared(p.value, opts)) : p;
}

// ---- one step ----------------------------------------------------------------------------------

function perform(
  step: Step,
  index: number,
  sbdf: number,
  key: (sbdf: string) => number,
  registry: PciRegistry,
  io: IoCaps,
  toolstack: Toolstack,
  world: World,
  xsm: Xsm,
  prepared: Prepared,
  xen: ScenarioXen,
  result: StepResult,
  log: (line: string) => void,
): Rc {
  const as = step.as !== undefined ? world.live(step.as) : undefined;
  if (step.as !== undefined && !as) return "-ESRCH"; // rcu_lock_domain_by_id() finds no such domain
  if (step.op === "create_domain") return createDomain(as!, world.byName(step.domain)!, (step.pci ?? []).map(key), registry, io, toolstack, world, xsm);
  if (isGrantStep(step)) return performGrant(step, as!, io, world, result);
  // rcu_lock_domain_by_id() and its kin find a dying domain (killed, not yet freed) too: the op
  // goes on, and refuses it (or not) where Xen's code tests d->is_dying
  const target = "domain" in step && step.domain !== undefined ? (namesDomIo(step) ? DOM_IO : world.find(step.domain)) : undefined;
  if ("domain" in step && step.domain !== undefined && !target) {
    // hvm_physdev_op's gate comes before do_physdev_op looks the domain up
    const gate = step.op === "map_pirq" || step.op === "unmap_pirq" ? io.hvmPhysdevOp(as!, step.op) : 0;
    if (gate !== 0) return gate;
    const missing = noDomain(step.op, as, xen);
    say(result, `no domain ${world.byName(step.domain)!.domid}: ${step.domain} is neither running nor dying (${missing.why})`);
    return missing.rc;
  }
  // no IOMMU for the domctl's domain (none on the host, or the domain made without one): why
  // iommu_do_domctl's -EOPNOTSUPP, or XSM before it
  const sayNoIommu = (r: StepResult, op: IommuDomctl, rc: Rc, d: Domain | undefined) => {
    const why = noIommuWhy(op, rc, xen, prepared.scenario.xsm, noIommuCause(registry, d), d !== undefined);
    if (why !== undefined) say(r, why);
  };
  switch (step.op) {
    case "pci_add_device": {
      const pfFirst = step.physfn !== undefined && xen.vfWithoutPf === "add-pf-first" && !registry.device(step.physfn);
      const covered = registry.ivrsCovers(sbdf);
      const phantomOf = registry.device(sbdf) ? undefined : registry.realDevice(sbdf);
      const rc = registry.addDevice(as!, sbdf, step.physfn !== undefined || step.extfn ? { physfn: step.physfn, extfn: step.extfn } : undefined);
      const ivrs = ivrsAddWhy(registry, formatSbdf(sbdf), rc, covered);
      if (ivrs !== undefined) say(result, ivrs);
      if (pfFirst && result.decisions.length > 0) say(result, pfFirstWhy(xenLabel(xen, "vfWithoutPf add-pf-first"), step.physfn!, registry.device(step.physfn!) !== undefined, rc));
      phantomRecordWhy((why) => say(result, why), registry, sbdf, rc, phantomOf);
      if (rc === 0) phantomAddWhy((why) => say(result, why), registry, sbdf, prepared.scenario.devices?.find((d) => key(d.sbdf) === sbdf)?.devcapPhantom);
      return rc;
    }
    case "pci_remove_device": {
      const unowned = registry.iommuRefused(sbdf);
      const rc = registry.removeDevice(as!, sbdf);
      if (unowned && rc === "-EINVAL") say(result, iommuRefusedWhy(formatSbdf(sbdf), "remove"));
      return rc;
    }
    case "assign_device": {
      const from = registry.device(sbdf)?.owner;
      const rc = registry.assignDevice(as!, target!, sbdf);
      if (rc === "-EBUSY" && registry.iommuRefused(sbdf)) say(result, iommuRefusedWhy(formatSbdf(sbdf), "assign"));
      if (rc === "-EPERM" && registry.deviceType(sbdf) === "host-bridge" && registry.iommuVendor() === "vtd") say(result, hostBridgeWhy(formatSbdf(sbdf), target!.name, registry.quarantine()));
      if (rc === 0) assignWhy((why) => say(result, why), prepared.scenario, target!, from);
      if (rc === 0) phantomMoveWhy((why) => say(result, why), registry, sbdf, "assign");
      phantomLookupWhy((why) => say(result, why), registry, sbdf, rc);
      const sharedA = rc === 0 ? sharedDteWhy(registry, sbdf, target!.name) : undefined;
      if (sharedA !== undefined) say(result, sharedA);
      sayNoIommu(result, "assign_device", rc, target!);
      const dying = world.isDying(target!.domid);
      if (xen.assignCheck === "xsm_domctl" && (dying || target!.domid === as!.domid)) say(result, xsa492Why(xenLabel(xen, "assignCheck xsm_domctl"), prepared.scenario.xsm, "assign", dying ? "a dying domain (d->is_dying)" : "self-assignment", rc));
      else if (rc === "-EINVAL" && dying) say(result, `${target!.name} is dying: XEN_DOMCTL_assign_device finds it, and iommu_do_pci_domctl refuses a dying domain (d->is_dying) before xsm_assign_device`);
      else if (rc === "-EINVAL" && xen.release !== undefined && target!.domid === as!.domid) say(result, beforeXsa492Why(xen.release, prepared.scenario.xsm, "assign", "self-assignment"));
      return rc;
    }
    case "deassign_device": {
      const reason = registry.quarantineOf(sbdf);
      const rc = registry.deassignDevice(as!, target!, sbdf);
      if (rc === 0) deassignWhy((why) => say(result, why), registry, sbdf, target!, reason);
      if (rc === 0) phantomMoveWhy((why) => say(result, why), registry, sbdf, "deassign");
      phantomLookupWhy((why) => say(result, why), registry, sbdf, rc);
      if (rc === "-EPERM" && reason !== undefined && registry.deviceType(sbdf) === "host-bridge" && registry.device(sbdf)?.owner === target!.name) say(result, hostBridgeDeassignWhy([formatSbdf(sbdf)], target!.name, false));
      const sharedD = rc === 0 ? sharedDteWhy(registry, sbdf, registry.device(sbdf)?.owner ?? "no one") : undefined;
      if (sharedD !== undefined) say(result, sharedD);
      sayNoIommu(result, "deassign_device", rc, target!);
      if (xen.assignCheck === "xsm_domctl" && target!.domid === as!.domid) say(result, xsa492Why(xenLabel(xen, "assignCheck xsm_domctl"), prepared.scenario.xsm, "deassign", "self-deassignment", rc));
      else if (rc === "-EINVAL" && xen.release !== undefined && target!.domid === as!.domid) say(result, beforeXsa492Why(xen.release, prepared.scenario.xsm, "deassign", "self-deassignment"));
      if (rc === "-ENODEV" && world.isDying(target!.domid)) say(result, `${target!.name} is dying: its devices went back at domain_kill (pci_release_devices), so deassign_device finds none of it (pci_get_pdev(d))`);
      return rc;
    }
    case "setup_device":
      return registry.setupDevice(as!, sbdf);
    case "test_assign_device": {
      const rc = registry.testAssignDevice(as!, sbdf, target);
      if (rc === "-EINVAL" && registry.iommuRefused(sbdf)) say(result, iommuRefusedWhy(formatSbdf(sbdf), "test_assign"));
      phantomLookupWhy((why) => say(result, why), registry, sbdf, rc);
      sayNoIommu(result, "test_assign_device", rc, target);
      if (rc === "-EINVAL" && target !== undefined && target.domid === as!.domid) say(result, `iommu_do_pci_domctl refuses self-assignment for XEN_DOMCTL_test_assign_device too ("Don't support self-assignment of devices."), ${xen.assignCheck === "xsm_domctl" ? "after xsm_domctl's flask_assign_device checks (XSA-492)" : "before xsm_assign_device"}`);
      return rc;
    }
    case "get_device_group":
      return deviceGroup(as!, target!, sbdf, step.max_sdevs ?? MAX_SDEVS, registry, prepared.scenario, xen, (why) => say(result, why), (sdevs) => (result.group = sdevs));
    case "hot_unplug":
      return registry.hotUnplug(sbdf);
    case "destroy_domain":
      return destroyDomain(as, target!, registry, io, world, xsm, result);
    case "set_target":
      return setTarget(as!, target!, step.target, world, xsm, xen, (why) => say(result, why));
    case "set_bool": {
      // flask_op setbool + commitbools: all or nothing
      const values = { ...(step.bools ?? {}), ...(step.name !== undefined ? { [step.name]: step.value! } : {}) };
      const unknown = Object.keys(values).filter((b) => xsm.getBool(b) === undefined);
      if (unknown.length) {
        log(`flask: unknown boolean ${unknown.join(", ")}`);
        return "-ENOENT";
      }
      for (const [b, v] of Object.entries(values)) xsm.setBool(b, v);
      return xsm.commitBools();
    }
    case "load_policy": {
      const load = prepared.loads.get(index)!;
      const res = load.policy ? xsm.loadCompiledPolicy(load.policy) : { rc: "-EINVAL" as const, diagnostics: load.diagnostics };
      // a SID left with an attribute as its type is no line of Xen's (it prints nothing): the trace
      // says it as the step's why. A diagnostic names its own file and place; the step's policy
      // is named for one that has none (Xen's refusal of a context), unless the reader's words
      // name it already
      const policy = load.unread ? undefined : step.policy;
      for (const d of res.diagnostics) {
        if (d.code === "xsm-attribute-context") say(result, renderInline(d, policy));
        else log(`flask: ${renderInline(d, policy)}`);
      }
      if (res.rc === 0) log(`flask: policy ${step.policy} loaded`);
      return res.rc;
    }
    case "set_enforcing":
      return xsm.setEnforcing(step.enforcing);
    case "irq_permission":
      return io.irqPermission(as!, target!, step.pirq, step.allow);
    case "gsi_permission":
      return io.gsiPermission(as!, target!, step.gsi, step.allow ? 1 : 0);
    case "iomem_permission":
      return io.iomemPermission(as!, target!, parseNum(step.first_mfn)!, parseNum(step.nr_mfns)!, step.allow);
    case "ioport_permission":
      return io.ioportPermission(as!, target!, parseNum(step.first_port)!, parseNum(step.nr_ports)!, step.allow);
    case "memory_mapping":
      return io.memoryMapping(as!, target!, parseNum(step.first_gfn)!, parseNum(step.first_mfn)!, parseNum(step.nr_mfns)!, step.add);
    case "ioport_mapping":
      return io.ioportMapping(as!, target!, parseNum(step.first_gport)!, parseNum(step.first_mport)!, parseNum(step.nr_ports)!, step.add);
    case "map_pirq": {
      const source =
        step.msi === undefined
          ? { gsi: step.gsi! }
          : {
              msi: key(step.msi),
              ...(step.entry_nr !== undefined ? { nr: step.entry_nr } : {}),
              ...(step.msix_entry !== undefined ? { msix: { entry: step.msix_entry, tableBase: step.table_base !== undefined ? parseNum(step.table_base)! : parseNum(toolstack.device(key(step.msi))!.msix!.table)! } } : {}),
            };
      const mapped = io.mapPirq(as!, target!, source, step.pirq ?? -1);
      if (mapped.pirq !== undefined) result.mappedPirq = mapped.pirq;
      if (mapped.entries !== undefined) result.entryNr = mapped.entries;
      return mapped.rc;
    }
    case "unmap_pirq":
      return io.unmapPirq(as!, target!, step.pirq);
    case "bind_pt_irq":
      return io.bindPtIrq(as!, target!, step.machine_irq, guestIntx(step), step.gtable !== undefined ? parseNum(step.gtable) : undefined);
    case "unbind_pt_irq":
      return io.unbindPtIrq(as!, target!, step.machine_irq, guestIntx(step));
    case "pci_attach":
      return pciAttach(toolstack, as!, target!, sbdf);
    case "pci_detach":
      return pciDetach(toolstack, as!, target!, sbdf);
    case "bind_pirq": {
      const bound = io.bindPirq(as!, step.pirq, step.share ?? false);
      if (bound.port !== undefined) result.port = bound.port;
      return bound.rc;
    }
    case "evtchn_close":
      return io.evtchn.close(as!, step.port);
    case "evtchn_alloc_unbound": {
      // the remote domain is named, not looked up: Xen records its domid (flask looks it up)
      const remote = world.byName(step.remote)!;
      const made = io.evtchn.allocUnbound(as!, target ?? as!, remote.domid, world.find(step.remote));
      if (made.port !== undefined) result.port = made.port;
      return made.rc;
    }
    case "evtchn_bind_interdomain": {
      const rd = world.find(step.remote);
      if (!rd) {
        // rcu_lock_domain_by_any_id(rdom) finds none
        say(result, `${step.remote} is not running: there is no channel of it to bind`);
        return "-ESRCH";
      }
      const bound = io.evtchn.bindInterdomain(as!, rd, step.remote_port);
      if (bound.port !== undefined) result.port = bound.port;
      return bound.rc;
    }
    case "evtchn_send":
      return io.evtchn.send(as!, step.port);
    case "evtchn_status": {
      const st = io.evtchn.status(as!, target ?? as!, step.port);
      if (st.status !== undefined) result.status = st.status;
      return st.rc;
    }
    case "evtchn_reset":
      return io.evtchn.reset(as!, target ?? as!);
    case "unmask_gsi":
      return io.hwdomUnmaskGsi(as!, step.gsi);
    case "prepare_msix":
    case "release_msix":
      return io.prepareMsix(as!, sbdf, step.op === "release_msix");
    case "msix_maskall":
      return io.msixControlWrite(as!, sbdf, step.maskall);
  }
}

/** How a step's hypercall looks up the domain it names (the one that holds a domid). */
const LOOKUP: Partial<Record<Step["op"], string>> = {
  map_pirq: "PHYSDEVOP_map_pirq",
  unmap_pirq: "PHYSDEVOP_unmap_pirq",
  evtchn_alloc_unbound: "EVTCHNOP_alloc_unbound",
  evtchn_status: "EVTCHNOP_status",
  evtchn_reset: "EVTCHNOP_reset",
};

/**
 * What a step naming a domain that is neither running nor dying returns. The physdev and event
 * channel ops look it up with rcu_lock_domain_by_any_id before their XSM checks: -ESRCH to anyone.
 * The domctls (and libxl's pci-attach/detach, whose first call is xc_domain_getinfo_single's
 * XEN_DOMCTL_getdomaininfo) meet do_domctl's rcu_lock_domain_by_id before xsm_domctl: -ESRCH,
 * until a89ca78901 (4.22.0) has it answer -EPERM to a caller that is not the control domain.
 */
function noDomain(op: Step["op"], as: Domain | undefined, xen: ScenarioXen): { rc: Rc; why: string } {
  const call = LOOKUP[op];
  if (call !== undefined) return { rc: "-ESRCH", why: `${call}'s rcu_lock_domain_by_any_id finds none, before any XSM check: -ESRCH to any caller` };
  // a destroy_domain without a caller is no hypercall: there is nothing to die
  if (as === undefined) return { rc: "-ESRCH", why: "rcu_lock_domain_by_id finds none" };
  const via = op === "pci_attach" || op === "pci_detach" ? "libxl's first call, xc_domain_getinfo_single, is XEN_DOMCTL_getdomaininfo: " : "";
  const who = xenLabel(xen, "the model's default, as Xen 4.19-4.21");
  if (xen.domctlNoDomain === "esrch") return { rc: "-ESRCH", why: `${via}do_domctl's rcu_lock_domain_by_id finds none, before xsm_domctl: -ESRCH to any caller (${who}; a89ca78901, Xen 4.22.0, made it -EPERM to one that is not the control domain)` };
  if (as.control) return { rc: "-ESRCH", why: `${via}do_domctl's rcu_lock_domain_by_id finds none, before xsm_domctl: ${who} says -ESRCH to the control domain (a89ca78901; -EPERM to any other caller)` };
  return { rc: "-EPERM", why: `${via}do_domctl's rcu_lock_domain_by_id finds none, before xsm_domctl: ${who} says -EPERM to ${as.name}, which is not the control domain (a89ca78901: an unprivileged caller learns nothing of which domains exist, as the XSM check would refuse it; -ESRCH before 4.22.0)` };
}

/** A bind's PT_IRQ_TYPE_PCI side, when the step gives it. */
const guestIntx = (s: { device?: number; intx?: number }): GuestIntx | undefined => (s.device !== undefined && s.intx !== undefined ? { device: s.device, intx: s.intx } : undefined);

type ResourceStep = Step & { op: ResourceOp | "pci_attach" | "pci_detach" };
const RESOURCE = new Set<string>([...RESOURCE_OPS, "pci_attach", "pci_detach"]);
type GrantStep = Extract<Step, { op: `grant_${string}` }>;
const isGrantStep = (step: Step): step is GrantStep => step.op.startsWith("grant_");

/** A grant table step. The hypercalls return 0 and report in op->status (result.gntst); the
 *  domain a grant op names is looked up as Xen does (rcu_lock_domain_by_id: a dying domain, one
 *  whose grants are still mapped or a device model holds, is found), not refused -ESRCH. */
function performGrant(step: GrantStep, as: Domain, io: IoCaps, world: World, result: StepResult): Rc {
  const grants = io.grants;
  const find = (name: string) => ({ domid: world.byName(name)!.domid, d: world.find(name) });
  switch (step.op) {
    case "grant_access":
      return grants.access(as, step.ref, world.byName(step.domain)!.domid, parseNum(step.frame)!, step.readonly ?? false);
    case "grant_end_access":
      return grants.access(as, step.ref, undefined, 0, false);
    case "grant_map": {
      const rd = find(step.domain);
      const r = grants.map(as, rd.d, rd.domid, step.ref, step.readonly ?? false);
      result.gntst = r.status;
      if (r.handle !== undefined) result.handle = r.handle;
      return 0;
    }
    case "grant_unmap":
      result.gntst = grants.unmap(as, step.handle).status;
      return 0;
    case "grant_setup_table": {
      const d = step.domain !== undefined ? find(step.domain) : { domid: as.domid, d: as };
      const r = grants.setupTable(as, d.d, d.domid, step.nr_frames);
      result.gntst = r.status;
      if (r.frames !== undefined) result.frames = r.frames;
      return 0;
    }
    case "grant_copy": {
      // a side without a domain is DOMID_SELF: the caller
      const side = (p: CopyPtr): CopySide => {
        const d = p.domain !== undefined ? find(p.domain) : { domid: as.domid, d: as };
        return { name: p.domain ?? as.name, domid: d.domid, d: d.d, self: p.domain === undefined, offset: p.offset ?? 0, ...(p.ref !== undefined ? { ref: p.ref } : { frame: parseNum(p.frame!)! }) };
      };
      result.gntst = grants.copy(as, side(step.source), side(step.dest), step.len).status;
      return 0;
    }
    case "grant_query_size": {
      const d = step.domain !== undefined ? find(step.domain) : { domid: as.domid, d: as };
      const r = grants.querySize(as, d.d, d.domid);
      result.gntst = r.status;
      if (r.frames !== undefined) result.frames = r.frames;
      if (r.maxFrames !== undefined) result.maxFrames = r.maxFrames;
      return 0;
    }
  }
}

const touchesResources = (step: Step): step is ResourceStep => RESOURCE.has(step.op);

/** The resources of the domains a resource step touches (the caller's, the target's, and with an
 *  MSI the IRQs made): what must be unchanged when the step fails. */
function ioFingerprint(io: IoCaps, world: World, step: ResourceStep): string {
  const doms = [step.as, "domain" in step ? step.domain : undefined, "remote" in step ? step.remote : undefined, ...("source" in step ? [step.source.domain, step.dest.domain] : [])].map((n) => (n === undefined ? undefined : world.find(n))).filter((d): d is Domain => d !== undefined);
  return JSON.stringify(doms.map((d) => io.state(d)));
}

/**
 * `xl create` of a declared domain, the hypercalls libxl makes for it (libxl_create.c and
 * libxl_dom.c: libxl__domain_make, libxl__build_pre, the xenstore and console rings, the PCI
 * devices, unpause), each with its XSM hook. A failure after XEN_DOMCTL_createdomain makes libxl
 * destroy the half-built domain (libxl__destroy_domid), itself a checked domctl.
 */
function createDomain(as: Domain, d: Domain, pci: number[], registry: PciRegistry, io: IoCaps, toolstack: Toolstack, world: World, xsm: Xsm): Rc {
  if (world.byDomid(d.domid)) return "-EEXIST"; // domid_alloc(): the domid is in use
  const holder = world.heldBy(d.domid);
  if (holder) {
    toolstack.why(`domid ${d.domid} is still allocated: the destroyed ${d.name} is dying but not freed while its device model ${holder.name} holds it (XEN_DOMCTL_set_target's reference on d->target, put when ${holder.name} is destroyed; domid_alloc finds the domid in use)`);
    return "-EEXIST";
  }
  if (io.grants.dying(d.domid)) {
    toolstack.why(`domid ${d.domid} is still allocated: the destroyed ${d.name} is dying but not freed while others map its grants (its pages hold it until they unmap)`);
    return "-EEXIST";
  }
  const hooks = xsm.module;
  const rc = hooks.domainCreate(as, d);
  if (rc !== 0) return rc;
  world.create(d);
  const target = d.target !== undefined ? world.byDomid(d.target) : undefined;
  // the xenstore ring's channel is bound by xenstored's domain, the console's by the toolstack's
  const xenstore = world.xenstore() ?? as;
  const calls: (() => Rc)[] = [
    ...(d.target !== undefined ? [() => (target ? hooks.setTarget(as, d, target, () => targetRefusal(d, target, false)) : "-ESRCH")] : []),
    () => hooks.domctl(as, d, "max_mem"),
    () => io.evtchn.allocUnbound(as, d, xenstore.domid, xenstore).rc,
    () => io.evtchn.allocUnbound(as, d, as.domid, as).rc,
    // libxl's pci_add_dm_done per device: its BARs and IRQ (when the scenario gives them), then assign_device
    ...pci.map((sbdf) => () => pciAttach(toolstack, as, d, sbdf)),
    () => hooks.domctl(as, d, "unpausedomain"),
  ];
  for (const call of calls) {
    const failed = call();
    if (failed !== 0) {
      destroyDomain(as, d, registry, io, world, xsm);
      return failed;
    }
  }
  return 0;
}

/** do_domctl's own refusals of XEN_DOMCTL_set_target, in its order: `d` cannot serve itself, only an
 *  HVM guest has a device model (is_hvm_domain), and before XSA-492 a domain whose d->target is set
 *  (`early`: checked with them, before xsm_set_target). */
function targetRefusal(d: Domain, e: Domain, early: boolean): Rc {
  if (d.domid === e.domid) return "-EINVAL";
  if (early && d.target !== undefined) return "-EINVAL";
  return e.hvm ? 0 : "-EOPNOTSUPP";
}

/**
 * XEN_DOMCTL_set_target: `d` (the domctl's domain, found by do_domctl) becomes the device model of
 * the domain named `targetName` (get_domain_by_id, which finds a dying one too). Read at the tags'
 * common/domctl.c: up to 4.19.5, 4.20.3 and 4.21.1 it is handled after xsm_domctl, and refuses a
 * missing target (-ESRCH), itself or a domain with a target (-EINVAL) and a non-HVM target
 * (-EOPNOTSUPP) before xsm_set_target (XSM_HOOK); from 4.19.6, 4.20.4, 4.21.2 and 4.22.0 (XSA-492)
 * before xsm_domctl, the same refusals but the target already set, then xsm_set_target (XSM_PRIV),
 * then cmpxchgptr(&d->target, NULL, e) makes that one -EINVAL: after flask_set_target has set d's
 * target_sid from `e`, which Xen does not undo.
 */
function setTarget(as: Domain, d: Domain, targetName: string, world: World, xsm: Xsm, xen: ScenarioXen, say: (why: string) => void): Rc {
  const xsa492 = xen.assignCheck === "xsm_domctl";
  const who = xenLabel(xen, xsa492 ? "assignCheck xsm_domctl" : "the model's defaults");
  const e = world.find(targetName);
  const had = d.target !== undefined ? world.names()(d.target) ?? `domain ${d.target}` : undefined;
  const refusal = (): Rc => {
    if (e === undefined) return "-ESRCH";
    return targetRefusal(d, e, !xsa492);
  };
  const rc = xsm.module.setTarget(as, d, e ?? d, refusal);
  const first = xsa492 ? "before any XSM question (XSA-492 handles the command before xsm_domctl)" : `after do_domctl's xsm_domctl (${xsm.module.name === "flask" ? "flask_domctl asks nothing for it" : "dummy.h's XSM_PRIV"}), before xsm_set_target`;
  if (rc === "-ESRCH" && e === undefined) {
    say(`get_domain_by_id finds no domain ${world.byName(targetName)!.domid}: ${targetName} is neither running nor dying; -ESRCH ${first}`);
    return rc;
  }
  if (e === undefined) return rc; // XSM refused before the lookup's answer mattered
  if (rc === "-EINVAL" && d.domid === e.domid) {
    say(`${d.name} cannot be its own device model (d == e): -EINVAL ${first}`);
    return rc;
  }
  if (rc === "-EINVAL" && !xsa492 && had !== undefined) {
    say(`${who}: ${d.name} is the device model of ${had} already (d->target is set): -EINVAL ${first}, so nothing more is asked; since XSA-492 (4.19.6, 4.20.4, 4.21.2, 4.22.0) xsm_set_target is asked first and the -EINVAL comes after it`);
    return rc;
  }
  if (rc === "-EOPNOTSUPP") {
    say(`${e.name} is not an HVM guest (is_hvm_domain(e)): only an HVM guest has a device model; -EOPNOTSUPP ${first}`);
    return rc;
  }
  if (rc !== 0) return rc;
  if (had !== undefined) {
    // cmpxchgptr(&d->target, NULL, e): the hook's work stands
    const relabel = xsm.module.name === "flask" ? `; flask_set_target has already set ${d.name}'s target_sid from ${e.name} and nothing undoes it: ${d.name}'s view of ${had}, its d->target still, now carries the label computed for ${e.name}` : "";
    say(`${who}: xsm_set_target passed, then cmpxchgptr(&d->target, NULL, e) finds ${d.name}'s target (${had}) set: -EINVAL (XSA-492 moved the test after the hook)${relabel}`);
    return "-EINVAL";
  }
  world.retarget(d, e);
  return 0;
}

/** XEN_DOMCTL_destroydomain when a domain asks (`as`), then domain_kill: devices return to their
 *  hardware domain (pci_release_devices), its channels close. Without `as` the domain dies on its
 *  own (shutdown, crash) and nothing is checked. The domain is freed (its domid and labels go:
 *  _domain_destroy) when the last reference goes: at once, unless a live device model holds it as
 *  its target; then when that device model is freed. */
function destroyDomain(as: Domain | undefined, d: Domain, registry: PciRegistry, io: IoCaps, world: World, xsm: Xsm, result?: StepResult): Rc {
  if (as) {
    const rc = xsm.module.domctl(as, d, "destroydomain");
    if (rc !== 0) return rc;
  }
  const relinquishing = world.relinquishing(d.domid);
  if (world.isDying(d.domid) && !relinquishing) {
    // domain_kill() of a DOMDYING_dead domain does nothing
    if (result) say(result, `${d.name} is dying already (destroyed, not yet freed: ${world.holdersOf(d.domid, io)}): domain_kill() of a dead domain does nothing`);
    return 0;
  }
  // pci_release_devices() deassigns each device of the domain: under quarantine to dom_io
  const held = registry.devices().filter((x) => x.owner === d.name);
  const quarantined = held.filter((x) => registry.quarantineOf(x.sbdf) !== undefined);
  const because = quarantined.length > 0 ? quarantineText(registry, quarantined[0]!.sbdf) : "";
  const released = registry.removeDomain(d.domid);
  if (released !== 0) {
    // domain_kill() stops in domain_relinquish_resources (DOMDYING_dying): d stays dying, holding them
    if (!relinquishing) {
      io.kill(d, true, false);
      world.destroy(d);
      world.markDying(d, true);
    }
    if (result) {
      const kept = registry.devices().filter((x) => x.owner === d.name);
      if (registry.iommuEnabled(d)) {
        sayReleased(result, registry, held.filter((x) => !kept.some((k) => k.sbdf === x.sbdf)), quarantined, because);
        say(result, hostBridgeDeassignWhy(kept.map((x) => x.sbdf), d.name, true));
      } else say(result, releaseFailedWhy(d, held.map((x) => x.sbdf), noIommuCause(registry, d) ?? "no IOMMU", relinquishing));
    }
    return released;
  }
  world.markDying(d, false);
  if (result) sayReleased(result, registry, held, quarantined, because);
  const dm = world.liveDomains().find((x) => x.target === d.domid);
  const dying = io.kill(d, dm !== undefined);
  world.destroy(d);
  if (dm) world.hold(d, dm);
  if (dying) world.markDying(d, false);
  else freeDomain(d, io, world, xsm);
  // complete_domain_destroy(): put_domain(d->target) frees a target this one held (unless
  // mapped grants still hold it too)
  for (const held of world.release(d)) if (io.grants.release(held.domid)) freeDomain(held, io, world, xsm);
  return 0;
}

/** phantom_devs[]: the pci-phantom= occurrences parse_phantom_dev accepts (validate.ts refused the others). */
function phantomDevs(values: readonly string[] | undefined): PhantomDev[] {
  const out: PhantomDev[] = [];
  for (const v of values ?? []) {
    const p = parsePhantomDev(v, out.length);
    if (p.ok) out.push(p.value);
  }
  return out;
}

/** What pci_release_devices did with the devices it moved (`moved`; `quarantined`: those it sends to
 *  dom_io, as quarantineOf said before the teardown, and `because` why). */
function sayReleased(result: StepResult, registry: PciRegistry, moved: DeviceState[], quarantined: DeviceState[], because: string): void {
  const toIo = quarantined.filter((x) => moved.includes(x));
  if (toIo.length > 0) say(result, `pci_release_devices: deassign_device sends ${toIo.map((x) => x.sbdf).join(", ")} to dom_io (${because}), not back to a hardware domain`);
  const where = new Map<string, string[]>();
  for (const x of moved) {
    if (toIo.includes(x)) continue;
    const text = hardwareDomainText(registry, x.sbdf);
    where.set(text, [...(where.get(text) ?? []), x.sbdf]);
  }
  for (const [text, sbdfs] of where) say(result, `pci_release_devices: deassign_device gives ${sbdfs.join(", ")} ${text}`);
  for (const x of toIo) {
    const shared = sharedDteWhy(registry, x.sbdf, DOM_IO.name);
    if (shared !== undefined) say(result, shared);
  }
}

/** The last reference to a destroyed domain went: _domain_destroy frees it (its resources, its
 *  labels, its domid). */
/** pci_release_devices() failed: deassign_device() is -EINVAL for a domain without an IOMMU
 *  (pci.c, arch/x86/domain.c and common/domain.c at RELEASE-4.19.0 .. 4.22.0 and master). */
function releaseFailedWhy(d: Domain, sbdfs: string[], cause: string, again: boolean): string {
  const devices = sbdfs.join(", ");
  const stuck = `domain_relinquish_resources returns it at its first step, so domain_kill stops: XEN_DOMCTL_destroydomain is -EINVAL, and ${d.name} stays dying (DOMDYING_dying), holding ${devices}, its memory not relinquished; a destroydomain again runs pci_release_devices again, and fails the same way until the devices are removed (pci_remove_device)`;
  const first = again ? `${d.name} is dying, stopped at pci_release_devices: domain_kill runs it again, and ` : "pci_release_devices: ";
  return `${first}deassign_device returns -EINVAL for ${devices} before it looks at a device, as ${d.name} has ${cause.startsWith("no IOMMU") ? "no IOMMU (iommu none)" : `no IOMMU: ${cause}`} (is_iommu_enabled(d) false); each goes back on ${d.name}'s device list and the first error is pci_release_devices' answer. ${stuck}`;
}

function freeDomain(d: Domain, io: IoCaps, world: World, xsm: Xsm): void {
  io.free(d);
  world.freed(d);
  xsm.module.domainDestroyed(d);
}

/** add-pf-first: what became of the PF pci_add_device added before the VF (Xen 4.19.0). */
function pfFirstWhy(who: string, physfn: string, pfThere: boolean, rc: Rc): string {
  if (pfThere) return `${who}: the PF ${physfn} was not there, so pci_add_device added it first, as a device of its own (its own plug check)${rc !== 0 ? "; it stays, though the VF's add failed" : ""}`;
  return `${who}: pci_add_device tried to add the PF ${physfn} first and ignored its failure; ${rc === 0 ? "the VF is added all the same, with no PF" : "the VF's own add failed too"}`;
}

/** XSA-492's order: the assignment domctl's checks before iommu_do_pci_domctl's refusal. */
function xsa492Why(who: string, module: Scenario["xsm"], op: "assign" | "deassign", refusal: string, rc: Rc): string {
  const checks = module === "flask" ? `flask_domctl's flask_${op}_device checks` : "dummy.h's xsm_domctl (XSM_PRIV, no xsm_" + op + "_device any more)";
  const outcome = rc === "-EINVAL" ? "they passed, so the refusal is -EINVAL" : `they answered ${rc}, which Xen returns before the refusal`;
  return `${who} asks XSM from xsm_domctl (XSA-492, eab54f074f): ${checks} come before iommu_do_pci_domctl refuses ${refusal}; ${outcome} (before XSA-492 the refusal came first, and flask asked nothing)`;
}

/** The order before XSA-492, said only when the scenario names its Xen (the default's traces stay as they were). */
function beforeXsa492Why(release: string, module: Scenario["xsm"], op: "assign" | "deassign", refusal: string): string {
  const asked = module === "flask" ? "flask asks nothing (flask_domctl leaves the command to the hook)" : "only do_domctl's xsm_domctl (XSM_PRIV) was asked";
  return `Xen ${release}: iommu_do_pci_domctl refuses ${refusal} before xsm_${op}_device, so ${asked}; since XSA-492 (4.19.6, 4.20.4, 4.21.2, 4.22.0) XSM answers first`;
}

/** A why of the step, after any it has (the trace prints it where it happened). */
function say(result: StepResult, why: string): void {
  (result.why ??= []).push(why);
  result.events.push({ why });
}

function detailOf(step: Step): string | undefined {
  switch (step.op) {
    case "set_bool":
      return Object.entries({ ...(step.bools ?? {}), ...(step.name !== undefined ? { [step.name]: step.value } : {}) }).map(([k, v]) => `${k}=${v}`).join(" ");
    case "load_policy":
      return step.policy;
    case "set_enforcing":
      return `enforcing=${step.enforcing ? 1 : 0}`;
    case "irq_permission":
      return `pirq ${step.pirq} ${step.allow ? "allow" : "deny"}`;
    case "gsi_permission":
      return `gsi ${step.gsi} ${step.allow ? "grant" : "revoke"}`;
    case "iomem_permission":
      return `mfn ${hexRange(step.first_mfn, step.nr_mfns)} ${step.allow ? "allow" : "deny"}`;
    case "ioport_permission":
      return `port ${hexRange(step.first_port, step.nr_ports)} ${step.allow ? "allow" : "deny"}`;
    case "memory_mapping":
      return `mfn ${hexRange(step.first_mfn, step.nr_mfns)} at gfn ${hex(parseNum(step.first_gfn))} ${step.add ? "add" : "remove"}`;
    case "ioport_mapping":
      return `port ${hexRange(step.first_mport, step.nr_ports)} at ${hex(parseNum(step.first_gport))} ${step.add ? "add" : "remove"}`;
    case "map_pirq":
      return `${step.msi !== undefined ? `${step.msix_entry !== undefined ? `msix ${step.msi} entry ${step.msix_entry}${step.table_base !== undefined ? ` table_base ${hex(parseNum(step.table_base))}` : ""}` : `msi ${step.msi}`}${step.entry_nr !== undefined ? ` entry_nr ${step.entry_nr}` : ""}` : `gsi ${step.gsi}`}${step.pirq !== undefined ? ` pirq ${step.pirq}` : ""}`;
    case "unmap_pirq":
      return `pirq ${step.pirq}`;
    case "bind_pirq":
      return `pirq ${step.pirq}${step.share ? " share" : ""}`;
    case "evtchn_close":
    case "evtchn_send":
    case "evtchn_status":
      return `port ${step.port}`;
    case "evtchn_alloc_unbound":
      return `for ${step.remote}`;
    case "grant_access":
      return `ref ${step.ref} frame ${hex(parseNum(step.frame))}${step.readonly ? " readonly" : ""}`;
    case "grant_end_access":
      return `ref ${step.ref}`;
    case "grant_map":
      return `ref ${step.ref}${step.readonly ? " readonly" : ""}`;
    case "grant_unmap":
      return `handle ${step.handle}`;
    case "grant_setup_table":
      return `nr_frames ${step.nr_frames}`;
    case "grant_copy":
      return `${copyPtrText(step.source)} -> ${copyPtrText(step.dest)} len ${step.len}`;
    case "msix_maskall":
      return `MASKALL=${step.maskall ? 1 : 0}`;
    case "set_target":
      return `target ${step.target}`;
    case "evtchn_bind_interdomain":
      return `${step.remote} port ${step.remote_port}`;
    case "unmask_gsi":
      return `gsi ${step.gsi}`;
    case "bind_pt_irq":
    case "unbind_pt_irq": {
      const g = guestIntx(step);
      return `machine_irq ${step.machine_irq}${g ? ` device ${g.device} INT${"ABCD"[g.intx]} (guest gsi ${hvmPciIntxGsi(g)})` : ""}${"gtable" in step && step.gtable !== undefined ? ` gtable ${hex(parseNum(step.gtable))}` : ""}`;
    }
    default:
      return undefined;
  }
}

const hex = (n: number | undefined) => (n === undefined ? "?" : `0x${n.toString(16)}`);

/** A grant_copy side as the trace names it: "web ref 8 +0", "frame 0x2000 +512". */
const copyPtrText = (p: CopyPtr): string => `${p.domain !== undefined ? `${p.domain} ` : ""}${p.ref !== undefined ? `ref ${p.ref}` : `frame ${hex(parseNum(p.frame ?? ""))}`} +${p.offset ?? 0}`;

/** first .. first + nr - 1 in hex, as the trace names a step's frames or ports. */
function hexRange(first: string | number, nr: string | number): string {
  const f = parseNum(first);
  const n = parseNum(nr);
  if (f === undefined || n === undefined) return "?";
  return n <= 1 ? `${hex(f)}${n === 0 ? " (none)" : ""}` : `${hex(f)}-${hex(f + n - 1)}`;
}

/** The devices a failing step may still have changed: a removed PF and its VFs (strategies that
 *  mark broken or remove anyway), an added VF's implicit PF. Other ops fail before changing anything. */
function touchedBy(registry: PciRegistry, step: Step, sbdf: string): string[] {
  if (step.op === "pci_remove_device") return [sbdf, ...registry.linkedVfs(sbdf)];
  if (step.op === "pci_add_device") return step.physfn ? [sbdf, step.physfn] : [sbdf];
  return [];
}

const fingerprint = (d: DeviceState | undefined): string =>
  d ? `${d.kind} ${d.physfn} ${d.broken} ${d.owner} ${d.present}` : "-";

/** SBDF text -> machine_bdf key and canonical text, parsed once per run (parsing is the hot spot). */
class SbdfCache {
  private readonly keys = new Map<string, number>();
  key(text: string): number {
    let k = this.keys.get(text);
    if (k === undefined) {
      const p = parseSbdf(text);
      k = p.ok ? sbdfKey(p.value) : -1;
      this.keys.set(text, k);
    }
    return k;
  }
  private readonly texts = new Map<string, string>();
  text(text: string): string {
    let t = this.texts.get(text);
    if (t === undefined) {
      const k = this.key(text);
      t = k < 0 ? text : formatSbdf(k);
      this.texts.set(text, t);
    }
    return t;
  }
}

/** The domains of a scenario as Xen sees them: live from the start, or from the create_domain
 *  step that makes them, until destroyed. */
class World {
  private readonly domains = new Map<string, Domain>();
  private readonly byId = new Map<number, Domain>();
  private readonly alive = new Set<string>();
  /** Domains a create_domain step made (the --json document marks them). */
  private readonly created = new Set<string>();
  readonly table: DomainTable;

  constructor(prepared: Prepared) {
    const specs = prepared.scenario.domains;
    const domid = new Map(specs.map((d) => [d.name, d.domid]));
    const later = createdLater(prepared.scenario);
    for (const d of specs) {
      const dom: Domain = {
        domid: d.domid,
        name: d.name,
        ...(d.context !== undefined ? { context: d.context } : {}),
        control: d.control ?? false,
        hardware: d.hardware ?? false,
        ...(d.target !== undefined ? { target: domid.get(d.target)! } : {}),
        ...(d.xenstore !== undefined ? { xenstore: d.xenstore } : {}),
        ...(d.hvm !== undefined ? { hvm: d.hvm } : {}),
        ...(d.hvmPirq !== undefined ? { hvmPirq: d.hvmPirq } : {}),
        ...(d.callbackVector !== undefined ? { callbackVector: d.callbackVector } : {}),
        ...(d.iommu !== undefined ? { iommu: d.iommu } : {}),
      };
      this.domains.set(d.name, dom);
      if (later.has(d.name)) continue;
      this.alive.add(d.name);
      this.byId.set(d.domid, dom);
    }
    // Xen's hardware_domain: the control domain that is also a hardware domain, else the first hardware domain.
    const all = [...this.domains.values()];
    const hwdom = all.find((d) => d.hardware && d.control) ?? all.find((d) => d.hardware);
    this.table = {
      byDomid: (id) => this.byId.get(id),
      hardwareDomain: () => (hwdom && this.byId.get(hwdom.domid) === hwdom ? hwdom : undefined),
      dying: (id) => this.dying.get(id),
    };
  }

  byName(name: string): Domain | undefined {
    return this.domains.get(name);
  }
  /** The live domains. */
  liveDomains(): Domain[] {
    return [...this.byId.values()];
  }
  /** The live domain with this domid. */
  byDomid(domid: number): Domain | undefined {
    return this.byId.get(domid);
  }
  /** The live xenstore domain (d->is_xenstore), if the scenario has one. */
  xenstore(): Domain | undefined {
    for (const d of this.byId.values()) if (d.xenstore) return d;
    return undefined;
  }
  /** domid -> name, for explanations that name domains (a dying one's too). */
  names(): (domid: number) => string | undefined {
    return (domid) => (this.byId.get(domid) ?? this.dying.get(domid))?.name;
  }
  live(name: string): Domain | undefined {
    return this.alive.has(name) ? this.domains.get(name) : undefined;
  }
  /** rcu_lock_domain_by_id(): the live domain, or the dying one (destroyed, not yet freed). */
  find(name: string): Domain | undefined {
    const d = this.domains.get(name);
    if (d === undefined) return undefined;
    return this.alive.has(name) ? d : this.dying.get(d.domid) === d ? d : undefined;
  }
  /** Destroyed and not yet freed (d->is_dying): domains killed whose last reference has not gone. */
  private readonly dying = new Map<number, Domain>();
  isDying(domid: number): boolean {
    return this.dying.has(domid);
  }
  /** Dying domains whose domain_kill stopped at pci_release_devices (DOMDYING_dying, not dead):
   *  a destroydomain runs the teardown again. */
  private readonly stopped = new Set<number>();
  relinquishing(domid: number): boolean {
    return this.stopped.has(domid);
  }
  /** `d` is dying; `stopped`: its domain_kill has not got past pci_release_devices. */
  markDying(d: Domain, stopped: boolean): void {
    if (this.byId.get(d.domid) !== d) this.dying.set(d.domid, d);
    if (stopped) this.stopped.add(d.domid);
    else this.stopped.delete(d.domid);
  }
  freed(d: Domain): void {
    if (this.dying.get(d.domid) === d) this.dying.delete(d.domid);
  }
  /** What keeps dying `domid`: its device model, others' mappings of its grants. */
  holdersOf(domid: number, io: IoCaps): string {
    const dm = this.heldBy(domid);
    return [...(dm ? [`its device model ${dm.name} holds it`] : []), ...(io.grants.pinned(domid) ? ["others map its grants"] : [])].join(", ");
  }
  /** Every domain at the end; a live one with the resources a step gave it (or took from it). */
  states(io: IoCaps): DomainState[] {
    return [...this.domains.values()].map((d) => ({
      name: d.name,
      domid: d.domid,
      ...(d.context !== undefined ? { context: d.context } : {}),
      live: this.alive.has(d.name),
      ...(this.created.has(d.name) ? { created: true } : {}),
      hardware: d.hardware,
      control: d.control,
      ...(this.alive.has(d.name) && io.touched(d.domid) ? { io: io.state(d) } : {}),
    }));
  }
  /** A live domain's resources (a dead one has none). */
  ioOf(name: string, io: IoCaps): DomainIoState | undefined {
    const d = this.live(name);
    return d ? io.state(d) : undefined;
  }
  /** A destroyed domain a live device model still holds (d->target's reference): domid -> holder. */
  private readonly held = new Map<number, { d: Domain; by: Domain }>();
  hold(d: Domain, by: Domain): void {
    this.held.set(d.domid, { d, by });
  }
  /** The device model holding domid's dying domain, if any. */
  heldBy(domid: number): Domain | undefined {
    return this.held.get(domid)?.by;
  }
  /** `dm` is freed: the domains it held go with their last reference. */
  release(dm: Domain): Domain[] {
    const out: Domain[] = [];
    for (const [domid, h] of this.held) if (h.by.domid === dm.domid) this.held.delete(domid), out.push(h.d);
    return out;
  }
  /** XEN_DOMCTL_set_target: `d` is now the device model of `e` (d->target); the same domain, so
   *  every lookup hands out the new record. */
  retarget(d: Domain, e: Domain): void {
    const now: Domain = { ...d, target: e.domid };
    this.domains.set(d.name, now);
    if (this.byId.get(d.domid) === d) this.byId.set(d.domid, now);
    if (this.dying.get(d.domid) === d) this.dying.set(d.domid, now);
  }
  create(d: Domain): void {
    this.alive.add(d.name);
    this.created.add(d.name);
    this.byId.set(d.domid, d);
  }
  destroy(d: Domain): void {
    this.alive.delete(d.name);
    this.byId.delete(d.domid);
  }
}
