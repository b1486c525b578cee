// What `xsm simulate` prints: the readable trace, the --json document (src/sim/output.schema.json), the --compare
// table of the seven strategies (and --compare-xen's of releases, through the same renderer) and the --dot picture.
import type { DeviceState, PfRemovalKind, Strategy } from "../hypervisor/types.js";
import type { ChannelReport, EvtchnStatus } from "../hypervisor/evtchn.js";
import { GNTST, type GrantReport } from "../hypervisor/grant.js";
import type { XsmCheck } from "../xsm/types.js";
import { groupIdentical, identicalSuffix, nearLines } from "../policy/reasons.js";
import { formatSbdf, parseSbdf, sbdfKey } from "../xen/sbdf.js";
import type { Prepared, RunResult, RunSummary, StepResult } from "./run.js";
import { buildTopology, topologyDot, wrap, type TopoDenial, type Topology } from "./topology.js";
import { createdLater, RESOURCE_OPS, type Scenario } from "./scenario.js";
import { RangeSet } from "../xen/rangeset.js";
import { behaviourNote, columnLabel, releaseRanges, scenarioXen, type XenColumn, type XenRelease } from "./xen-release.js";

const RESOURCE = new Set<string>(RESOURCE_OPS);

// ---- trace -------------------------------------------------------------------------------------

const typeOf = (context: string | undefined) => (context ? context.split(":")[2] ?? context : "?");

/** What a check decided: "allowed", "denied (permissive)" or "denied -EACCES". */
export function checkVerdict(c: XsmCheck): string {
  return c.allowed ? "allowed" : c.rc === 0 ? "denied (permissive)" : `denied ${c.rc}`;
}

/** What a check asked, as the trace and the studio show it: "assign_device: gvp1_hwdom_t -> gvp1_pci_t
 *  resource:add_device"; the label a transition gave; why it could not be asked; the dummy module's
 *  default action. `arrow` is the page's "→". */
export function checkQuestion(c: XsmCheck, arrow = "->"): string {
  if (c.error) return `${c.hook}: ${c.error} ${arrow} ${c.rc}`;
  if (c.label !== undefined) {
    // a role or range a rule chose is named with the rule; the default ones go without saying
    const parts = [`${c.labels} label ${typeOf(c.label)} ${c.labelRule !== undefined ? `by ${c.labelRule}` : "(no type rule: the default)"}`];
    if (c.labelRoleRule !== undefined) parts.push(`role ${c.label.split(":")[1]} by ${c.labelRoleRule}`);
    if (c.labelRangeRule !== undefined) parts.push(`range ${c.label.split(":").slice(3).join(":")} by ${c.labelRangeRule}`);
    return `${c.hook}: ${typeOf(c.scontext)} ${arrow} ${typeOf(c.tcontext)} ${c.tclass}: ${labelClauses(parts)}`;
  }
  if (c.perm !== undefined) return `${c.hook}: ${typeOf(c.scontext)} ${arrow} ${typeOf(c.tcontext)} ${c.tclass}:${c.perm}`;
  return `${c.hook}: ${c.xen ?? "dummy"} ${c.action ?? ""}`;
}

/** A rule's text ends its clause with its own ';' ("... by type_transition a b:domain c; role r by
 *  role_transition ...;"); a clause without one is followed by a comma. */
function labelClauses(parts: string[]): string {
  return parts.reduce((text, part) => `${text}${text.endsWith(";") ? " " : ", "}${part}`);
}

function decision(c: XsmCheck): string {
  if (c.error || c.label !== undefined) return checkQuestion(c);
  const line = `${checkQuestion(c)} ${checkVerdict(c)}`;
  return c.perm !== undefined ? line : line.replace(/ +/g, " ");
}

const SHORT_OP: Record<StepResult["op"], string> = {
  pci_add_device: "add",
  pci_remove_device: "remove",
  assign_device: "assign",
  deassign_device: "deassign",
  test_assign_device: "test_assign",
  get_device_group: "device_group",
  setup_device: "setup",
  hot_unplug: "hot-unplug",
  create_domain: "create",
  destroy_domain: "destroy",
  set_target: "set_target",
  set_bool: "set_bool",
  load_policy: "load_policy",
  set_enforcing: "setenforce",
  irq_permission: "irq_perm",
  gsi_permission: "gsi_perm",
  iomem_permission: "iomem_perm",
  ioport_permission: "ioport_perm",
  memory_mapping: "mem_map",
  ioport_mapping: "port_map",
  map_pirq: "map_pirq",
  unmap_pirq: "unmap_pirq",
  bind_pt_irq: "bind_irq",
  unbind_pt_irq: "unbind_irq",
  pci_attach: "pci-attach",
  pci_detach: "pci-detach",
  prepare_msix: "prepare_msix",
  bind_pirq: "bind_pirq",
  evtchn_close: "evtchn_close",
  unmask_gsi: "unmask_gsi",
  release_msix: "release_msix",
  evtchn_alloc_unbound: "alloc_unbound",
  evtchn_bind_interdomain: "bind_interdomain",
  evtchn_send: "evtchn_send",
  evtchn_status: "evtchn_status",
  evtchn_reset: "evtchn_reset",
  msix_maskall: "msix_maskall",
  grant_access: "grant_access",
  grant_end_access: "end_access",
  grant_map: "grant_map",
  grant_unmap: "grant_unmap",
  grant_setup_table: "setup_table",
  grant_query_size: "query_size",
  grant_copy: "grant_copy",
};

/** "gvp1-hwdom assign_device 0000:03:10.0 -> gvp1-guest"; `short` for table rows ("gvp1-hwdom assign 03:10.0 -> gvp1-guest"). */
export function stepTitle(r: StepResult, short = false): string {
  const op = short ? SHORT_OP[r.op] : r.op;
  const sbdf = r.sbdf && short ? r.sbdf.replace(/^0000:/, "") : r.sbdf;
  if (r.op === "destroy_domain" && r.as === null) return `${op} ${r.domain}`;
  if (r.as === null) return [op, sbdf, r.detail].filter(Boolean).join(" ");
  // a resource step names what it grants, maps or binds: "dom0 iomem_permission mfn 0xfebe0-0xfebff allow -> guest"
  const what = r.sbdf === null && r.detail !== undefined && (RESOURCE.has(r.op) || r.op === "set_target") ? r.detail : null;
  return [r.as, op, sbdf, what, r.domain ? `-> ${r.domain}` : null].filter(Boolean).join(" ");
}

export function renderTrace(result: RunResult, scenario: Scenario): string {
  const out: string[] = [];
  const mode = scenario.xsm === "flask" ? `flask (${scenario.enforcing === false ? "permissive" : "enforcing"})` : "dummy";
  // the release the run was made as (`--xen` may name another than the file)
  const xen = result.xen ?? scenarioXen(scenario);
  const release = result.xen !== undefined ? `, xen ${result.xen.release} (device domctl checks: ${xen.assignCheck})` : "";
  out.push(`scenario ${result.scenario}: strategy ${result.strategy}, xsm ${mode}, vfWithoutPf ${xen.vfWithoutPf}, iommu ${scenario.iommu ?? "intremap"}${scenario.quarantine !== undefined ? `, quarantine ${scenario.quarantine}` : ""}${scenario.addTo !== undefined ? `, addTo ${scenario.addTo}` : ""}${scenario.deassignTo !== undefined ? `, deassignTo ${scenario.deassignTo}` : ""}${release}`);
  for (const note of result.notes) out.push(`note: ${note}`);
  const width = String(result.steps.length).length;
  for (const r of result.steps) {
    out.push("");
    const mapped = `${r.mappedPirq !== undefined ? `, pirq ${r.mappedPirq}` : ""}${r.entryNr !== undefined ? `, entry_nr ${r.entryNr}` : ""}${r.port !== undefined ? `, port ${r.port}` : ""}${r.status !== undefined ? `, status ${statusText(r.status)}` : ""}${grantText(r)}${r.group !== undefined ? `, group [${r.group.join(", ")}]` : ""}`;
    out.push(`${String(r.step).padStart(width)}. ${stepTitle(r)}  => rc ${r.rc}${mapped}${r.partial ? "  (failed, yet changed state)" : ""}`);
    const pad = " ".repeat(width + 4);
    if (r.note) out.push(`${pad}# ${r.note}`);
    for (const e of r.events) {
      if ("log" in e) out.push(`${pad}(XEN) ${e.log}`);
      else if ("why" in e) out.push(`${pad}why   ${e.why}`);
      else {
        out.push(`${pad}xsm   ${decision(e.check)}`);
        for (const { item, count } of groupIdentical(e.check.reasons ?? [], (why) => why.text)) {
          out.push(`${pad}why   ${item.text}${identicalSuffix(count)}`);
          if (item.nearest) out.push(...nearLines(item.nearest, `${pad}        `));
        }
        if (e.check.audit !== undefined) out.push(`${pad}(XEN) ${e.check.audit}`);
      }
    }
    for (const e of r.expect) {
      out.push(e.ok ? `${pad}ok    expect ${e.what} ${e.expected}` : `${pad}FAIL  expect ${e.what}: expected ${e.expected}, got ${e.actual}`);
    }
  }
  const stopped = result.steps.length < scenario.steps.length;
  out.push("", stopped ? `state after step ${result.steps.length} of ${scenario.steps.length}:` : "final state:");
  out.push(...renderDevices(result.state.devices).map((l) => `  ${l}`));
  out.push(...renderResources(result.state.domains).map((l) => `  ${l}`));
  out.push(...renderIdentityMaps(result.state.domains).map((l) => `  ${l}`));
  out.push("", summaryLine(result.summary));
  return out.join("\n") + "\n";
}

/** A grant op's status and answers: ", GNTST_okay (0), handle 0", ", GNTST_okay (0), nr_frames 1, max_nr_frames 64". */
function grantText(r: StepResult): string {
  if (r.gntst === undefined) return "";
  return [`, ${r.gntst} (${GNTST[r.gntst]})`, r.handle !== undefined ? `, handle ${r.handle}` : "", r.frames !== undefined ? `, nr_frames ${r.frames}` : "", r.maxFrames !== undefined ? `, max_nr_frames ${r.maxFrames}` : ""].join("");
}

/** EVTCHNOP_status's answer as the trace prints it: "interdomain dom 2 port 5". */
function statusText(s: EvtchnStatus): string {
  return [s.status, s.dom !== undefined ? `dom ${s.dom}` : "", s.port !== undefined ? `port ${s.port}` : "", s.pirq !== undefined ? `pirq ${s.pirq}` : ""].filter(Boolean).join(" ");
}

export function renderDevices(devices: DeviceState[]): string[] {
  if (devices.length === 0) return ["(no devices)"];
  return devices.map((d) => {
    const bits = [d.sbdf, d.kind.padEnd(6), `owner ${d.owner ?? "-"}`];
    if (d.kind === "vf") bits.push(`physfn ${d.physfn ?? "(unlinked)"}`);
    if (d.broken) bits.push("BROKEN");
    if (d.present === false) bits.push("(hardware gone)");
    if (d.msix) bits.push(`msix ${d.msix.used} used${d.msix.table ? `, table ${frames(d.msix.table)} pba ${frames(d.msix.pba!)} read-only` : ""}${d.msix.maskall ? ", MASKALL" : ""}`);
    return bits.join("  ");
  });
}

/** Each live domain's passthrough resources, as far as a step touched them: what it holds (IRQs
 *  in decimal, frames and ports in hex, as Xen's rangeset dumps print them), its pirqs, mappings and bindings. */
export function renderResources(domains: RunResult["state"]["domains"]): string[] {
  const out: string[] = [];
  for (const d of domains) {
    if (!d.io) continue;
    const set = (rs: { start: number; end: number }[], radix: number) => {
      const r = new RangeSet();
      for (const x of rs) r.add(x.start, x.end);
      return r.toString(radix);
    };
    const parts = [`irqs ${set(d.io.irqs, 10)}`, `iomem ${set(d.io.iomem, 16)}`, `ioports ${set(d.io.ioports, 16)}`];
    const msi = (p: { msi?: number; vector?: number }) => (p.msi === undefined ? "" : ` (msi ${formatSbdf(p.msi)}${p.vector !== undefined ? ` vector ${p.vector}` : ""})`);
    if (d.io.pirqs.length) parts.push(`pirqs ${d.io.pirqs.map((p) => `${p.pirq}->${p.irq}${msi(p)}`).join(", ")}`);
    if (d.io.emuirqs.length) parts.push(`emulated ${d.io.emuirqs.map((e) => `${e.pirq}->gsi ${e.gsi}`).join(", ")}`);
    if (d.io.mmio.length) parts.push(`mmio ${set(d.io.mmio, 16)}`);
    if (d.io.ioportMappings.length) parts.push(`port maps ${d.io.ioportMappings.map((m) => `${m.mport.toString(16)}+${m.nr.toString(16)} at ${m.gport.toString(16)}`).join(", ")}`);
    if (d.io.bound.length) parts.push(`bound ${d.io.bound.join(", ")}`);
    if (d.io.mmioReadOnly?.length) parts.push(`read-only { ${d.io.mmioReadOnly.map(frames).join(", ")} }`);
    if (d.io.evtchns?.length) parts.push(`evtchns ${d.io.evtchns.map((e) => `${e.pirq}->port ${e.port}`).join(", ")}`);
    if (d.io.channels?.length) parts.push(`channels ${d.io.channels.map(channelText).join(", ")}`);
    if (d.io.grants) parts.push(grantsText(d.io.grants));
    if (d.io.msixtbl?.length) parts.push(`msixtbl ${d.io.msixtbl.map((e) => `${formatSbdf(e.device)} at ${e.gtable.toString(16)}`).join(", ")}`);
    if (d.io.girqs.length) parts.push(`guest gsis ${d.io.girqs.map((g) => `${g.gsi}<-${g.pirq}`).join(", ")}`);
    out.push(`${d.name}: ${parts.join("; ")}`);
  }
  return out;
}

/** Each domain's identity maps of reserved regions (RMRRs, IVMD unity maps), when it holds some,
 *  and pages mapped 1:1 that none records. */
export function renderIdentityMaps(domains: RunResult["state"]["domains"]): string[] {
  const hex = (n: number) => `0x${n.toString(16)}`;
  return domains.flatMap((d) => {
    const parts = (d.identityMaps ?? []).map((m) => `${hex(m.base)}-${hex(m.end)} ${m.access} x${m.count}`);
    const untracked = (d.untrackedIdentityPages ?? []).map((r) => (r.start === r.end ? hex(r.start) : `${hex(r.start)}-${hex(r.end)}`));
    if (!parts.length && !untracked.length) return [];
    return [`${d.name}: identity maps ${parts.length ? parts.join(", ") : "none"}${untracked.length ? `; untracked 1:1 pages { ${untracked.join(", ")} }` : ""}`];
  });
}

/** A grant table in the final state: "grant frames 1/64, ref 8 -> d0 frame 0x1000 permit_access reading; mapped h0 d2:8 ro". */
function grantsText(g: GrantReport): string {
  const entries = g.entries.map((e) => `ref ${e.ref} -> d${e.domid} frame 0x${e.frame.toString(16)} ${e.flags.join(" ")}`);
  const maps = g.mappings.map((m) => `h${m.handle} d${m.domid}:${m.ref}${m.readonly ? " ro" : ""}`);
  return [`grant frames ${g.frames}/${g.maxFrames}`, ...entries, ...(maps.length ? [`mapped ${maps.join(" ")}`] : [])].join(", ");
}

/** A channel in the final state: "3 interdomain d1:2 (domU_t_channel) pending", "1 unbound d0", "4 pirq 79". */
function channelText(c: ChannelReport): string {
  const peer = c.state === "pirq" ? `${c.pirq}` : `d${c.remote}${c.remotePort !== undefined ? `:${c.remotePort}` : ""}`;
  return [`${c.port} ${c.state} ${peer}`, c.label !== undefined ? `(${typeOf(c.label)})` : "", c.pending ? "pending" : ""].filter(Boolean).join(" ");
}

function summaryLine(s: RunSummary): string {
  const failed = s.expectFailures ? `${s.expectFailures} expectation(s) FAILED` : "all expectations met";
  return `${failed}; ${s.errors} error(s) returned, ${s.stalePfs} stale PF(s), ${s.staleVfs} stale VF(s), ${s.broken} broken, ${s.removed} removed, ${s.partial} partial state(s)`;
}

// ---- --json ------------------------------------------------------------------------------------

/**
 * The --json document, described field by field in src/sim/output.schema.json: each step with every
 * field the scenario wrote for it (its `expect` becomes the results of checking it), what it
 * returned, every XSM decision with its reasons, Xen's log and avc lines; the state the run ends in;
 * the summary with the devices behind each count; the expectations that failed.
 */
export function toJson(result: RunResult): object {
  return {
    scenario: result.scenario,
    strategy: result.strategy,
    ...(result.xen ? { xen: result.xen } : {}),
    ...(result.notes.length ? { notes: result.notes } : {}),
    steps: result.steps.map(stepJson),
    state: result.state,
    summary: { ...result.summary, devices: result.left },
    avc: result.avc,
    expectations: {
      checked: result.steps.reduce((n, r) => n + r.expect.length, 0),
      failed: result.steps.flatMap((r) => r.expect.filter((e) => !e.ok).map((e) => ({ step: r.step, what: e.what, expected: e.expected, actual: e.actual }))),
    },
  };
}

function stepJson(r: StepResult): object {
  const { expect: _checked, ...written } = r.written;
  return {
    step: r.step,
    ...written,
    rc: r.rc,
    ...(r.mappedPirq !== undefined ? { mappedPirq: r.mappedPirq } : {}),
    ...(r.entryNr !== undefined ? { entryNr: r.entryNr } : {}),
    ...(r.port !== undefined ? { port: r.port } : {}),
    ...(r.status !== undefined ? { status: r.status } : {}),
    ...(r.gntst !== undefined ? { gntst: r.gntst } : {}),
    ...(r.handle !== undefined ? { handle: r.handle } : {}),
    ...(r.frames !== undefined ? { frames: r.frames } : {}),
    ...(r.maxFrames !== undefined ? { maxFrames: r.maxFrames } : {}),
    ...(r.group !== undefined ? { group: r.group } : {}),
    ...(r.why !== undefined ? { why: r.why } : {}),
    partial: r.partial,
    decisions: r.decisions,
    log: r.log,
    audit: r.audit,
    expect: r.expect,
  };
}

// ---- --compare ---------------------------------------------------------------------------------

/** The outcome rows of --compare and of the studio's table, with their labels. */
export const SUMMARY_ROWS: readonly (readonly [keyof RunSummary, string])[] = [
  ["errors", "errors returned"],
  ["stalePfs", "stale PFs"],
  ["staleVfs", "stale VFs"],
  ["broken", "broken devices"],
  ["removed", "devices removed"],
  ["partial", "partial states"],
  ["expectFailures", "expectation failures"],
];

/** A table of runs of one scenario, one column each: --compare's strategies, --compare-xen's releases. */
interface Comparison {
  /** What a column is ("strategy", "release"), for the table's sentences. */
  kind: string;
  /** The lines above the table: what it compares, the description, the notes. */
  head: string[];
  columns: { label: string; run: RunResult }[];
  maxStepRows: number;
}

/** One column per strategy; a row per step (when they differ or the scenario is short) and per outcome. */
export function renderCompare(results: RunResult[], scenario: Scenario, maxStepRows = 30, chosen?: PfRemovalKind, own: PfRemovalKind = scenario.strategy ?? "upstream"): string {
  // the ! marks are the file's expectations; a --strategy choice only picks whose failures exit 1
  const exit = chosen !== undefined && chosen !== own ? `, ${chosen} (--strategy) sets the exit status` : "";
  // the notes of the file's own run: another strategy's say it is not the release's
  const notes = (results.find((r) => r.strategy === own) ?? results[0])?.notes ?? [];
  const head = [`${scenario.name}: every PF-removal strategy (rc per step; * = strategies differ; ${own} is the file's${exit})`, ...describe(scenario), ...notes.flatMap((n) => wrap(`note: ${n}`, 100))];
  return renderComparison({ kind: "strategy", head, columns: results.map((r) => ({ label: r.strategy, run: r })), maxStepRows });
}

/** The --compare-xen table: one column per release (`columns`, xen-release.ts's xenColumns), each
 *  run under `strategy` (--strategy, the file's), or, without one, removing PFs as its release does.
 *  `named`: the releases were asked for, not one per behaviour; `xen`: the --xen release; `exit`:
 *  the column whose run sets the exit status (undefined: a run not shown). */
export function renderCompareXen(results: RunResult[], scenario: Scenario, columns: XenColumn[], opts: { named: boolean; xen?: XenRelease; exit: XenRelease | undefined; strategy?: Strategy; maxStepRows?: number }): string {
  const removals = new Set(columns.map((c) => c.behaviour.pfRemoval));
  const itself = columns.filter((c) => c.asItself).map((c) => `${c.release} also as itself (${c.behaviour.pfRemoval}, which no --strategy names)`);
  const asked = opts.strategy ?? scenario.strategy;
  const strategy = asked !== undefined ? [`strategy ${asked}`, ...itself].join(", ") : removals.size === 1 ? `strategy ${[...removals][0]!}` : "PFs removed as each release does";
  const file = scenario.xen;
  const which = opts.named ? "the Xen releases asked for" : "one Xen release per behaviour";
  const marks = [file === undefined ? "the file names no release" : columns.some((c) => c.release === file) ? `${file} is the file's` : `the file's ${file} is not among them`];
  if (opts.xen !== undefined && opts.xen !== file) marks.push(`${opts.xen} (--xen) sets the exit status`);
  else if (file === undefined) marks.push(opts.exit !== undefined ? `${opts.exit} behaves as the model's defaults and sets the exit status` : "its own run, not shown, sets the exit status");
  const head = [`${scenario.name}: ${which}, ${strategy} (rc per step; * = releases differ; ${marks.join(", ")})`, ...describe(scenario)];
  // what each release does is its column's line; the other notes are said once, or with the release they are about
  const behaviour = (r: RunResult) => behaviourNote(scenarioXen({ ...scenario, strategy: undefined }, r.xen?.release, r.strategy));
  const notes = new Map<string, string[]>();
  for (const r of results) for (const n of r.notes) if (n !== behaviour(r)) notes.set(n, [...(notes.get(n) ?? []), r.xen?.release ?? ""]);
  for (const [n, by] of notes) head.push(...wrap(`note${by.length === results.length ? "" : ` (${by.join(", ")})`}: ${n}`, 100));
  const vfs = new Set(columns.map((c) => c.behaviour.vfWithoutPf));
  const table = [["release", ...BEHAVIOUR_FIELDS.map(([h]) => h), opts.named ? "" : "stands for"], ...columns.map((c) => [columnLabel(c), ...BEHAVIOUR_FIELDS.map(([, f]) => f(c.behaviour)), opts.named ? "" : c.asItself ? "itself" : releaseRanges(c.standsFor)])];
  const widths = table[0]!.map((_, j) => Math.max(...table.map((row) => row[j]!.length)));
  head.push("", ...table.map((row) => row.map((cell, j) => cell.padEnd(widths[j]!)).join("  ").trimEnd()));
  if (scenario.vfWithoutPf !== undefined && vfs.size === 1) head.push(`(vfWithoutPf ${scenario.vfWithoutPf} is the file's, under every release)`);
  // columns stay one per behaviour (what each stands for, the one that sets the exit status); the
  // ones this scenario cannot tell apart are named, not merged
  const alike = runAlike(results, columns);
  if (alike.length > 0) head.push(...wrap(`(run alike here, the same rc, XSM checks, log and audit at every step and the same final state: ${alike.map((g) => g.join(" = ")).join("; ")}; what tells them apart above is where this scenario does not go)`, 100));
  return renderComparison({ kind: "release", head, columns: results.map((r, i) => ({ label: columnLabel(columns[i]!), run: r })), maxStepRows: opts.maxStepRows ?? 30 });
}

/** The --compare-xen columns (by columnLabel) whose runs this scenario cannot tell apart, each group
 *  of more than one in column order: every step's rc, XSM checks, log, audit, group and pirq, and
 *  the final state, alike (the why lines and notes, which name the release, aside). */
export function runAlike(results: RunResult[], columns: XenColumn[]): string[][] {
  const groups = new Map<string, string[]>();
  results.forEach((r, i) => {
    const steps = r.steps.map((s) => [s.rc, s.decisions.map((d) => [d.hook, d.xen, d.action, d.scontext, d.tcontext, d.tclass, d.perm, d.allowed, d.rc]), s.log, s.audit, s.group, s.mappedPirq]);
    const key = JSON.stringify({ steps, state: r.state });
    groups.set(key, [...(groups.get(key) ?? []), columnLabel(columns[i]!)]);
  });
  return [...groups.values()].filter((g) => g.length > 1);
}

/** The --compare-xen behaviour table's columns: what each release does where releases differ. */
const BEHAVIOUR_FIELDS: [string, (b: XenColumn["behaviour"]) => string][] = [
  ["vfWithoutPf", (b) => b.vfWithoutPf],
  ["device domctl checks", (b) => b.assignCheck],
  ["domctl, no domain", (b) => b.domctlNoDomain],
  ["PVH dom0 IRQs", (b) => b.pvhIrqs],
  ["MMIO removal", (b) => b.mmioRemoval],
  ["I/O port mapping", (b) => b.ioportMapping],
  ["PF removal", (b) => b.pfRemoval],
];

const describe = (scenario: Scenario) => (scenario.description ? wrap(scenario.description, 100).map((l) => `  ${l}`) : []);

function renderComparison({ kind, head, columns, maxStepRows }: Comparison): string {
  const results = columns.map((c) => c.run);
  const steps = results[0]?.steps ?? [];
  const differs = (i: number) => new Set(results.map((r) => r.steps[i]!.rc)).size > 1;
  const shown = steps.length <= maxStepRows ? steps.map((_, i) => i) : steps.map((_, i) => i).filter(differs);
  const rows: string[][] = [];
  for (const i of shown) {
    const r = steps[i]!;
    const mark = differs(i) ? "*" : " ";
    rows.push([`${mark}${String(r.step).padStart(2)} ${stepTitle(r, true)}`, ...results.map((x) => rcCell(x.steps[i]!))]);
  }
  const width = Math.max(20, ...rows.map((r) => r[0]!.length), ...SUMMARY_ROWS.map(([, l]) => l.length));
  const cols = columns.map((c, j) => Math.max(c.label.length, ...rows.map((r) => r[j + 1]!.length), 3));
  const line = (label: string, cells: string[]) => `${label.padEnd(width)} ${cells.map((c, j) => c.padStart(cols[j]!)).join(" ")}`.trimEnd();
  const rule = "-".repeat(width + cols.reduce((a, c) => a + c + 1, 0));
  const out = [...head, ""];
  out.push(line("step", columns.map((c) => c.label)), rule);
  for (const r of rows) out.push(line(r[0]!, r.slice(1)));
  if (shown.length < steps.length) out.push(`   (${steps.length - shown.length} steps with the same rc under every ${kind} not shown)`);
  out.push(rule);
  for (const [k, label] of SUMMARY_ROWS) out.push(line(label, results.map((r) => String(r.summary[k]))));
  out.push(...leftLines(columns, kind), ...failureLines(columns, kind));
  return out.join("\n") + "\n";
}

const LEFT_KINDS: [keyof RunResult["left"], string][] = [
  ["stalePfs", "stale PF"],
  ["staleVfs", "stale VF"],
  ["broken", "broken"],
  ["removed", "removed"],
];

/** Per column, the devices behind the counts (SBDFs without the 0000: segment). */
function leftLines(columns: Comparison["columns"], kind: string): string[] {
  const width = Math.max(...columns.map((c) => c.label.length));
  const short = (sbdf: string) => sbdf.replace(/^0000:/, "");
  const lines = columns.map(({ label, run: r }) => {
    const parts = LEFT_KINDS.filter(([k]) => r.left[k].length).map(([k, name]) => `${name} ${r.left[k].map(short).join(" ")}`);
    return `  ${label.padEnd(width)}  ${parts.length ? parts.join("; ") : "nothing stale, broken or removed"}`;
  });
  return ["", `devices each ${kind} leaves stale, broken or removed:`, ...lines];
}

/** What each `!` refers to: one line per expectation that failed somewhere, with what each
 *  column that failed it got instead. */
function failureLines(columns: Comparison["columns"], kind: string): string[] {
  const byExpectation = new Map<string, { step: number; text: string; got: string[] }>();
  for (const { label, run: r } of columns) {
    for (const step of r.steps) {
      for (const e of step.expect) {
        if (e.ok) continue;
        const key = `${step.step}\0${e.what}\0${e.expected}`;
        let entry = byExpectation.get(key);
        if (!entry) byExpectation.set(key, (entry = { step: step.step, text: `expect ${e.what} ${e.expected}`, got: [] }));
        entry.got.push(`${label} ${clip(e.actual, 40)}`);
      }
    }
  }
  if (byExpectation.size === 0) return [];
  const lines = [...byExpectation.values()].sort((a, b) => a.step - b.step).map((e) => `  step ${e.step} ${e.text}: ${e.got.join(", ")}`);
  const shown = lines.slice(0, 12);
  if (lines.length > shown.length) shown.push(`  (${lines.length - shown.length} more; the trace of each ${kind} has them all)`);
  return ["", `expectations that failed (the ! marks), with what each ${kind} got:`, ...shown];
}

const clip = (text: string, n: number) => (text.length <= n ? text : `${text.slice(0, n - 3)}...`);

/** A step's cell in --compare and in the studio's table: its rc, `~` when it failed yet changed
 *  state, `!` when an expectation failed (COMPARE_LEGEND). */
export function rcCell(r: StepResult): string {
  const failed = r.expect.some((e) => !e.ok);
  return `${r.rc === 0 ? "0" : r.rc}${r.partial ? "~" : ""}${failed ? "!" : ""}`;
}

export const COMPARE_LEGEND = "~ failed yet changed state   ! an expectation failed";

// ---- --dot / --svg ------------------------------------------------------------------------------

/** The picture of a run at its last step (topology.ts): platforms from the policy's `platform`
 *  blocks, the run's domains and devices, and the accesses its last step was denied. */
export function runTopology(result: RunResult, prepared: Prepared): Topology {
  const scenario = prepared.scenario;
  const policy = prepared.policy;
  const last = result.steps[result.steps.length - 1];
  const shown = result.steps.length;
  const caption = shown < scenario.steps.length ? `after step ${shown} of ${scenario.steps.length} (${result.strategy})` : `final state (${result.strategy})`;
  const spec = new Map(scenario.domains.map((d) => [d.name, d]));
  // (a domain a later create_domain step makes is not there yet: Xen has no such domain to draw,
  // destroyed or not)
  const later = createdLater(scenario);
  return buildTopology({
    title: result.scenario,
    caption,
    platforms: prepared.platforms,
    domains: result.state.domains.filter((d) => d.live || d.created || !later.has(d.name)).map((d) => ({ ...d, ...(spec.get(d.name)?.platform !== undefined ? { platform: spec.get(d.name)!.platform! } : {}), ...(d.io?.channels ? { channels: d.io.channels } : {}), ...(d.io?.grants?.mappings.length ? { mappings: d.io.grants.mappings } : {}) })),
    devices: result.state.devices,
    stale: [...result.left.stalePfs, ...result.left.staleVfs],
    labelOf: (sbdf) => {
      const p = parseSbdf(sbdf);
      return (p.ok && policy?.pcideviceContext(sbdfKey(p.value))?.split(":")[2]) || null;
    },
    denied: last ? denials(last, result) : [],
    notes: result.notes,
  });
}

/** The denied checks of one step, as edges: from the domain whose context asked, to the device
 *  (or domain) asked about. */
function denials(step: StepResult, result: RunResult): TopoDenial[] {
  const byDomid = new Map(result.state.domains.map((d) => [d.domid, d]));
  const byContext = (ctx: string | undefined) => result.state.domains.find((d) => d.context === ctx);
  const out: TopoDenial[] = [];
  for (const c of step.decisions) {
    if (c.allowed) continue;
    const caller = byDomid.get(c.domid);
    const from = caller?.context === c.scontext || c.scontext === undefined ? caller?.name : (byContext(c.scontext)?.name ?? caller?.name);
    const to = c.device !== undefined ? formatSbdf(c.device) : c.tdomid !== undefined ? byDomid.get(c.tdomid)?.name : (step.sbdf ?? step.domain ?? undefined);
    if (from !== undefined && to !== undefined) out.push({ step: step.step, from, to, perm: c.perm ?? c.action ?? c.hook });
  }
  return out;
}

export function renderDot(result: RunResult, prepared: Prepared): string {
  return topologyDot(runTopology(result, prepared));
}

/** A frame range as the resource lines print frames: hex, "a-b" or "a". */
function frames(r: { start: number; end: number }): string {
  return r.start === r.end ? r.start.toString(16) : `${r.start.toString(16)}-${r.end.toString(16)}`;
}
