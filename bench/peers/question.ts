// A question all three engines answer: may a domain of type `stype` do `tclass:perm` on an object
// of type `ttype`? For the XSM hook benchmarks `ttype` is the device label and (tclass, perm) the
// hook's check, e.g. resource_unplug_pci -> (resource, unplug).
export interface Question {
  stype: string;
  ttype: string;
  tclass: string;
  perm: string;
}

/** A peer authorizer ready to answer questions on one translated policy. */
export interface Peer {
  name: string;
  /** How the policy was translated, for the notes under the table. */
  translation: string;
  decide(q: Question): boolean;
  /** A timing loop over pre-built requests for `questions` (index i mod length). */
  loop(questions: readonly Question[]): (n: number) => number;
}
