// Time limits in tests are on CPU time, not the wall clock: they guard against a quadratic or
// unbounded case (seconds of work), and on a shared machine a test's wall-clock time also counts
// the other processes' turns (five agents' test runs on two cores stretched a 1 ms read past 1 s).

/** Runs `fn` and returns its result with the process's CPU milliseconds (user + system) it took. */
export function cpuTimed<T>(fn: () => T): [T, number] {
  const start = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(start);
  return [result, (used.user + used.system) / 1000];
}
