// Xen's security classes, initial SIDs and access vectors (xen/xsm/flask/policy/security_classes,
// initial_sids, access_vectors, comments left out): what every Xen policy starts with, so a starter
// policy (`xsm init`) declares exactly the classes and permissions Xen's hooks ask about.
export const XEN_FLASK_DECLARATIONS = `class xen
class xen2
class domain
class domain2
class hvm
class mmu
class resource
class shadow
class event
class grant
class security
class version
class argo
sid xenboot
sid xen
sid dom0
sid domio
sid domxen
sid unlabeled
sid security
sid ioport
sid iomem
sid irq
sid device
sid domU
sid domDM
class xen
{
    settime
    tbufcontrol
    readconsole
    clearconsole
    perfcontrol
    mtrr_add
    mtrr_del
    mtrr_read
    microcode
    physinfo
    quirk
    writeconsole
    readapic
    writeapic
    privprofile
    nonprivprofile
    kexec
    firmware
    sleep
    frequency
    getidle
    debug
    getcpuinfo
    heap
    pm_op
    mca_op
    lockprof
    cpupool_op
    getscheduler
    setscheduler
    hypfs_op
}
class xen2
{
    resource_op
    psr_cmt_op
    psr_alloc
    get_symbol
    pmu_ctrl
    pmu_use
    get_cpu_levelling_caps
    get_cpu_featureset
    livepatch_op
    coverage_op
    set_parameter
    get_dom0_console
}
class domain
{
    setvcpucontext
    pause
    unpause
    resume
    create
    transition
    max_vcpus
    destroy
    setaffinity
    getaffinity
    getscheduler
    getdomaininfo
    getvcpuinfo
    getvcpucontext
    setdomainmaxmem
    setdomainhandle
    setdebugging
    hypercall
    settime
    set_target
    shutdown
    setaddrsize
    getaddrsize
    trigger
    getpodtarget
    setpodtarget
    set_misc_info
    set_virq_handler
    getpagingmempool
    setpagingmempool
}
class domain2
{
    relabelfrom
    relabelto
    relabelself
    make_priv_for
    set_as_target
    set_cpu_policy
    gettsc
    settsc
    setscheduler
    setclaim
    set_max_evtchn
    cacheflush
    create_hardware_domain
    set_vnumainfo
    get_vnumainfo
    psr_cmt_op
    vm_event
    soft_reset
    mem_access
    mem_paging
    mem_sharing
    psr_alloc
    get_cpu_policy
    vuart_op
    resource_map
    dt_overlay
    set_llc_colors
    get_domain_state
}
class hvm
{
    sethvmc
    gethvmc
    setparam
    getparam
    bind_irq
    hvmctl
    mem_sharing
    audit_p2m
    share_mem
    nested
    altp2mhvm
    altp2mhvm_op
    dm
}
class event
{
    bind
    send
    status
    create
    reset
}
class grant
{
    map_read
    map_write
    unmap
    transfer
    setup
    copy
    query
}
class mmu
{
    map_read
    map_write
    pageinfo
    adjust
    stat
    updatemp
    physmap
    pinpage
    memorymap
    remote_remap
    mmuext_op
    exchange
    target_hack
}
class shadow
{
    disable
    enable
    logdirty
}
class resource
{
    add
    remove
    use
    use_iommu
    use_iommu_nointremap
    use_noiommu
    add_irq
    remove_irq
    add_ioport
    remove_ioport
    add_iomem
    remove_iomem
    stat_device
    add_device
    remove_device
    plug
    unplug
    setup
}
class security
{
    compute_av
    compute_create
    compute_member
    check_context
    load_policy
    compute_relabel
    setenforce
    setbool
    setsecparam
    add_ocontext
    del_ocontext
}
class version
{
    xen_extraversion
    xen_compile_info
    xen_capabilities
    xen_changeset
    xen_pagesize
    xen_guest_handle
    xen_commandline
    xen_build_id
}
class argo
{
    enable
    register_single_source
    register_any_source
    send
}
`;
