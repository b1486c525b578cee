// The SID table (xen/xsm/flask/ss/sidtab.c with services.c's security_context_to_sid,
// security_sid_to_context and the conversion done by security_load_policy).
import type { Result } from "../diagnostics/result.js";
import type { CompiledPolicy, SecurityContext } from "../policy/types.js";

/** Xen's initial SIDs, numbered as xen/xsm/flask/policy/initial_sids declares them: mkflask.sh
 *  makes SECINITSID_<NAME> the line's place, from 1. Xen looks its initial SIDs up by these
 *  numbers in the SID table the policy's own `sid` list filled (policydb_load_isids inserts each
 *  at the number checkpolicy gave it: its place among the policy's `sid NAME` declarations), so a
 *  policy declaring them in another order or fewer of them gives Xen other contexts. */
export const INITIAL_SIDS = [
  "xenboot",
  "xen",
  "dom0",
  "domio",
  "domxen",
  "unlabeled",
  "security",
  "ioport",
  "iomem",
  "irq",
  "device",
  "domU",
  "domDM",
] as const;
export type InitialSidName = (typeof INITIAL_SIDS)[number];

export const SECINITSID_XENBOOT = 1;
export const SECINITSID_XEN = 2;
export const SECINITSID_DOM0 = 3;
export const SECINITSID_DOMIO = 4;
export const SECINITSID_DOMXEN = 5;
export const SECINITSID_UNLABELED = 6;
export const SECINITSID_SECURITY = 7;
export const SECINITSID_IOPORT = 8;
export const SECINITSID_IOMEM = 9;
export const SECINITSID_IRQ = 10;
export const SECINITSID_DEVICE = 11;
export const SECINITSID_DOMU = 12;
export const SECINITSID_DOMDM = 13;
/** SECINITSID_NUM: the number of Xen's initial SIDs. */
export const SECINITSID_NUM = INITIAL_SIDS.length;

export type SidResult = Result<number, string>;

interface SidEntry {
  /** The canonical text (primary type names), what security_sid_to_context gives. */
  text: string;
  context: SecurityContext;
}

export class SidTable {
  /** sid -> entry; a hole is a SID the policy never declared or a reload invalidated. */
  private readonly entries: (SidEntry | undefined)[] = [];
  /** Any text a caller used (aliases included) and each canonical text -> sid. */
  private readonly byText = new Map<string, number>();
  /** Canonical texts of SIDs a reload invalidated (sidtab_map_remove_on_error): they read as unlabeled. */
  private readonly invalidated = new Map<number, string>();
  /** sidtab's next_sid: one past the highest SID inserted (sidtab_init starts it at 1). */
  private nextSid = 1;

  private constructor(readonly policy: CompiledPolicy) {}

  /**
   * policydb_load_isids(): each initial SID the policy gives a context (`sid NAME context`) at
   * the number the policy gives it (its place among the `sid NAME` declarations; a binary's
   * number), whatever its name: Xen then reads SECINITSID_<NAME> by number. Returns the table
   * and a message for each declared context the policy itself rejects.
   */
  static load(policy: CompiledPolicy): { table: SidTable; problems: string[] } {
    const table = new SidTable(policy);
    const problems: string[] = [];
    for (const { sid, name, context: text } of policy.initialSids()) {
      const parsed = policy.parseContext(text);
      if (!parsed.ok) {
        problems.push(`initial SID ${name}: ${parsed.error}`);
        continue;
      }
      table.install(sid, parsed.value, policy.contextToString(parsed.value));
      // sidtab_context_to_sid finds the lowest SID holding a context (its hash walk)
      if (!table.byText.has(text)) table.byText.set(text, sid);
    }
    return { table, problems };
  }

  /** The SID a text already has, without parsing (the hooks' fast path); undefined if not yet interned. */
  lookup(text: string): number | undefined {
    return this.byText.get(text);
  }

  /** security_context_to_sid(): the SID of a context, interned on first use. */
  contextToSid(text: string): SidResult {
    const known = this.byText.get(text);
    if (known !== undefined) return { ok: true, value: known };
    const parsed = this.policy.parseContext(text);
    if (!parsed.ok) return parsed;
    const canonical = this.policy.contextToString(parsed.value);
    let sid = this.byText.get(canonical);
    if (sid === undefined) {
      sid = this.nextSid++;
      this.install(sid, parsed.value, canonical);
    }
    this.byText.set(text, sid);
    return { ok: true, value: sid };
  }

  /** sidtab_context_to_sid() on a computed context (security_compute_sid's new context): interned
   *  as it is, the caller having decided about its validity, as Xen does. */
  contextStructToSid(context: SecurityContext): number {
    const text = this.policy.contextToString(context);
    let sid = this.byText.get(text);
    if (sid === undefined) {
      sid = this.nextSid++;
      this.install(sid, context, text);
    }
    return sid;
  }

  /** Xen's SECINITSID_<NAME>, if the policy gives a context to that number (whichever name it
   *  declares there). */
  initialSid(name: InitialSidName): number | undefined {
    const sid = INITIAL_SIDS.indexOf(name) + 1;
    return this.entries[sid] !== undefined ? sid : undefined;
  }

  /** sidtab_search(): a SID's context; unknown or invalidated SIDs read as unlabeled, as in Xen. */
  sidToContext(sid: number): SecurityContext | undefined {
    return (this.entries[sid] ?? this.entries[SECINITSID_UNLABELED])?.context;
  }

  /** security_sid_to_context(): undefined when neither the SID nor unlabeled has a context. */
  sidToString(sid: number): string | undefined {
    return (this.entries[sid] ?? this.entries[SECINITSID_UNLABELED])?.text;
  }

  /** Whether a reload invalidated this SID, and the context it had. */
  invalidatedContext(sid: number): string | undefined {
    return this.invalidated.get(sid);
  }

  get size(): number {
    return this.entries.reduce((n, e) => (e === undefined ? n : n + 1), 0);
  }

  /**
   * security_load_policy()'s clone_sid + convert_context on a reload: every SID, the initial ones
   * included, keeps its number and its context, re-resolved by name under the new policy. Xen does
   * not run policydb_load_isids again, so the new policy's `sid` contexts are only checked (as
   * policydb_read's context_read_and_validate does), never installed: a reload cannot relabel
   * dom0 or the `device` SID. A context the new policy rejects loses its entry (its SID then reads
   * as unlabeled; with unlabeled gone too, as nothing); the texts that named it keep pointing at
   * the SID, as a running domain keeps its SID in Xen. Xen keeps an invalid context while
   * permissive when its names still exist; parseContext cannot tell the two apart, so here it is
   * always invalidated.
   */
  convert(newPolicy: CompiledPolicy): { table: SidTable; invalidated: string[]; problems: string[] } {
    const { problems } = SidTable.load(newPolicy);
    const table = new SidTable(newPolicy);
    const invalidated: string[] = [];
    // clone_sid inserts every SID, so next_sid ends one past the highest: the running table's
    table.nextSid = this.nextSid;
    this.entries.forEach((entry, sid) => {
      if (entry === undefined) return;
      const parsed = newPolicy.parseContext(entry.text);
      if (parsed.ok) {
        table.install(sid, parsed.value, newPolicy.contextToString(parsed.value));
      } else {
        table.invalidated.set(sid, entry.text);
        invalidated.push(`${entry.text}: ${parsed.error}`);
      }
    });
    for (const [sid, text] of this.invalidated) table.invalidated.set(sid, text);
    for (const [text, sid] of this.byText) {
      if (table.invalidated.has(sid) && !table.byText.has(text)) table.byText.set(text, sid);
    }
    return { table, invalidated, problems };
  }

  private install(sid: number, context: SecurityContext, text: string): void {
    this.entries[sid] = { text, context };
    if (!this.byText.has(text)) this.byText.set(text, sid);
    if (sid >= this.nextSid) this.nextSid = sid + 1;
  }
}
