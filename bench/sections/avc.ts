// Section 3: a full XSM hook call through the flask module and its AVC (resource_plug_pci,
// resource_unplug_pci, resource_setup_pci as Xen's hooks.c asks them: the calling domain's SID ->
// the device's pcidevicecon label, class resource), beside @cedar-policy/cedar-wasm and casbin
// answering the same questions on an equivalent policy.
//
// Equivalence: the peers are given the policy's TE rules as written (bench/gen/svp-policy.ts keeps
// them), translated as bench/peers/cedar.ts and casbin.ts explain: types and attributes become
// entities/roles with attribute membership as the hierarchy, (class, perm) pairs become actions.
// The SVP policies have no constraints, booleans or dontaudit, so the TE answer is the whole answer
// and a hook returns 0 exactly when the TE rules grant the perm. Before timing, ours (rc === 0), both
// peers and the rules themselves answer a sample of questions; any disagreement aborts the run.
import { type Budget, measureNs, sink } from "../lib/measure.js";
import { assertAgree } from "../lib/agree.js";
import { isMissing, loadCompiler, loadXsm } from "../lib/ours.js";
import { fmtNs, fmtRatio, type SectionResult, target } from "../lib/report.js";
import { modelAllows, type SvpPolicy, svpPolicy } from "../gen/svp-policy.js";
import { mulberry32 } from "../gen/prng.js";
import { sampleQuestions } from "../gen/questions.js";
import { cedarPeer } from "../peers/cedar.js";
import { casbinPeer } from "../peers/casbin.js";
import type { Peer, Question } from "../peers/question.js";
import type { Domain, Rc, XsmModule } from "../../src/xsm/types.js";
import type { CompiledPolicy } from "../../src/policy/types.js";

const HOOK_PERMS = ["plug", "unplug", "setup"] as const;
const SAMPLE = 1024;

interface HookCall {
  dom: Domain;
  bdf: number;
  hook: number; // index in HOOK_PERMS
  q: Question;
}

function hookCalls(p: SvpPolicy, seed: number): HookCall[] {
  const doms: Domain[] = p.domains.map((d, i) => ({
    domid: i,
    name: d.type.replace(/_t$/, ""),
    context: d.context,
    control: d.type === "svp_hwdom_t",
    hardware: d.type.endsWith("_hwdom_t"),
  }));
  const all: HookCall[] = [];
  for (const dom of doms)
    for (const dev of p.devices)
      HOOK_PERMS.forEach((perm, hook) =>
        all.push({ dom, bdf: dev.machineBdf, hook, q: { stype: dom.context!.split(":")[2]!, ttype: dev.label, tclass: "resource", perm } }),
      );
  // a deterministic shuffle, then half granted and half denied so both paths are timed
  const rnd = mulberry32(seed);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const granted = all.filter((c) => modelAllows(p, c.q.stype, c.q.ttype, c.q.tclass, c.q.perm));
  const denied = all.filter((c) => !modelAllows(p, c.q.stype, c.q.ttype, c.q.tclass, c.q.perm));
  const out: HookCall[] = [];
  for (let i = 0; out.length < SAMPLE; i++) out.push(granted[i % granted.length]!, denied[i % denied.length]!);
  return out;
}

function teAllows(policy: CompiledPolicy) {
  return (q: Question) => policy.allows(q.stype, q.ttype, q.tclass, q.perm) === true;
}

function callHook(x: XsmModule, c: HookCall): Rc {
  return c.hook === 0 ? x.resourcePlugPci(c.dom, c.bdf) : c.hook === 1 ? x.resourceUnplugPci(c.dom, c.bdf) : x.resourceSetupPci(c.dom, c.bdf);
}

function hookLoop(x: XsmModule, calls: readonly HookCall[]) {
  const D = calls.map((c) => c.dom), B = Int32Array.from(calls, (c) => c.bdf), H = Int32Array.from(calls, (c) => c.hook);
  const k = calls.length - 1; // calls.length is a power of two
  return (n: number) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const j = i & k;
      const h = H[j]!, d = D[j]!, b = B[j]!;
      const rc = h === 0 ? x.resourcePlugPci(d, b) : h === 1 ? x.resourceUnplugPci(d, b) : x.resourceSetupPci(d, b);
      if (rc === 0) acc++;
    }
    return acc;
  };
}

export async function avcSection(budget: Budget, quick: boolean): Promise<SectionResult> {
  const id = "avc", title = "3. XSM hook calls (flask + AVC) beside Cedar and casbin";
  const compilePolicy = await loadCompiler();
  const createXsm = await loadXsm();
  const rows: string[][] = [];
  const data: Record<string, unknown> = {};
  const notes: string[] = [];
  const oursMissing = isMissing(compilePolicy) ? compilePolicy.missing : isMissing(createXsm) ? createXsm.missing : undefined;
  for (const platforms of [2, 8]) {
    const p = svpPolicy(platforms);
    const calls = hookCalls(p, platforms);
    const questions = calls.map((c) => c.q);
    const peers: Peer[] = [cedarPeer(p, "stateful"), cedarPeer(p, "plain"), await casbinPeer(p)];
    const engines: { name: string; decide: (q: Question) => boolean }[] = [...peers];
    let xsm: XsmModule | undefined;
    if (!oursMissing && !isMissing(createXsm) && !isMissing(compilePolicy)) {
      const front = createXsm({ module: "flask", compile: compilePolicy, policyText: p.text, file: `svp-${p.types.size}-types.conf`, enforcing: true });
      xsm = front.module;
      // Denials are audited (the policy has no dontaudit), so the hook formats an avc line for each;
      // here the lines go to the sink instead of an ever-growing log.
      (xsm as { onAudit?: (line: string) => void }).onAudit = (line) => sink(line.length);
      const byQuestion = new Map(calls.map((c) => [`${c.q.stype} ${c.q.ttype} ${c.q.perm}`, c]));
      engines.push({ name: "flask hook", decide: (q) => callHook(xsm!, byQuestion.get(`${q.stype} ${q.ttype} ${q.perm}`)!) === 0 });
    }
    const checked = quick ? questions.slice(0, 128) : questions;
    const rules = (q: Question) => modelAllows(p, q.stype, q.ttype, q.tclass, q.perm);
    assertAgree(`hook questions at ${p.types.size} types`, checked, rules, engines);
    // The hooks ask class resource only; the translations also cover the other classes and `self`
    // rules, so the peers (and our TE decision) answer a general sample too.
    const general = sampleQuestions(p, quick ? 64 : 256, 7);
    const te = isMissing(compilePolicy) ? [] : [{ name: "policy.allows", decide: teAllows(compilePolicy(p.text)) }];
    assertAgree(`general questions at ${p.types.size} types`, general, rules, [peers[0]!, peers[2]!, ...te]);

    const tag = `${p.types.size} types`;
    const figures: Record<string, number | undefined> = {};
    if (xsm) {
      const grantedOnly = calls.filter((_, i) => i % 2 === 0);
      const one = calls.find((c) => c.q.stype === "svp_hwdom_t" && c.q.ttype === "gvp1_pci_t" && c.q.perm === "unplug")!;
      figures.hookOne = measureNs(hookLoop(xsm, Array.from({ length: 2 }, () => one)), budget).nsPerOp;
      figures.hookGranted = measureNs(hookLoop(xsm, [...grantedOnly, ...grantedOnly]), budget).nsPerOp;
      figures.hookMixed = measureNs(hookLoop(xsm, calls), budget).nsPerOp;
    }
    for (const peer of peers) figures[peer.name] = measureNs(peer.loop(questions), budget).nsPerOp;
    const ours = figures.hookMixed;
    rows.push(
      [`${tag}: svp_hwdom_t unplug gvp1_pci_t`, fmtNs(figures.hookOne), "", "", "", "", target("≤ 100 ns", figures.hookOne === undefined ? undefined : figures.hookOne <= 100)],
      [`${tag}: ${SAMPLE / 2} granted questions`, fmtNs(figures.hookGranted), "", "", "", "", target("≤ 100 ns", figures.hookGranted === undefined ? undefined : figures.hookGranted <= 100)],
      [
        `${tag}: ${SAMPLE} questions, half denied`,
        fmtNs(ours),
        ...peers.map((peer) => fmtNs(figures[peer.name])),
        fmtRatio(ours === undefined ? undefined : Math.min(...peers.map((peer) => figures[peer.name]!)) / ours),
        "",
      ],
    );
    data[tag] = {
      hookOneNs: figures.hookOne,
      hookGrantedNs: figures.hookGranted,
      hookMixedNs: figures.hookMixed,
      peersNs: Object.fromEntries(peers.map((peer) => [peer.name, figures[peer.name]])),
      translations: Object.fromEntries(peers.map((peer) => [peer.name, peer.translation])),
      questionsChecked: checked.length + general.length,
    };
    notes.push(
      `${tag}: ${peers.map((peer) => `${peer.name}: ${peer.translation}`).filter((_, i) => i !== 1).join("; ")}; ` +
        `${checked.length} hook questions and ${general.length} questions on every class agreed.`,
    );
  }
  if (oursMissing) notes.push(`ours: ${oursMissing}`);
  notes.push(
    "policies: bench/gen/svp-policy.ts with 2 guest platforms (29 types, the shape of the nested-trust example) and 8 (101 types).",
    "ours: module.resourcePlugPci/UnplugPci/SetupPci(domain, machineBdf), enforcing, AVC warm; a denial returns -EACCES and " +
      "formats its avc line (to a sink); the peers answer (type, label, resource:perm) for the same calls.",
    "Cedar and casbin are given the same TE rules as written (attributes as entity parents / casbin roles, one action per " +
      "class:perm, `self` as principal == resource); see the comments in bench/peers/*.ts.",
  );
  return {
    id,
    title,
    columns: ["case", "ours (hook)", "cedar (preparsed)", "cedar isAuthorized", "casbin", "fastest peer / ours", "target"],
    rows,
    notes,
    data,
  };
}
