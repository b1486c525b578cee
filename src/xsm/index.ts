// The XSM front: which module runs, and the flask_op operations that change its state
// (xen/xsm/flask/flask_op.c: load, setenforce, setbool/commitbools, avc stats).
// Callers hand `xsm.module` to the PCI registry and read each step's checks and audit lines.
import { PolicyError, diagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { CompiledPolicy, PolicyCompiler, SecurityContext } from "../policy/types.js";
import type { AvcStats } from "./avc.js";
import { DummyXsm, type DummyOptions } from "./dummy.js";
import { FlaskXsm, type FlaskOptions } from "./flask.js";
import { SecurityServer } from "./security.js";
import type { AssignCheck, IommuMode, Rc, XsmCheck, XsmDomainHooks, XsmEvtchnHooks, XsmGrantHooks, XsmIoHooks, XsmModule } from "./types.js";

export { DummyXsm, createDummyXsm, xsmDefaultAction } from "./dummy.js";
export { FlaskXsm } from "./flask.js";
export { SecurityServer } from "./security.js";
export { SidTable, INITIAL_SIDS } from "./sidtab.js";
export { Avc, AVC_CACHE_RECLAIM, AVC_CACHE_SLOTS, AVC_CACHE_THRESHOLD, avcHash, type AvcStats } from "./avc.js";
export { formatAvcAudit, type AvcAuditData } from "./audit.js";

export interface XsmOptions {
  module: "dummy" | "flask";
  /** flask: the policy, already compiled or as a file holds it, text or a binary policy's bytes
   *  (then `compile` reads it). */
  policyText?: string | Uint8Array;
  policy?: CompiledPolicy;
  /** How loadPolicy (and `policyText`) turn text or bytes into a policy, e.g. the package's compilePolicy. */
  compile?: PolicyCompiler;
  /** Name of the policy file in diagnostics. */
  file?: string;
  /** flask_enforcing; default true. */
  enforcing?: boolean;
  /** Picks the assignment perm; default "intremap" (use_iommu). */
  iommu?: IommuMode;
  /** dummy: apply do_domctl's XSM_PRIV gate before assign/deassign/test_assign (default true). */
  domctlGate?: boolean;
  /** Where the assignment domctls ask XSM (types.ts AssignCheck); default xsm_assign_device,
   *  Xen before XSA-492. */
  assignCheck?: AssignCheck;
}

export interface LoadResult {
  /** 0, or what Xen's flask_op would return: -EINVAL for a policy it refuses, -ENOSYS without flask. */
  rc: Rc;
  /** Errors when refused; warnings (e.g. contexts invalidated by the reload) otherwise. */
  diagnostics: Diagnostic[];
}

/** What one step of a caller did through XSM. */
export interface XsmRecord {
  checks: XsmCheck[];
  audit: string[];
}

export class Xsm {
  readonly module: XsmModule & XsmDomainHooks & XsmIoHooks & XsmEvtchnHooks & XsmGrantHooks;
  /** Every avc line so far, in order. */
  readonly auditLog: string[] = [];
  /** What building the module noticed, e.g. a resource permission the policy lacks. */
  readonly warnings: Diagnostic[];
  private pending: Map<string, boolean> | null = null; // flask_op.c bool_pending_values
  private recording: XsmRecord | null = null;
  private listener: ((check: XsmCheck) => void) | undefined;

  private readonly compile: PolicyCompiler | undefined;

  constructor(module: DummyXsm | FlaskXsm, warnings: Diagnostic[] = [], compile?: PolicyCompiler) {
    this.module = module;
    this.warnings = warnings;
    this.compile = compile;
    if (module instanceof FlaskXsm) {
      module.onAudit = (line) => {
        this.auditLog.push(line);
        this.recording?.audit.push(line);
      };
    }
  }

  private get flask(): FlaskXsm | undefined {
    return this.module instanceof FlaskXsm ? this.module : undefined;
  }

  /** The running policy (flask): the view the XSM owns, swapped whole by loadPolicy and commitBools. */
  get policy(): CompiledPolicy | undefined {
    return this.flask?.ss.policy;
  }

  /** The context of the running SID whose text a check names (XsmCheck.scontext, tcontext), as
   *  the SID table holds it: also one the policy would refuse to parse (kept invalid, or with an
   *  attribute as its type after a reload). */
  sidContext(text: string): SecurityContext | undefined {
    return this.flask?.ss.sidtab.contextOfText(text);
  }

  get enforcing(): boolean {
    return this.flask?.enforcing ?? true;
  }

  /**
   * flask_security_load() / security_load_policy(): compile completely, convert the SID table,
   * then install policy, SIDs and a flushed AVC together. A refused policy changes nothing.
   * Booleans the new policy shares with the old keep their current values
   * (security_preserve_bools); pending values are dropped.
   */
  loadPolicy(input: string | Uint8Array, file?: string): LoadResult {
    const flask = this.flask;
    if (!flask) return { rc: "-ENOSYS", diagnostics: [diagnostic("xsm-no-flask", undefined)] };
    if (!this.compile) return { rc: "-ENOSYS", diagnostics: [diagnostic("xsm-no-compiler", undefined, "load")] };
    let policy: CompiledPolicy;
    try {
      policy = this.compile(input, file !== undefined ? { file } : {});
    } catch (e) {
      if (e instanceof PolicyError) return { rc: "-EINVAL", diagnostics: e.diagnostics };
      throw e;
    }
    return this.install(policy);
  }

  /** loadPolicy() for a policy compiled elsewhere. */
  loadCompiledPolicy(policy: CompiledPolicy): LoadResult {
    if (!this.flask) return { rc: "-ENOSYS", diagnostics: [diagnostic("xsm-no-flask", undefined)] };
    return this.install(policy);
  }

  private install(loaded: CompiledPolicy): LoadResult {
    const flask = this.flask!;
    const old = flask.ss.policy;
    const preserved: Record<string, boolean> = {};
    for (const name of loaded.booleanNames()) {
      const value = old.getBoolean(name);
      if (value !== undefined) preserved[name] = value;
    }
    // the caller's view stays as it was: the XSM runs its own view with the preserved values
    const policy = loaded.withBooleans(preserved);
    const built = SecurityServer.build(policy, flask.ss, flask.enforcing);
    if (!built.ok) return { rc: "-EINVAL", diagnostics: built.error };
    flask.ss = built.value.server;
    flask.avc.reset();
    this.pending = null;
    return { rc: 0, diagnostics: built.value.warnings };
  }

  /** flask_security_setenforce(): switching to enforcing flushes the AVC (permissive grants go). */
  setEnforcing(enforcing: boolean): Rc {
    const flask = this.flask;
    if (!flask) return "-ENOSYS";
    if (flask.enforcing === enforcing) return 0;
    flask.enforcing = enforcing;
    if (enforcing) flask.avc.reset();
    return 0;
  }

  setIommu(mode: IommuMode): void {
    if (this.flask) this.flask.iommu = mode;
  }

  /**
   * flask_security_set_bool(): with `commit`, the value takes effect at once (security_set_bools,
   * which flushes the AVC); without, it becomes pending until commitBools(). -ENOENT for an
   * unknown boolean.
   */
  setBool(name: string, value: boolean, commit = false): Rc {
    const flask = this.flask;
    if (!flask) return "-ENOSYS";
    const policy = flask.ss.policy;
    if (policy.getBoolean(name) === undefined) return "-ENOENT";
    if (commit) {
      this.pending?.set(name, value);
      flask.ss = flask.ss.withView(policy.withBooleans({ [name]: value }));
      flask.avc.reset();
      return 0;
    }
    this.pending ??= new Map(Object.entries(policy.booleans()));
    this.pending.set(name, value);
    return 0;
  }

  /** flask_security_commit_bools(): every pending value at once, then an AVC flush. */
  commitBools(): Rc {
    const flask = this.flask;
    if (!flask) return "-ENOSYS";
    if (this.pending === null) return 0;
    flask.ss = flask.ss.withView(flask.ss.policy.withBooleans(Object.fromEntries(this.pending)));
    flask.avc.reset();
    return 0;
  }

  /** flask_security_get_bool(): the value in force and the pending one. */
  getBool(name: string): { current: boolean; pending: boolean } | undefined {
    const current = this.flask?.ss.policy.getBoolean(name);
    if (current === undefined) return undefined;
    return { current, pending: this.pending?.get(name) ?? current };
  }

  /** FLASK_AVC_CACHESTATS; zeros for the dummy module. */
  avcStats(): AvcStats {
    return this.flask?.avc.stats() ?? { lookups: 0, hits: 0, misses: 0, allocations: 0, reclaims: 0, frees: 0, entries: 0, resets: 0 };
  }

  /** Called with every check (slows the hooks a little: checks are built as objects). */
  set onCheck(listener: ((check: XsmCheck) => void) | undefined) {
    this.listener = listener;
    this.wire();
  }

  /** Runs `fn` and returns the checks and audit lines it caused, e.g. one simulator step. */
  record<T>(fn: () => T): { result: T } & XsmRecord {
    const outer = this.recording;
    const rec: XsmRecord = { checks: [], audit: [] };
    this.recording = rec;
    this.wire();
    try {
      return { result: fn(), ...rec };
    } finally {
      this.recording = outer;
      this.wire();
    }
  }

  // Installs an onCheck only while someone needs it, so the hooks keep their fast path otherwise.
  private wire(): void {
    const rec = this.recording;
    const listener = this.listener;
    if (rec === null && listener === undefined) this.module.onCheck = undefined;
    else
      this.module.onCheck = (check) => {
        rec?.checks.push(check);
        listener?.(check);
      };
  }
}

/**
 * Builds an XSM with the dummy or the flask module. For flask a policy (text or compiled) is
 * required; a policy it refuses throws PolicyError carrying every diagnostic, as compilePolicy does.
 */
export function createXsm(options: XsmOptions): Xsm {
  if (options.module === "dummy") {
    const dummyOptions: DummyOptions = {};
    if (options.domctlGate !== undefined) dummyOptions.domctlGate = options.domctlGate;
    if (options.assignCheck !== undefined) dummyOptions.assignCheck = options.assignCheck;
    return new Xsm(new DummyXsm(dummyOptions), [], options.compile);
  }
  const compile = options.compile;
  if (options.policy === undefined && options.policyText !== undefined && compile === undefined) {
    throw new PolicyError([diagnostic("xsm-no-compiler", undefined, "create")]);
  }
  const policy =
    options.policy ??
    (options.policyText !== undefined && compile ? compile(options.policyText, options.file !== undefined ? { file: options.file } : {}) : undefined);
  if (policy === undefined) throw new PolicyError([diagnostic("xsm-no-policy", undefined)]);
  const built = SecurityServer.build(policy);
  if (!built.ok) throw new PolicyError(built.error);
  const flaskOptions: FlaskOptions = {};
  if (options.enforcing !== undefined) flaskOptions.enforcing = options.enforcing;
  if (options.iommu !== undefined) flaskOptions.iommu = options.iommu;
  if (options.assignCheck !== undefined) flaskOptions.assignCheck = options.assignCheck;
  return new Xsm(new FlaskXsm(built.value.server, flaskOptions), [...policy.warnings, ...built.value.warnings], compile);
}
