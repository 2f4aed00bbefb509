import test from 'ava';
import type { KubeletPod } from '../../src/core/kubeletPod.js';
import {
  type ActiveSource,
  type AvailabilityListener,
  FallbackSource,
} from '../../src/sources/fallbackSource.js';
import type { PodObservation, PodObservationSink, PodSource } from '../../src/sources/podSource.js';
import { settle } from '../support/fakeTimers.js';

/** A source the test drives by hand. */
class ManualSource implements PodSource {
  sink: PodObservationSink | undefined;
  started = 0;
  stopped = 0;
  lastAttemptMs = 0;
  /** stop() waits for this when set (a poll still in flight). */
  stopGate: Promise<void> | undefined;

  start(sink: PodObservationSink): void {
    this.sink = sink;
    this.started++;
  }

  async stop(): Promise<void> {
    this.stopped++;
    await this.stopGate;
  }

  emit(observation: PodObservation): Promise<void> {
    if (!this.sink) throw new Error('not started');
    return this.sink.observe(observation);
  }
}

const list = (tag: string): PodObservation => ({
  kind: 'list',
  pods: [{ uid: tag } as KubeletPod],
  at: [0, 0],
  context: {},
  diagnostics: { malformed: [] },
});
const tagOf = (o: PodObservation) => (o.kind === 'list' ? o.pods[0]?.uid : o.kind);

function harness(observe?: (o: PodObservation) => Promise<void>) {
  const preferred = new ManualSource();
  const fallbacks: ManualSource[] = [];
  let availability: AvailabilityListener = () => {};
  const switches: string[] = [];
  const seen: string[] = [];
  const source = new FallbackSource({
    preferred: (listener) => {
      availability = listener;
      return preferred;
    },
    fallback: () => {
      const f = new ManualSource();
      fallbacks.push(f);
      return f;
    },
    onSwitch: (active: ActiveSource, reason?: string) =>
      switches.push(reason ? `${active} ${reason}` : active),
  });
  source.start({
    observe: async (o) => {
      seen.push(tagOf(o) ?? '?');
      await observe?.(o);
    },
    trackedUids: () => ['tracked-uid'],
  });
  return {
    source,
    preferred,
    fallbacks,
    availability: (live: boolean, r?: string) => availability(live, r),
    switches,
    seen,
  };
}

test('the preferred source alone while it is live; no fallback is built', async (t) => {
  const h = harness();
  t.is(h.preferred.started, 1);
  h.availability(true);
  await h.preferred.emit(list('stream'));
  t.deepEqual(h.seen, ['stream']);
  t.deepEqual(h.fallbacks, []);
  t.deepEqual(h.switches, ['preferred']);
  t.is(h.source.active, 'preferred');
  t.deepEqual([...(h.preferred.sink?.trackedUids() ?? [])], ['tracked-uid']);
});

test('down: a fallback starts and delivers; live again: it stops and what it still sends is dropped', async (t) => {
  const h = harness();
  h.availability(false, 'no_socket');
  await settle();
  t.is(h.fallbacks.length, 1);
  const poller = h.fallbacks[0] as ManualSource;
  t.is(poller.started, 1);
  t.is(h.source.active, 'fallback');
  await poller.emit(list('poll-1'));
  h.availability(true);
  t.is(poller.stopped, 1);
  await h.preferred.emit(list('stream'));
  // a poll that was in flight when the stream came back
  await poller.emit(list('poll-late'));
  t.deepEqual(h.seen, ['poll-1', 'stream']);
  t.deepEqual(h.switches, ['fallback no_socket', 'preferred']);
  t.is(h.source.active, 'preferred');
});

test('down again: a new fallback, started only once the previous one has stopped', async (t) => {
  const h = harness();
  h.availability(false, 'initializing');
  await settle();
  const first = h.fallbacks[0] as ManualSource;
  let release: () => void = () => {};
  first.stopGate = new Promise((resolve) => {
    release = resolve;
  });
  h.availability(true);
  h.availability(false, 'unavailable');
  // a repeated "down" while a fallback runs builds nothing more
  h.availability(false, 'unavailable');
  await settle();
  t.is(h.fallbacks.length, 2);
  const second = h.fallbacks[1] as ManualSource;
  t.is(second.started, 0, 'waits for the first to finish its last poll');
  release();
  await settle();
  t.is(second.started, 1);
  t.deepEqual(h.switches, ['fallback initializing', 'preferred', 'fallback unavailable']);
});

test('observations of both sources reach the sink one at a time, in order', async (t) => {
  let inside = 0;
  let most = 0;
  const h = harness(async () => {
    inside++;
    most = Math.max(most, inside);
    await settle();
    inside--;
  });
  h.availability(false, 'unavailable');
  await settle();
  const poller = h.fallbacks[0] as ManualSource;
  await Promise.all([
    poller.emit(list('poll-1')),
    h.preferred.emit(list('stream-1')),
    poller.emit(list('poll-2')),
  ]);
  t.is(most, 1);
  t.deepEqual(h.seen, ['poll-1', 'stream-1', 'poll-2']);
});

test('liveness is the later of the two; stop stops both', async (t) => {
  const h = harness();
  h.preferred.lastAttemptMs = 1000;
  t.is(h.source.lastAttemptMs, 1000);
  h.availability(false, 'unavailable');
  await settle();
  const poller = h.fallbacks[0] as ManualSource;
  poller.lastAttemptMs = 5000;
  t.is(h.source.lastAttemptMs, 5000);
  await h.source.stop();
  t.is(h.preferred.stopped, 1);
  t.is(poller.stopped, 1);
  // after stop, availability changes start nothing
  h.availability(false, 'unavailable');
  t.is(h.fallbacks.length, 1);
});
