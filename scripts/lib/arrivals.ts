/**
 * Wall-clock arrival time of every span the receiver accepts, without changing the receiver:
 * a `waitFor` predicate runs synchronously after each accepted Export call.
 */
import type { OtlpReceiver } from '../../sim/otlpReceiver.js';

export interface ArrivalLog {
  /** `arrivals[i]`: when `receiver.spans[i]` arrived (ms since the epoch). */
  readonly arrivals: readonly number[];
  /** Stops recording at the next accepted request. */
  stop(): void;
}

const A_DAY_MS = 86_400_000;

export function recordArrivals(receiver: OtlpReceiver, now: () => number = Date.now): ArrivalLog {
  const arrivals: number[] = [];
  let stopped = false;
  receiver
    .waitFor((spans) => {
      const at = now();
      for (let i = arrivals.length; i < spans.length; i++) arrivals.push(at);
      return stopped;
    }, A_DAY_MS)
    .catch(() => {
      // closing the receiver ends the recording
    });
  return {
    arrivals,
    stop() {
      stopped = true;
    },
  };
}
