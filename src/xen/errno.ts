// Errno names as Xen's hypercalls return them (xen/include/public/errno.h), shared by every layer:
// XSM hooks, the PCI registry and the simulator's expectations all speak in these.

/** Negative errno names as Xen returns them. */
export type ErrnoName =
  | "-EPERM"
  | "-ENOENT"
  | "-ESRCH"
  | "-EIO"
  | "-ENXIO"
  | "-EAGAIN"
  | "-EBADF"
  | "-ENOMEM"
  | "-EACCES"
  | "-EFAULT"
  | "-EBUSY"
  | "-EEXIST"
  | "-EXDEV"
  | "-ENODEV"
  | "-EINVAL"
  | "-ENFILE"
  | "-ENOSPC"
  | "-EDOM"
  | "-ERANGE"
  | "-ENOSYS"
  | "-ENODATA"
  | "-EOPNOTSUPP"
  | "-EADDRINUSE";

export type Rc = 0 | ErrnoName;

/** Errno values for Xen's "%d" in messages such as "%pd: assign (%pp) failed (%d)". */
const ERRNO: Record<ErrnoName, number> = {
  "-EPERM": 1,
  "-ENOENT": 2,
  "-ESRCH": 3,
  "-EIO": 5,
  "-ENXIO": 6,
  "-EBADF": 9,
  "-EAGAIN": 11,
  "-ENOMEM": 12,
  "-EACCES": 13,
  "-EFAULT": 14,
  "-EBUSY": 16,
  "-EEXIST": 17,
  "-EXDEV": 18,
  "-ENODATA": 61,
  "-ENODEV": 19,
  "-EINVAL": 22,
  "-ENFILE": 23,
  "-ENOSPC": 28,
  "-EDOM": 33,
  "-ERANGE": 34,
  "-ENOSYS": 38,
  "-EOPNOTSUPP": 95,
  "-EADDRINUSE": 98,
};

export function errnoValue(rc: ErrnoName): number {
  return -ERRNO[rc];
}
