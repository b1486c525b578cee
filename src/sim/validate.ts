// Checks a parsed scenario document: scenario.schema.json (ajv's standalone validator, compiled
// from the schema at build time by scripts/build-validator.mjs), then meaning (known domains, SBDFs
// in range, policy files that exist, what flask needs). Pure: where files live is the caller's
// business (PolicyFiles), so the same checks run in the CLI (load.ts) and in the studio page.
import type { ErrorObject } from "ajv";
import { atPath, type Diagnostic, type Span } from "../diagnostics/diagnostic.js";
import { renderDiagnostic } from "../diagnostics/render.js";
import { inDocumentOrder, jsonTooDeep, shortJson } from "../io/json.js";
import { duplicateKeyMessage, findDuplicateKeys } from "../io/json-syntax.js";
import { parseSbdf } from "../xen/sbdf.js";
import { MAX_PHANTOM_DEVS, parsePhantomDev, phantomRejectLine } from "../xen/pci-phantom.js";
import type { LocateRule } from "../policy/reasons.js";
import type { Scenario, ScenarioError, Step } from "./scenario.js";
import { validate as validator } from "./scenario.validate.generated.js";
import { xenValueHint } from "./xen-release.js";
import { DOM_IO } from "../hypervisor/types.js";

/** dom_io's name in a scenario: what assign_device and deassign_device call DOMID_IO. */
const DOM_IO_NAME = DOM_IO.name;

/** Where a span of a policy's text came from, in the files a person edits. */
export type { LocateRule };

/** Policy text built from something else (a policy tree: m4's output), with the way back to its
 *  sources. src/sim cannot build one (that is src/build's); the caller's ReadPolicy does. */
export interface PolicySource {
  /** The text to compile. */
  text: string;
  /** The name the compiler gives it ("policy.conf" for a tree: its #line directives name the rest). */
  name: string;
  /** A rule's span -> its source line (a tree: the .te/.if/.spt line and the macro call); the
   *  trace and --json name rules there, as the analysis commands do. */
  locate?: LocateRule;
  /** A compile diagnostic pointed into the sources, in one line (a scenario error is one line). */
  diagnostic?: (d: Diagnostic) => Diagnostic;
}

/** A policy file as text, or its bytes (a source or a binary policy; run.ts tells them apart), or
 *  text built from a policy tree. `options.mls`: the scenario's "mls" (a tree's MLS build). A
 *  policy that cannot be read or built throws PolicyError; prepare() reports it at the JSON path. */
export type ReadPolicy = (dir: string, rel: string, options: { mls: boolean }) => string | Uint8Array | PolicySource;

/** A scenario read and checked, what prepare() takes. */
export interface LoadedScenario {
  scenario: Scenario;
  file: string;
  dir: string;
  /** How prepare() reads the policies it names. */
  readPolicy?: ReadPolicy;
}

/** A loaded scenario, or every error found in it; with those errors, when the document is an
 *  object, the document as read (`unchecked`, typed as a Scenario it is not: prepareChecked reads
 *  only its well-formed parts), so a context or policy error is reported with them. */
export type LoadResult = { readonly ok: true; readonly value: LoadedScenario } | LoadFailure;
export type LoadFailure = { readonly ok: false; readonly error: ScenarioError[]; readonly unchecked?: LoadedScenario };

/** The policy files a scenario may name, relative to its directory. */
export interface PolicyFiles {
  exists(rel: string): boolean;
  /** Where `rel` was looked for, for the message when it is missing. */
  where(rel: string): string;
  /** What relative paths resolve against, in words (default: "the scenario file"). */
  base?: string;
}

/** Far deeper than the schema goes (steps > expect > devices > fields is 5). */
export const MAX_SCENARIO_DEPTH = 64;

/** Past this many errors a scenario's report says how many more there are instead of listing them. */
export const MAX_REPORTED_ERRORS = 200;

const STEP_SLICE = 500;

function validate(data: unknown): ErrorObject[] {
  // ajv's generated code joins each failing item's errors to all before (errors.concat): quadratic
  // in the number of bad steps (100,000 took minutes). Steps are validated in slices instead, the
  // rest of the document once, and the slices' paths renumbered.
  const steps = (data as { steps?: unknown } | null)?.steps;
  if (!isObject(data) || !Array.isArray(steps) || steps.length <= STEP_SLICE) {
    const ok = validator(data);
    return ok ? [] : (validator.errors ?? []);
  }
  const errors: ErrorObject[] = [];
  for (let at = 0; at < steps.length; at += STEP_SLICE) {
    if (validator({ ...data, steps: steps.slice(at, at + STEP_SLICE) })) continue;
    for (const e of validator.errors ?? []) {
      const m = /^\/steps\/(\d+)(.*)$/.exec(e.instancePath);
      if (m === null) {
        if (at === 0) errors.push(e); // the rest of the document: once
      } else errors.push(at === 0 ? e : { ...e, instancePath: `/steps/${Number(m[1]) + at}${m[2]}` });
    }
  }
  return errors;
}

/** Every error of a parsed document: the schema's, and the meaning checks' on the parts that have
 *  the right shape (so one run reports both; a meaning error at a path the schema already reported
 *  is left out). At most MAX_REPORTED_ERRORS are listed, then a count of the rest. */
export function scenarioErrors(data: unknown, files: PolicyFiles): ScenarioError[] {
  // the validator and the messages recurse: refuse absurd nesting before they run
  const deep = jsonTooDeep(data, MAX_SCENARIO_DEPTH);
  if (deep !== undefined) return [atPath("scenario-limit", deep, `nested deeper than ${MAX_SCENARIO_DEPTH} levels; a scenario is a few levels deep`)];
  const schemaErrors = schemaMessages(validate(data));
  const reported = new Set(schemaErrors.map((e) => e.path));
  const meaning = isObject(data) ? semanticErrors(data, files).filter((e) => !reported.has(e.path)) : [];
  // in the document's order, each duplicate naming the first (a later one's "also /devices/0")
  const errors = inDocumentOrder(data, [...schemaErrors, ...meaning]);
  if (errors.length <= MAX_REPORTED_ERRORS) return errors;
  return [...errors.slice(0, MAX_REPORTED_ERRORS), atPath("scenario-limit", "", `... and ${errors.length - MAX_REPORTED_ERRORS} more errors`)];
}

/** Each key a scenario's text (JSON that parsed) gives twice in one object, at its line, column and
 *  JSON path: JSON.parse keeps the later value silently, so the run would not be the file as read. */
export function duplicateKeyErrors(text: string): ScenarioError[] {
  return findDuplicateKeys(text).map((d) => ({ ...atPath("scenario-file", d.path, duplicateKeyMessage(d)), line: d.line, col: d.col }));
}

export function formatScenarioErrors(file: string, errors: readonly ScenarioError[]): string {
  return errors.map((e) => renderDiagnostic(e, undefined, file)).join("");
}

// ---- schema errors -> one message per JSON path ----------------------------------------------------

function schemaMessages(errors: ErrorObject[]): ScenarioError[] {
  // `if` failures are how the step schema dispatches on `op`, not mistakes; a oneOf's branches say
  // less than the oneOf itself, so keep only the oneOf at that path.
  const relevant = errors.filter((e) => e.keyword !== "if");
  const oneOfPaths = new Set(relevant.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").map((e) => e.instancePath));
  // ...except a PCI address in a oneOf (`"physfn": address or null`): its branch, a $ref whose
  // schemaPath does not show the oneOf, says which part of the address is wrong, and the oneOf
  // only "one of the allowed forms", so the address's message stands alone, as it does elsewhere
  const sbdfPaths = new Set(relevant.filter(isSbdfShape).map((e) => e.instancePath));
  const out: ScenarioError[] = [];
  const seen = new Set<string>();
  for (const e of relevant) {
    const underOneOf = e.keyword !== "oneOf" && e.keyword !== "anyOf" && oneOfPaths.has(e.instancePath) && e.schemaPath.includes("/oneOf/");
    if (underOneOf) continue;
    if ((e.keyword === "oneOf" || e.keyword === "anyOf") && sbdfPaths.has(e.instancePath)) continue;
    const m = message(e);
    const key = `${m.path}\0${m.message}`;
    if (!seen.has(key)) out.push(m), seen.add(key);
  }
  return out;
}

/** The schema's words for an SBDF (scenario.schema.json, definitions/sbdf), for the meaning check's
 *  message too. */
const SBDF_DESCRIPTION = "a PCI address as Xen reads it (parse_pci), SSSS:BB:DD.F or BB:DD.F (segment 0), hex, e.g. 0000:03:10.1 or 03:10.1";
/** Which part of an address parseSbdf refused ("device 20 out of range (max 1f)"). */
const sbdfWhy = (error: string) => error.replace(/^invalid PCI address '.*?': /, "");

/** A string that is not shaped as a PCI address (the schema's sbdf pattern). */
const isSbdfShape = (e: ErrorObject): boolean =>
  e.keyword === "pattern" && typeof e.data === "string" && ((e.parentSchema as { description?: string } | undefined)?.description?.startsWith("a PCI address") ?? false);

function message(e: ErrorObject): ScenarioError {
  const got = e.data === undefined ? "" : `; got ${shortJson(e.data)}`;
  const desc = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case "required":
      return atPath("scenario-schema", `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, "missing; it is required here");
    case "additionalProperties": {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      return atPath("scenario-schema", `${e.instancePath}/${name}`, `unknown property; expected one of ${allowed.join(", ")}`);
    }
    case "enum": {
      const hint = e.instancePath === "/xen" ? xenValueHint(e.data) : "";
      return atPath("scenario-schema", e.instancePath, `expected one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}${got}${hint}`);
    }
    case "pattern": {
      // a PCI address: which part is wrong (parse_pci's fields), when it can tell
      const sbdf = isSbdfShape(e) ? parseSbdf(e.data as string) : undefined;
      const why = sbdf && !sbdf.ok ? ` (${sbdfWhy(sbdf.error)})` : "";
      return atPath("scenario-schema", e.instancePath, `expected ${desc ?? `a string matching ${(e.params as { pattern: string }).pattern}`}${got}${why}`);
    }
    case "type":
      return atPath("scenario-schema", e.instancePath, `expected ${(e.params as { type: string }).type}${got}`);
    case "oneOf":
    case "anyOf":
      return atPath("scenario-schema", e.instancePath, `expected ${desc ?? "one of the allowed forms"}${got}`);
    case "minItems": {
      const n = (e.params as { limit: number }).limit;
      return atPath("scenario-schema", e.instancePath, `expected at least ${n} item${n === 1 ? "" : "s"}${got}`);
    }
    case "minLength":
      return atPath("scenario-schema", e.instancePath, `expected ${(e.params as { limit: number }).limit === 1 ? "a non-empty string" : `at least ${(e.params as { limit: number }).limit} characters`}${got}`);
    case "const":
      return atPath("scenario-schema", e.instancePath, `expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}${got}`);
    default:
      return atPath("scenario-schema", e.instancePath, `${e.message ?? "invalid"}${got}`);
  }
}

// ---- meaning -----------------------------------------------------------------------------------

const FLASK_ONLY = new Set<Step["op"]>(["set_bool", "load_policy", "set_enforcing"]);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The meaning of a scenario, read defensively: the schema may have found the document malformed,
 *  so every field is looked at only when it has the shape the check needs. */
function semanticErrors(s: Json, files: PolicyFiles): ScenarioError[] {
  const errors: ScenarioError[] = [];
  const err = (path: string, message: string) => errors.push(atPath("scenario", path, message));
  const names = new Map<string, number>();
  const domids = new Map<number, number>();
  const flask = s.xsm === "flask";
  const domains = list(s.domains);
  domains.forEach((d, i) => {
    if (!isObject(d)) return;
    const name = str(d.name);
    if (name === DOM_IO_NAME) err(`/domains/${i}/name`, `"${DOM_IO_NAME}" is Xen's dom_io (DOMID_IO), which assign_device and deassign_device name for quarantine; give this domain another name`);
    else if (name !== undefined) {
      if (names.has(name)) err(`/domains/${i}/name`, `duplicate domain name ${shortJson(name)} (also /domains/${names.get(name)})`);
      else names.set(name, i);
    }
    if (typeof d.domid === "number") {
      if (domids.has(d.domid)) err(`/domains/${i}/domid`, `duplicate domid ${d.domid} (also /domains/${domids.get(d.domid)})`);
      else domids.set(d.domid, i);
    }
    if (d.hvmPirq === true && d.hvm !== true) err(`/domains/${i}/hvmPirq`, 'pirqs for emulated interrupts are an HVM guest\'s (XEN_X86_EMU_USE_PIRQ); set "hvm": true');
    else if (d.hvmPirq === true && d.hardware === true) err(`/domains/${i}/hvmPirq`, "Xen refuses XEN_X86_EMU_USE_PIRQ for a PVH hardware domain (emulation_flags_ok); only a guest has it");
    if (d.callbackVector !== undefined && d.hvmPirq !== true) err(`/domains/${i}/callbackVector`, 'a vector callback matters only to a guest mapping its own pirqs; set "hvmPirq": true');
    // XEN_DOMCTL_CDF_iommu: sanitise_domain_config refuses it without an IOMMU ("IOMMU requested but
    // not available", as libxl's setdefault does first); create_dom0 sets it whenever there is one
    if (d.iommu === true && s.iommu === "none") err(`/domains/${i}/iommu`, 'the host has no IOMMU ("iommu": "none"): Xen refuses to create a domain with XEN_DOMCTL_CDF_iommu then (sanitise_domain_config, -EINVAL: "IOMMU requested but not available"); leave "iommu" out');
    else if (d.iommu === false && d.hardware === true) err(`/domains/${i}/iommu`, "a hardware domain uses the IOMMU whenever the host has one (create_dom0 sets XEN_DOMCTL_CDF_iommu with iommu_enabled); only a guest is made without it");
    if (flask && d.context === undefined) err(`/domains/${i}/context`, `missing; xsm flask needs every domain's security context (e.g. "system_u:system_r:domU_t")`);
  });
  const known = (path: string, name: unknown, domIo = false) => {
    if (typeof name === "string" && !names.has(name) && !(domIo && name === DOM_IO_NAME)) err(path, `unknown domain ${shortJson(name)}; expected one of ${domainList(names)}${domIo ? `, or "${DOM_IO_NAME}"` : ""}`);
  };
  domains.forEach((d, i) => isObject(d) && known(`/domains/${i}/target`, d.target));
  // A domain made by a create_domain step does not exist before it. A device model that exists from
  // the start cannot have such a target: Xen sets d->target with XEN_DOMCTL_set_target, which needs
  // both domains (and flask labels the model's view of its target then, flask_set_target).
  const createdBy = new Map<string, number>();
  list(s.steps).forEach((step, n) => {
    if (isObject(step) && step.op === "create_domain" && typeof step.domain === "string" && !createdBy.has(step.domain)) createdBy.set(step.domain, n);
  });
  // Nor can it have a target Xen's set_target refuses, which is the only way d->target is set (every
  // release tag's common/domctl.c): itself (d == e, -EINVAL) or a guest that is not HVM
  // (!is_hvm_domain(e), -EOPNOTSUPP; a domain's type is fixed at its creation).
  const byName = new Map(domains.flatMap((d) => (isObject(d) && typeof d.name === "string" ? [[d.name, d] as const] : [])));
  domains.forEach((d, i) => {
    if (!isObject(d) || typeof d.target !== "string" || typeof d.name !== "string" || createdBy.has(d.name)) return;
    const made = createdBy.get(d.target);
    if (made !== undefined) {
      err(
        `/domains/${i}/target`,
        `${shortJson(d.target)} is made by /steps/${made} (create_domain), so it does not exist when ${shortJson(d.name)} starts: a device model's target is set by XEN_DOMCTL_set_target, which needs both domains. Make ${shortJson(d.name)} with a create_domain step after it (libxl sets the target then)`,
      );
      return;
    }
    const e = byName.get(d.target);
    if (d.target === d.name) err(`/domains/${i}/target`, `${shortJson(d.name)} cannot be its own device model: XEN_DOMCTL_set_target refuses d == e (-EINVAL), and it is the only way Xen sets d->target`);
    else if (e !== undefined && e.hvm !== true) {
      err(
        `/domains/${i}/target`,
        `${shortJson(d.target)} is not an HVM guest (no "hvm": true), so ${shortJson(d.name)} cannot start as its device model: XEN_DOMCTL_set_target, the only way Xen sets d->target, refuses a target that is not HVM (!is_hvm_domain(e): -EOPNOTSUPP, in every release modelled), and a domain's type is fixed when it is created. Mark ${shortJson(d.target)} "hvm": true, or make ${shortJson(d.name)} with a create_domain step to see the refusal`,
      );
    }
  });

  const devices = new Map<string, number>();
  const msixDevices = new Set<string>();
  list(s.devices).forEach((d, i) => {
    if (!isObject(d)) return;
    if (typeof d.sbdf === "string") {
      const p = parseSbdf(d.sbdf);
      if (!p.ok) sbdf(`/devices/${i}/sbdf`, d.sbdf, err);
      else {
        const canonical = `${p.value.seg}:${p.value.bus}:${p.value.dev}.${p.value.fn}`;
        if (devices.has(canonical)) err(`/devices/${i}/sbdf`, `duplicate device ${d.sbdf} (also /devices/${devices.get(canonical)})`);
        else devices.set(canonical, i);
      }
    }
    if (isObject(d.msix) && typeof d.sbdf === "string") {
      const c = canonicalSbdf(d.sbdf);
      if (c !== undefined) msixDevices.add(c);
    }
    if (isObject(d.bridge) && typeof d.bridge.secondary === "number" && typeof d.bridge.subordinate === "number") {
      const bus = typeof d.sbdf === "string" ? parseSbdf(d.sbdf) : undefined;
      if (d.bridge.secondary > d.bridge.subordinate) err(`/devices/${i}/bridge/subordinate`, `the last bus behind the bridge (${d.bridge.subordinate}) is below its first (${d.bridge.secondary})`);
      else if (bus?.ok && d.bridge.secondary <= bus.value.bus) err(`/devices/${i}/bridge/secondary`, `the buses behind a bridge come after its own (bus ${bus.value.bus}); got ${d.bridge.secondary}`);
    }
    // pdev_type(): a device's class is a bridge's or not; a bridge's kind is bridge.type
    if (isObject(d.bridge) && d.type !== undefined) err(`/devices/${i}/type`, `a bridge is no ${String(d.type)} device: give its kind as bridge.type (pcie-to-pci, pci-to-pcie, legacy-pci)`);
    list(d.bars).forEach((b, j) => {
      if (isObject(b) && (b.mem === undefined) === (b.io === undefined)) err(`/devices/${i}/bars/${j}`, "give either mem (a memory BAR's address) or io (an I/O BAR's first port)");
    });
    // alloc_pdev() reads DEVCAP's phantom field of a PCIe endpoint only
    if (typeof d.devcapPhantom === "number" && d.devcapPhantom !== 0 && (isObject(d.bridge) || (d.type ?? "pcie-endpoint") !== "pcie-endpoint")) {
      err(`/devices/${i}/devcapPhantom`, `${isObject(d.bridge) ? "a bridge" : `a ${String(d.type)} device`} has no phantom functions to Xen: alloc_pdev reads the PCI Express Device Capabilities' Phantom Functions field of a PCIe endpoint only (DEV_TYPE_PCIe_ENDPOINT)`);
    }
  });
  // parse_phantom_dev() of each pci-phantom= occurrence, in order: a refused one takes no slot
  let phantoms = 0;
  list(s.pciPhantom).forEach((v, i) => {
    if (typeof v !== "string") return;
    const p = parsePhantomDev(v, phantoms);
    if (p.ok) phantoms++;
    else err(`/pciPhantom/${i}`, `pci-phantom=${v}: ${p.why}; Xen refuses it (${phantomRejectLine(v, p.rc)}) and boots without it. The form is [<seg>:]<bus>:<device>,<stride> in hex, stride 1, 2 or 4, at most ${MAX_PHANTOM_DEVS} times`);
  });

  // the IVRS table is AMD's, per segment; Xen reads ivrs_mappings of a segment an IOMMU covers
  if (s.ivrs !== undefined && s.iommuVendor !== "amd") err("/ivrs", 'an IVRS table is AMD\'s ACPI table: set "iommuVendor": "amd" (VT-d groups by bridges, `bridge` in `devices`)');
  if (s.iommuVendor !== undefined && s.iommu === "none") err("/iommuVendor", 'the host has no IOMMU ("iommu": "none"): there is no vendor to name');
  ivrsTable(s.ivrs, err);

  if (flask) {
    if (s.policy === undefined) err("/policy", "missing; xsm flask needs a policy file (a path relative to the scenario)");
    else if (typeof s.policy === "string") policyFile("/policy", s.policy, files, err);
  }

  list(s.steps).forEach((step, i) => {
    if (!isObject(step)) return;
    const at = `/steps/${i}`;
    const op = str(step.op);
    known(`${at}/as`, step.as);
    // XEN_DOMCTL_{,de}assign_device take DOMID_IO (dom_io); other domctls look the domain up
    known(`${at}/domain`, step.domain, op === "assign_device" || op === "deassign_device");
    known(`${at}/remote`, step.remote);
    if (op === "set_target") known(`${at}/target`, step.target);
    if (op === "grant_copy") {
      // struct gnttab_copy_ptr is a union: a grant ref (with the GNTCOPY_*_gref flag) or a frame
      for (const side of ["source", "dest"] as const) {
        const ptr = step[side];
        if (!isObject(ptr)) continue;
        known(`${at}/${side}/domain`, ptr.domain);
        if (ptr.ref !== undefined && ptr.frame !== undefined) err(`${at}/${side}/frame`, "give either ref (a grant reference: GNTCOPY_" + side + "_gref) or frame (a frame of the caller's own), not both");
        else if (ptr.ref === undefined && ptr.frame === undefined) err(`${at}/${side}`, "missing ref or frame; give ref (a grant reference of domain) or frame (a frame of the caller's own)");
      }
    }
    if (typeof step.sbdf === "string") sbdf(`${at}/sbdf`, step.sbdf, err);
    list(step.pci).forEach((p, j) => typeof p === "string" && sbdf(`${at}/pci/${j}`, p, err));
    if (op === "create_domain" && list(step.pci).length > 0 && typeof step.domain === "string") {
      const d = domains[names.get(step.domain) ?? -1];
      // libxl__domain_config_setdefault: "passthrough disabled but devices are specified"
      if (isObject(d) && d.iommu === false) err(`${at}/pci`, `${shortJson(step.domain)} is made without IOMMU use (its "iommu": false, xl.cfg passthrough="disabled"), and libxl refuses a domain configured with pci devices then, before any hypercall; drop "pci" or the domain's "iommu": false`);
    }
    if (op === "pci_add_device" && typeof step.physfn === "string") {
      sbdf(`${at}/physfn`, step.physfn, err);
      if (typeof step.sbdf === "string" && canonicalSbdf(step.physfn) !== undefined && canonicalSbdf(step.physfn) === canonicalSbdf(step.sbdf)) err(`${at}/physfn`, "a VF cannot be its own PF");
      if (step.extfn === true) err(`${at}/extfn`, "a VF takes extfn from its PF; give either physfn or extfn");
    }
    if (op !== undefined && FLASK_ONLY.has(op as Step["op"]) && !flask) err(`${at}/op`, `${op} needs "xsm": "flask" (the dummy module has no policy)`);
    if (op === "load_policy" && typeof step.policy === "string") policyFile(`${at}/policy`, step.policy, files, err);
    if (op === "map_pirq") {
      if (typeof step.msi === "string") sbdf(`${at}/msi`, step.msi, err);
      if (step.gsi !== undefined && step.msi !== undefined) err(`${at}/msi`, "give either gsi (MAP_PIRQ_TYPE_GSI) or msi (MAP_PIRQ_TYPE_MSI), not both");
      if (step.gsi === undefined && step.msi === undefined) err(`${at}/gsi`, "missing; give gsi (a GSI: MAP_PIRQ_TYPE_GSI) or msi (a device's MSI vector: MAP_PIRQ_TYPE_MSI)");
      if (step.entry_nr !== undefined && step.msi === undefined) err(`${at}/entry_nr`, "entry_nr asks for several MSI vectors (MAP_PIRQ_TYPE_MULTI_MSI): give msi, the device");
      if (step.msix_entry !== undefined && step.msi === undefined) err(`${at}/msix_entry`, "msix_entry is an entry of a device's MSI-X table: give msi, the device");
      else if (step.msix_entry !== undefined && step.entry_nr !== undefined) err(`${at}/msix_entry`, "give either entry_nr (MAP_PIRQ_TYPE_MULTI_MSI) or msix_entry (an MSI-X entry); Xen refuses a MULTI_MSI request with a table_base (-EINVAL)");
      else if (step.msix_entry !== undefined && step.table_base === undefined && typeof step.msi === "string" && !msixDevices.has(canonicalSbdf(step.msi) ?? "")) {
        err(`${at}/msix_entry`, `${shortJson(step.msi)} has no msix in the scenario's devices: give the device's msix (its table's address is the table_base a device model passes), or table_base`);
      }
      if (step.table_base !== undefined && step.msix_entry === undefined) err(`${at}/table_base`, "table_base goes with msix_entry (an MSI-X entry); plain MSI has none");
      if (parseNum(step.table_base) === 0) err(`${at}/table_base`, "a table_base of 0 is plain MSI (allocate_and_map_msi_pirq): leave msix_entry out instead");
    }
    if (op === "unmask_gsi" && typeof step.as === "string") {
      const dom = domains.find((x) => isObject(x) && x.name === step.as);
      if (isObject(dom) && (dom.hardware !== true || dom.hvm !== true)) err(`${at}/as`, `${shortJson(step.as)} is not a PVH hardware domain ("hardware": true, "hvm": true): only its vIO-APIC maps host GSIs (vioapic_hwdom_map_gsi); a guest's pins are emulated`);
    }
    if (op === "msix_maskall") {
      const dom = domains.find((x) => isObject(x) && x.name === step.as);
      if (isObject(dom) && dom.hardware !== true) err(`${at}/as`, `${shortJson(step.as)} is not a hardware domain: only the hardware domain writes a device's config space (pciback does it for a guest)`);
      if (typeof step.sbdf === "string" && canonicalSbdf(step.sbdf) !== undefined && !msixDevices.has(canonicalSbdf(step.sbdf)!)) err(`${at}/sbdf`, `${shortJson(step.sbdf)} has no msix in the scenario's devices: only an MSI-X capability has a MASKALL bit`);
    }
    if (op === "bind_pt_irq" && step.gtable !== undefined && (step.device !== undefined || step.intx !== undefined)) {
      err(`${at}/gtable`, "gtable (the guest's MSI-X table) belongs to PT_IRQ_TYPE_MSI: leave device and intx out");
    }
    if ((op === "bind_pt_irq" || op === "unbind_pt_irq") && (step.device === undefined) !== (step.intx === undefined)) {
      err(`${at}/${step.device === undefined ? "device" : "intx"}`, "missing; a PT_IRQ_TYPE_PCI binding names the guest device and its INTx pin together");
    }
    const expect = isObject(step.expect) ? step.expect : {};
    if (expect.group !== undefined && op !== "get_device_group") err(`${at}/expect/group`, "group is what get_device_group lists; this step lists nothing");
    list(expect.group).forEach((g, j) => typeof g === "string" && sbdf(`${at}/expect/group/${j}`, g, err));
    list(expect.resources).forEach((r, j) => {
      if (!isObject(r)) return;
      known(`${at}/expect/resources/${j}/domain`, r.domain);
      list(r.channels).forEach((c, n) => isObject(c) && known(`${at}/expect/resources/${j}/channels/${n}/remote`, c.remote));
      list(r.grants).forEach((g, n) => isObject(g) && known(`${at}/expect/resources/${j}/grants/${n}/domain`, g.domain));
      list(r.mappings).forEach((m, n) => isObject(m) && known(`${at}/expect/resources/${j}/mappings/${n}/domain`, m.domain));
      list(r.msixtbl).forEach((v, n) => typeof v === "string" && sbdf(`${at}/expect/resources/${j}/msixtbl/${n}`, v, err));
      for (const k of ["irqs", "iomem", "ioports", "mmio"]) {
        list(r[k]).forEach((v, n) => {
          if (typeof v === "string" && parseRange(v) === undefined) err(`${at}/expect/resources/${j}/${k}/${n}`, `expected LOW-HIGH with LOW <= HIGH; got ${shortJson(v)}`);
        });
      }
    });
    list(expect.devices).forEach((d, j) => {
      if (!isObject(d)) return;
      if (typeof d.sbdf === "string") sbdf(`${at}/expect/devices/${j}/sbdf`, d.sbdf, err);
      // (the schema checks an address's shape only: the one parser, parseSbdf, checks every one)
      if (typeof d.physfn === "string") sbdf(`${at}/expect/devices/${j}/physfn`, d.physfn, err);
      known(`${at}/expect/devices/${j}/owner`, d.owner, true);
    });
  });
  return errors;
}

/** A PCI address's canonical text (seg:bus:dev.fn as numbers), or undefined when malformed. */
function canonicalSbdf(text: string): string | undefined {
  const p = parseSbdf(text);
  return p.ok ? `${p.value.seg}:${p.value.bus}:${p.value.dev}.${p.value.fn}` : undefined;
}

/** A number as a scenario writes it (an integer, or "0x..." hex), or undefined. */
export function parseNum(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== "string" || !/^(0[xX][0-9a-fA-F]{1,13}|[0-9]{1,16})$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** "LOW-HIGH" or a single number (integer or hex) as an inclusive range; undefined when malformed
 *  or LOW > HIGH. */
export function parseRange(v: unknown): { start: number; end: number } | undefined {
  if (typeof v === "number") return parseNum(v) === undefined ? undefined : { start: v, end: v };
  if (typeof v !== "string") return undefined;
  const [a, b, ...rest] = v.split("-");
  const start = parseNum(a);
  const end = b === undefined ? start : parseNum(b);
  return rest.length || start === undefined || end === undefined || start > end ? undefined : { start, end };
}

const clip = (text: string, max = 200) => (text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`);

/** The known domain names for a message, the first few of a long list (each message names them). */
function domainList(names: Map<string, number>): string {
  const all = [...names.keys()];
  const shown = all.slice(0, 12).map((n) => clip(n, 40));
  return all.length > shown.length ? `${shown.join(", ")} (and ${all.length - shown.length} more)` : shown.join(", ");
}

/** The IVRS table as Xen's parse_ivhd_device_*() take it: an alias or a range's last device in
 *  the entry's segment; a range's last above its first ("IVHD: invalid range: Last Dev_Id"); an
 *  alias below ivrs_bdf_entries, the last bdf any entry names rounded up to its function 7
 *  ("IVHD: invalid Alias Dev_Id"). Any of them makes Xen refuse the whole table. */
function ivrsTable(ivrs: unknown, err: (path: string, message: string) => void): void {
  if (Array.isArray(ivrs) && ivrs.length === 0) err("/ivrs", 'an IVRS table with no device entries: Xen finds no AMD IOMMU at all (amd_iommu_get_ivrs_dev_entries: -ENODEV); leave "ivrs" out, or give the host none ("iommu": "none")');
  const entries = list(ivrs).flatMap((e, i) => {
    if (!isObject(e) || typeof e.sbdf !== "string") return [];
    sbdf(`/ivrs/${i}/sbdf`, e.sbdf, err);
    const first = parseSbdf(e.sbdf);
    const at = (field: "alias" | "last") => {
      const text = e[field];
      if (typeof text !== "string") return undefined;
      sbdf(`/ivrs/${i}/${field}`, text, err);
      const p = parseSbdf(text);
      if (!p.ok || !first.ok) return undefined;
      const seg = (n: number) => n.toString(16).padStart(4, "0");
      if (p.value.seg !== first.value.seg) {
        err(`/ivrs/${i}/${field}`, `an IVHD entry's ${field === "alias" ? "alias" : "last device"} is a bdf of the device's own segment (${seg(first.value.seg)}); got segment ${seg(p.value.seg)}`);
        return undefined;
      }
      return bdfOf(p.value);
    };
    const [alias, last] = [at("alias"), at("last")];
    if (!first.ok) return [];
    const bdf = bdfOf(first.value);
    if (last !== undefined && last <= bdf) err(`/ivrs/${i}/last`, `a range's last device comes after its first, ${e.sbdf} (Xen refuses the table: "IVHD: invalid range: Last Dev_Id")`);
    return [{ i, end: last ?? bdf, alias }];
  });
  const bdfEntries = Math.max(0, ...entries.map((e) => (e.end | 7) + 1));
  for (const e of entries) {
    if (e.alias !== undefined && e.alias >= bdfEntries) err(`/ivrs/${e.i}/alias`, `an alias past every device the table names (ivrs_bdf_entries 0x${bdfEntries.toString(16)}: the last bdf named, up to its function 7): Xen refuses the table ("IVHD: invalid Alias Dev_Id")`);
  }
}

const bdfOf = (p: { bus: number; dev: number; fn: number }) => (p.bus << 8) | (p.dev << 3) | p.fn;

function sbdf(path: string, text: string, err: (path: string, message: string) => void): void {
  const p = parseSbdf(text);
  if (!p.ok) err(path, `expected ${SBDF_DESCRIPTION}; got ${shortJson(text)} (${sbdfWhy(p.error)})`);
}

function policyFile(path: string, rel: string, files: PolicyFiles, err: (path: string, message: string) => void): void {
  if (!files.exists(rel)) err(path, `policy file ${shortJson(rel)} not found (looked for ${clip(files.where(rel))}; paths are relative to ${files.base ?? "the scenario file"})`);
}
