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
  /** The policy does not accept this context (policydb_context_isvalid fails): a permissive
   *  reload kept it (convert_context_handle_invalid_context), or a permissive transition computed
   *  it (compute_sid_handle_invalid_context). security_context_to_sid never gives such a SID. */
  invalid?: true;
  /** Its type is an attribute of the policy (a reload converted it so): valid under object_r, but
   *  security_context_to_sid refuses the text (it checks type_datum's attribute flag). */
  attribute?: true;
}

/** A SID's context as the old policy names it (what Xen prints) and why the new policy refuses it. */
export interface Refused {
  context: string;
  why: string;
}

/** What a reload did to the running SIDs: one entry per SID, as Xen prints a line per SID. */
export interface Conversion {
  table: SidTable;
  /** SIDs removed (sidtab_map_remove_on_error). */
  invalidated: Refused[];
  /** SIDs a permissive reload kept with a context the new policy does not accept. */
  kept: Refused[];
  /** The new policy's own `sid` contexts it rejects. */
  problems: string[];
  /** SIDs converted, valid, to a context whose type the new policy declares as an attribute
   *  (under object_r): Xen prints nothing for them. */
  attributes: { context: string; attribute: string }[];
}

export class SidTable {
  /** sid -> entry; a hole is a SID the policy never declared or a reload invalidated. */
  private readonly entries: (SidEntry | undefined)[] = [];
  /** Canonical text -> sid of every entry: sidtab_context_to_sid's search by context. */
  private readonly byContext = new Map<string, number>();
  /** security_context_to_sid's answers so far: any text a caller used (aliases included) -> the
   *  SID of its valid context. */
  private readonly byText = new Map<string, number>();
  /** Texts whose SID a reload invalidated or kept with an invalid context -> that SID: what a
   *  running domain labelled by the text still holds (Xen keeps a domain's SID, not its text). */
  private readonly held = new Map<string, number>();
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

  /** The SID a text already labels, without parsing (the hooks' fast path): a running domain's,
   *  kept across reloads; undefined if not yet interned. */
  lookup(text: string): number | undefined {
    return this.held.get(text) ?? this.byText.get(text);
  }

  /** security_context_to_sid(): the SID of a valid context, interned on first use; the reason
   *  when the policy does not accept the text (also for the text of a SID a reload invalidated or
   *  kept invalid: Xen parses and validates before it searches the table). */
  contextToSid(text: string): SidResult {
    const known = this.byText.get(text);
    if (known !== undefined) return { ok: true, value: known };
    const parsed = this.policy.parseContext(text);
    if (!parsed.ok) return parsed;
    const sid = this.contextStructToSid(parsed.value);
    this.byText.set(text, sid);
    return { ok: true, value: sid };
  }

  /** sidtab_context_to_sid() on a computed context (security_compute_sid's new context): interned
   *  as it is, the caller having decided about its validity, as Xen does; `valid: false` marks a
   *  context the policy does not accept (permissive mode keeps it). */
  contextStructToSid(context: SecurityContext, valid = true): number {
    const text = this.policy.contextToString(context);
    let sid = this.byContext.get(text);
    if (sid === undefined) {
      sid = this.nextSid++;
      this.install(sid, context, text, valid);
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

  /** The context of the SID whose canonical text (sidToString's) this is, valid or not: what an
   *  explanation of a hook's check asks about. */
  contextOfText(text: string): SecurityContext | undefined {
    const sid = this.byContext.get(text);
    return sid === undefined ? undefined : this.entries[sid]?.context;
  }

  /** Whether a reload invalidated this SID, and the context it had. */
  invalidatedContext(sid: number): string | undefined {
    return this.invalidated.get(sid);
  }

  /** Whether this SID holds a context the policy does not accept (kept by a permissive reload or
   *  computed by a permissive transition). */
  isInvalid(sid: number): boolean {
    return this.entries[sid]?.invalid === true;
  }

  /** The SIDs the table holds, ascending (sidtab_map's walk); a SID a reload invalidated is gone. */
  sids(): number[] {
    return this.entries.flatMap((e, sid) => (e === undefined ? [] : [sid]));
  }

  get size(): number {
    return this.entries.reduce((n, e) => (e === undefined ? n : n + 1), 0);
  }

  /**
   * security_load_policy()'s clone_sid + convert_context on a reload: every SID, the initial ones
   * included, keeps its number and its context, converted by name under the new policy (Xen does
   * not run policydb_load_isids again, so the new policy's `sid` contexts are only checked, as
   * policydb_read's context_read_and_validate does, never installed: a reload cannot relabel dom0
   * or the `device` SID). Then, per SID:
   * - a name the new policy does not declare (user, role, type, sensitivity or category): the SID
   *   is invalidated in either mode (Xen prints "invalidating context"); it reads as unlabeled;
   * - names all declared but a combination the new policy does not accept (role not authorized
   *   for the user, type for the role, MLS range): invalidated when enforcing; when permissive
   *   kept with that context, marked invalid (Xen prints "context ... is invalid"). A later reload
   *   converts it again: enforcing then removes it unless the newer policy accepts it.
   * A SID removed or kept invalid stays held by the texts that named it (running domains keep
   * their SID), but security_context_to_sid refuses those texts, as Xen's does.
   * A type name the new policy declares as an attribute converts to the attribute (Xen's lookup in
   * p_types finds attributes too): valid under object_r, so kept in either mode with nothing
   * printed (`attributes` lists them); under another role not accepted, as above. Decisions for
   * such a SID reach only the rules keyed on the attribute itself (its type_attr_map row), and
   * security_context_to_sid refuses its text (it checks the attribute flag).
   */
  convert(newPolicy: CompiledPolicy, enforcing = true): Conversion {
    const { problems } = SidTable.load(newPolicy);
    const table = new SidTable(newPolicy);
    const invalidated: Refused[] = [];
    const kept: Refused[] = [];
    const attributes: Conversion["attributes"] = [];
    // clone_sid inserts every SID, so next_sid ends one past the highest: the running table's
    table.nextSid = this.nextSid;
    this.entries.forEach((entry, sid) => {
      if (entry === undefined) return;
      const converted = newPolicy.convertContext(this.policy.contextNames(entry.context));
      if (converted.ok && converted.invalid === undefined) {
        table.install(sid, converted.value, newPolicy.contextToString(converted.value));
        if (converted.attribute !== undefined) attributes.push({ context: entry.text, attribute: converted.attribute });
      } else if (converted.ok && !enforcing) {
        table.install(sid, converted.value, newPolicy.contextToString(converted.value), false);
        kept.push({ context: entry.text, why: converted.invalid! });
      } else {
        table.invalidated.set(sid, entry.text);
        invalidated.push({ context: entry.text, why: converted.ok ? converted.invalid! : converted.error });
      }
    });
    for (const [sid, text] of this.invalidated) table.invalidated.set(sid, text);
    // texts security_context_to_sid now refuses, though a running domain still holds their SID
    const stale = (sid: number) => table.invalidated.has(sid) || table.isInvalid(sid) || table.entries[sid]?.attribute === true;
    for (const handles of [this.held, this.byText]) {
      for (const [text, sid] of handles) if (stale(sid) && !table.held.has(text)) table.held.set(text, sid);
    }
    return { table, invalidated, kept, problems, attributes };
  }

  private install(sid: number, context: SecurityContext, text: string, valid = true): void {
    // a type id past the types is an attribute's (SecurityContext.type)
    const attribute = context.type >= this.policy.stats.types;
    this.entries[sid] = { text, context, ...(valid ? {} : { invalid: true as const }), ...(attribute ? { attribute: true as const } : {}) };
    if (!this.byContext.has(text)) this.byContext.set(text, sid);
    if (valid && !attribute && !this.byText.has(text)) this.byText.set(text, sid);
    if (sid >= this.nextSid) this.nextSid = sid + 1;
  }
}
