/**
 * Timer ticks (1 ms interval) seen while `work` runs: ~0 when it blocks the event loop, more when it lets
 * the loop run (work done in the thread pool, or in slices).
 */
export async function timerTicksDuring(work: () => unknown): Promise<number> {
  let count = 0;
  const timer = setInterval(() => count++, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return count;
}
