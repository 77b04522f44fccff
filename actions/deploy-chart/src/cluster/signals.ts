// Runner cancellation: the runner sends the action SIGINT (then SIGTERM, then kills it). Node
// would die at once and leave helm's release pending-upgrade; instead the signal is handed to
// the caller, which stops helm with SIGTERM so helm records the release as failed, then
// settles the release before exiting.
import * as core from '@actions/core';

interface SignalForwarding {
  /** The first signal received, if any: the step was cancelled. */
  readonly received?: NodeJS.Signals;
  /** Restores the default behaviour (call when helm has exited). */
  dispose(): void;
}

/** What the forwarding listens on: `process`, or a fake in tests. */
interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

const TERMINATION_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function forwardTerminationSignals(
  onSignal: (signal: NodeJS.Signals) => void,
  source: SignalSource = process
): SignalForwarding {
  let received: NodeJS.Signals | undefined;
  const listener = (signal: NodeJS.Signals) => {
    if (!received) {
      received = signal;
      core.warning(
        `Received ${signal}: stopping helm so that it marks the release failed instead of leaving it pending.`
      );
    }
    onSignal(signal);
  };
  for (const signal of TERMINATION_SIGNALS) source.on(signal, listener);
  return {
    get received() {
      return received;
    },
    dispose() {
      for (const signal of TERMINATION_SIGNALS) source.off(signal, listener);
    }
  };
}
