// The controllers' scheduling: a work queue keyed by object, flushed on the next tick (a burst
// of writes is reconciled once), and keyed timers; both stop with the cluster.

export interface WorkQueue {
  /** Runs `work` on the next tick; a later call with the same key replaces it. */
  enqueue(key: string, work: () => void): void;
  /**
   * Runs `fn` after `ms` unless stopped; errors are logged, not thrown. A `key` replaces the
   * pending timer of the same key.
   */
  later(ms: number, fn: () => void | Promise<void>, key?: string): void;
  readonly stopped: boolean;
  stop(): void;
}

const logError = (error: unknown) =>
  console.error(`[emulator] controller error: ${(error as Error).stack}`);

export function workQueue(): WorkQueue {
  const timers = new Map<string, NodeJS.Timeout>();
  const queue = new Map<string, () => void>();
  let timerId = 0;
  let stopped = false;
  let flushing = false;

  function flush() {
    flushing = false;
    const batch = [...queue.values()];
    queue.clear();
    for (const work of batch) {
      if (stopped) return;
      try {
        work();
      } catch (error) {
        logError(error);
      }
    }
  }

  return {
    get stopped() {
      return stopped;
    },
    enqueue(key, work) {
      queue.set(key, work);
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    },
    later(ms, fn, key) {
      if (stopped) return;
      const id = key ?? `timer-${timerId++}`;
      clearTimeout(timers.get(id));
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          if (stopped) return;
          Promise.resolve().then(fn).catch(logError);
        }, ms)
      );
    },
    stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    }
  };
}
