/**
 * The agent's wall clock: `now()` as `[s, ns]`, the monotonic clock anchored to the epoch and
 * re-anchored when the two drift apart, so observation times never go backwards.
 */
import { type Time, timeFromNanos } from './core/time.js';

/** Re-anchor to the wall clock when the monotonic estimate drifts further than this (ns). */
const MAX_DRIFT_NS = 50_000_000n;

/**
 * Wall-clock time with nanosecond resolution: `Date.now()` anchors the monotonic
 * `process.hrtime`, re-anchored when the two drift apart by more than 50 ms (NTP slews, VM pauses).
 * The returned times never go backwards.
 */
export function createClock(): () => Time {
  let originNs = BigInt(Date.now()) * 1_000_000n;
  let originHr = process.hrtime.bigint();
  let last = 0n;
  return () => {
    let ns = originNs + (process.hrtime.bigint() - originHr);
    const wall = BigInt(Date.now()) * 1_000_000n;
    if (ns - wall > MAX_DRIFT_NS || wall - ns > MAX_DRIFT_NS) {
      originNs = wall;
      originHr = process.hrtime.bigint();
      ns = wall;
    }
    if (ns < last) ns = last;
    last = ns;
    return timeFromNanos(ns);
  };
}
