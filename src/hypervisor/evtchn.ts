// Each domain's event channel ports (common/event_channel.c): one table per domain, port 0
// reserved (evtchn_init), ports handed out lowest first (get_free_port) up to the domain's
// max_evtchn_port, valid in buckets of EVTCHNS_PER_BUCKET (port_is_valid). The hypercalls are
// EVTCHNOP_alloc_unbound, bind_interdomain, send, close, status and reset, each with its checks in
// Xen's order and its XSM hook; EVTCHNOP_bind_pirq's channels (iocaps.ts) take their ports from the
// same table, and closing one hands the pirq back to iocaps.ts. A call that fails changes no channel;
// as in Xen, a port it allocated before the refusal may have made the domain's valid range grow.
import { EVTCHN_2L_NR_CHANNELS, EVTCHNS_PER_BUCKET, LIBXL_MAX_EVTCHN_PORT } from "../xen/machine.js";
import { errnoValue, type Rc } from "../xen/errno.js";
import { SECINITSID_UNLABELED } from "../xsm/sidtab.js";
import type { Domain, EvtchnRef, EvtchnState, XsmEvtchnHooks } from "../xsm/types.js";

/** struct evtchn as the model keeps it. */
interface Channel {
  readonly port: number;
  state: EvtchnState;
  /** chn->ssid.flask_sid. */
  sid: number;
  /** unbound: u.unbound.remote_domid; interdomain: u.interdomain.remote_dom's domid. */
  remote?: number;
  /** interdomain: u.interdomain.remote_port. */
  remotePort?: number;
  /** pirq: u.pirq.irq (the domain's pirq). */
  pirq?: number;
  /** The port's pending bit (evtchn_port_set_pending; cleared by evtchn_free). */
  pending: boolean;
}

interface PortTable {
  /** Ports not free (port 0 is reserved); a free port has no entry. */
  readonly chans: Map<number, Channel>;
  /** d->valid_evtchns. */
  valid: number;
  /** d->max_evtchn_port. */
  readonly max: number;
  /** d->is_dying: evtchn_destroy closed every port; valid_evtchns stays until the domain is freed. */
  dying?: true;
}

/** A channel in a report (a domain's final state, --json, expect.resources' channels). */
export interface ChannelReport {
  port: number;
  state: Exclude<EvtchnState, "free" | "reserved">;
  /** unbound: the domid that may bind it; interdomain: the peer's domid. */
  remote?: number;
  remotePort?: number;
  pirq?: number;
  /** The channel's label (flask: xsm_show_security_evtchn). */
  label?: string;
  pending?: boolean;
}

/** EVTCHNOP_status's answer (EVTCHNSTAT_*), for a step's result. */
export interface EvtchnStatus {
  status: "closed" | "unbound" | "interdomain" | "pirq";
  /** unbound: u.unbound.dom; interdomain: u.interdomain.dom. */
  dom?: number;
  port?: number;
  pirq?: number;
  vcpu: number;
}

export interface EvtchnOptions {
  /** Xen's printk. */
  log?: (line: string) => void;
  /** Why Xen's own checks (not XSM) refused a call, or left it without effect. */
  why?: (text: string) => void;
  /** d->max_evtchn_port as configured; undefined: the default, dom0's unlimited (-1), a
   *  libxl-built domain's 1023. */
  maxPort?: (d: Domain) => number | undefined;
  /** EVTCHNOP_close of a pirq channel: the pirq side (pirq_guest_unbind, emuirq), iocaps.ts's.
   *  Not 0: refused, nothing changed (where Xen would BUG). */
  closePirq: (d: Domain, pirq: number) => Rc;
}

const INT_MAX = 2 ** 31 - 1;

export class EventChannels {
  private readonly tables = new Map<number, PortTable>();

  constructor(
    private readonly xsm: XsmEvtchnHooks,
    private readonly options: EvtchnOptions,
  ) {}

  private table(d: Domain): PortTable {
    let t = this.tables.get(d.domid);
    if (t === undefined) {
      // evtchn_init(): the first bucket, port 0 reserved
      const max = Math.min(this.options.maxPort?.(d) ?? (d.domid === 0 ? INT_MAX : LIBXL_MAX_EVTCHN_PORT), INT_MAX);
      t = { chans: new Map([[0, { port: 0, state: "reserved", sid: SECINITSID_UNLABELED, pending: false }]]), valid: EVTCHNS_PER_BUCKET, max };
      this.tables.set(d.domid, t);
    }
    return t;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private refuse<T extends Rc>(rc: T, why: string): T {
    this.options.why?.(why);
    return rc;
  }

  /** _evtchn_from_port(): the channel at a valid port (a free one has state "free"), else undefined. */
  private chan(t: PortTable, port: number): Channel | undefined {
    if (port < 0 || port >= t.valid) return undefined;
    return t.chans.get(port) ?? { port, state: "free", sid: SECINITSID_UNLABELED, pending: false };
  }

  /** get_free_port(): the lowest free port up to max_evtchn_port (and max_evtchns), making its
   *  bucket valid (evtchn_allocate_port); -ENOSPC when there is none. The port stays free until
   *  the caller gives it a state. */
  allocPort(d: Domain): number | "-ENOSPC" | "-EINVAL" {
    const t = this.table(d);
    if (t.dying) {
      // get_free_port(): a dying domain gets no new port
      this.log(`EVTCHNOP failure: error ${errnoValue("-EINVAL")}`);
      return this.refuse("-EINVAL", `${d.name} is dying: get_free_port refuses it a new port (d->is_dying)`);
    }
    for (let port = 0; port <= t.max; port++) {
      if (port >= EVTCHN_2L_NR_CHANNELS) break;
      if (port < t.valid && t.chans.has(port)) continue; // -EBUSY: try the next
      if (port >= t.valid) t.valid = Math.ceil((port + 1) / EVTCHNS_PER_BUCKET) * EVTCHNS_PER_BUCKET;
      return port;
    }
    this.log(`EVTCHNOP failure: error ${errnoValue("-ENOSPC")}`);
    const top = Math.min(t.max, EVTCHN_2L_NR_CHANNELS - 1);
    return this.refuse("-ENOSPC", `${d.name} has no free port: ${top === 1 ? "port 1 is" : `ports 1-${top} are`} in use (max_evtchn_port ${t.max === INT_MAX ? "unlimited" : t.max}, ${EVTCHN_2L_NR_CHANNELS} channels in the 2-level ABI)`);
  }

  /** evtchn_bind_pirq's end: the free `port` of `d` bound to its pirq (iocaps.ts checked the rest). */
  bindPirqPort(d: Domain, port: number, pirq: number): void {
    this.table(d).chans.set(port, { port, state: "pirq", sid: SECINITSID_UNLABELED, pirq, pending: false });
  }

  /**
   * EVTCHNOP_alloc_unbound: a new channel of `d` (the caller's own, or a domain it is privileged
   * over: XSM decides) that domain `remoteDomid` may bind. The port is allocated first (-ENOSPC),
   * then XSM is asked (flask labels the channel); the remote domain need not exist for Xen, only
   * for flask. Returns the port.
   */
  allocUnbound(cur: Domain, d: Domain, remoteDomid: number, remote: Domain | undefined): { rc: Rc; port?: number } {
    const port = this.allocPort(d);
    if (typeof port !== "number") return { rc: port };
    const chn: Channel = { port, state: "free", sid: SECINITSID_UNLABELED, pending: false };
    const rc = this.xsm.evtchnUnbound(cur, d, chn, remoteDomid, remote);
    if (rc !== 0) return { rc };
    chn.state = "unbound";
    chn.remote = remoteDomid;
    this.table(d).chans.set(port, chn);
    return { rc: 0, port };
  }

  /**
   * EVTCHNOP_bind_interdomain: the caller binds `rd`'s unbound port `rport`, which must be offered
   * to it (-EINVAL otherwise), on a new port of its own (-ENOSPC); XSM is asked after both are
   * found (flask labels the new channel and re-checks the remote one). Both channels become
   * interdomain; the new port is marked pending (notifications the unbound side may have lost).
   */
  bindInterdomain(cur: Domain, rd: Domain, rport: number): { rc: Rc; port?: number } {
    const lport = this.allocPort(cur);
    if (typeof lport !== "number") return { rc: lport };
    const rt = this.table(rd);
    const rchn = this.chan(rt, rport);
    if (rchn === undefined || rchn.state !== "unbound" || rchn.remote !== cur.domid) {
      this.log(`EVTCHNOP failure: d${rd.domid}, error ${errnoValue("-EINVAL")}`);
      const what =
        rchn === undefined
          ? `port ${rport} is not a valid port of ${rd.name} (ports below ${rt.valid})`
          : rchn.state !== "unbound"
            ? `${rd.name}'s port ${rport} is ${rchn.state}, not unbound`
            : `${rd.name}'s port ${rport} is offered to domain ${rchn.remote}, not to ${cur.name} (${cur.domid})`;
      return { rc: this.refuse("-EINVAL", what) };
    }
    const lchn: Channel = { port: lport, state: "free", sid: SECINITSID_UNLABELED, pending: false };
    const rc = this.xsm.evtchnInterdomain(cur, lchn, rd, rchn);
    if (rc !== 0) return { rc };
    Object.assign(lchn, { state: "interdomain", remote: rd.domid, remotePort: rport, pending: true });
    this.table(cur).chans.set(lport, lchn);
    Object.assign(rchn, { state: "interdomain", remote: cur.domid, remotePort: lport });
    return { rc: 0, port: lport };
  }

  /** EVTCHNOP_send: a valid port (-EINVAL), XSM, then an interdomain channel marks its peer's port
   *  pending; an unbound one drops the notification; any other state is -EINVAL. */
  send(cur: Domain, port: number): Rc {
    const t = this.table(cur);
    const chn = this.chan(t, port);
    if (chn === undefined) return this.refuse("-EINVAL", `port ${port} is not a valid port of ${cur.name} (ports below ${t.valid})`);
    const rc = this.xsm.evtchnSend(cur, chn);
    if (rc !== 0) return rc;
    if (chn.state === "interdomain") {
      const peer = this.tables.get(chn.remote!)?.chans.get(chn.remotePort!);
      if (peer) peer.pending = true;
      return 0;
    }
    if (chn.state === "unbound") return this.refuse(0, `port ${port} is unbound: Xen drops the notification silently`);
    return this.refuse("-EINVAL", `port ${port} of ${cur.name} is ${chn.state}: only an interdomain (or IPI) channel sends`);
  }

  /**
   * EVTCHNOP_close (`guest`) or a dying domain's evtchn_destroy: a free or reserved port is
   * -EINVAL; an unbound one is freed; a pirq one hands its pirq back first; an interdomain one is
   * freed and its peer's channel becomes unbound, offered to this domain again. No XSM question
   * (flask unlabels the freed channel: xsm_evtchn_close_post).
   */
  close(cur: Domain, port: number): Rc {
    const t = this.table(cur);
    const chn = this.chan(t, port);
    if (chn === undefined) return this.refuse("-EINVAL", `port ${port} is not a valid port of ${cur.name} (ports below ${t.valid})`);
    if (chn.state === "free" || chn.state === "reserved") return this.refuse("-EINVAL", `port ${port} of ${cur.name} is ${chn.state}: nothing to close`);
    if (chn.state === "pirq") {
      const rc = this.options.closePirq(cur, chn.pirq!);
      if (rc !== 0) return rc;
    }
    if (chn.state === "interdomain") {
      const peer = this.tables.get(chn.remote!)?.chans.get(chn.remotePort!);
      if (peer) {
        peer.state = "unbound";
        peer.remote = cur.domid;
        delete peer.remotePort;
      }
    }
    this.free(t, chn);
    return 0;
  }

  // evtchn_free(): pending cleared, the port free, its label gone
  private free(t: PortTable, chn: Channel): void {
    chn.pending = false;
    chn.state = "free";
    delete chn.remote;
    delete chn.remotePort;
    delete chn.pirq;
    this.xsm.evtchnClosePost(chn);
    t.chans.delete(chn.port);
  }

  /** EVTCHNOP_status of `d`'s port: a valid port (-EINVAL), XSM, then its state. */
  status(cur: Domain, d: Domain, port: number): { rc: Rc; status?: EvtchnStatus } {
    const t = this.table(d);
    const chn = this.chan(t, port);
    if (chn === undefined) return { rc: this.refuse("-EINVAL", `port ${port} is not a valid port of ${d.name} (ports below ${t.valid})`) };
    const rc = this.xsm.evtchnStatus(cur, d, chn);
    if (rc !== 0) return { rc };
    switch (chn.state) {
      case "free":
      case "reserved":
        return { rc: 0, status: { status: "closed", vcpu: 0 } };
      case "unbound":
        return { rc: 0, status: { status: "unbound", dom: chn.remote!, vcpu: 0 } };
      case "interdomain":
        return { rc: 0, status: { status: "interdomain", dom: chn.remote!, port: chn.remotePort!, vcpu: 0 } };
      case "pirq":
        return { rc: 0, status: { status: "pirq", pirq: chn.pirq!, vcpu: 0 } };
    }
  }

  /**
   * EVTCHNOP_reset of `d`: XSM, then evtchn_reset: another domain's channels only while its
   * controller has it paused (the model has no pause: -EINVAL); then every port from 1 up is
   * closed as the guest would close it; a channel left open is -EAGAIN.
   */
  reset(cur: Domain, d: Domain): Rc {
    const rc = this.xsm.evtchnReset(cur, d);
    if (rc !== 0) return rc;
    if (d.domid !== cur.domid) return this.refuse("-EINVAL", `${d.name} is not ${cur.name} and not paused by its controller (controller_pause_count; the model does not pause domains): evtchn_reset refuses`);
    const t = this.table(d);
    for (const port of [...t.chans.keys()].sort((a, b) => a - b)) if (port !== 0) this.close(d, port);
    return t.chans.size > 1 ? this.refuse("-EAGAIN", `${d.name} still has channels Xen would not close`) : 0;
  }

  /** evtchn_destroy() of a dying domain: every port closed, from the top (peers' channels to it
   *  become unbound, offered to its domid). The table stays, every port free, while the dying
   *  domain is not freed (`forget`): valid_evtchns is kept, so EVTCHNOP_status still finds its
   *  ports (closed), a bind to one is -EINVAL and get_free_port refuses it (-EINVAL). */
  destroy(d: Domain): void {
    const t = this.table(d);
    for (const port of [...t.chans.keys()].sort((a, b) => b - a)) if (port !== 0) this.close(d, port);
    t.dying = true;
  }

  /** The domain is freed (evtchn_destroy_final): its table goes with it. */
  forget(domid: number): void {
    this.tables.delete(domid);
  }

  /** The domain's channels in use (port 0's reservation left out), by port; undefined if none. */
  report(domid: number): ChannelReport[] | undefined {
    const t = this.tables.get(domid);
    if (!t || t.chans.size <= 1) return undefined;
    return [...t.chans.values()]
      .filter((c) => c.state !== "reserved" && c.state !== "free")
      .sort((a, b) => a.port - b.port)
      .map((c) => {
        const label = this.xsm.evtchnLabel(c as EvtchnRef);
        return {
          port: c.port,
          state: c.state as ChannelReport["state"],
          ...(c.remote !== undefined ? { remote: c.remote } : {}),
          ...(c.remotePort !== undefined ? { remotePort: c.remotePort } : {}),
          ...(c.pirq !== undefined ? { pirq: c.pirq } : {}),
          ...(label !== undefined ? { label } : {}),
          ...(c.pending ? { pending: true } : {}),
        };
      });
  }

  /** Whether any call touched the domain's table. */
  touched(domid: number): boolean {
    return this.tables.has(domid);
  }
}
