import test from 'ava';
import { derive, type SizeFigures, targetChecks } from '../../scripts/lib/benchFigures.js';
import { benchTable, fixed } from '../../scripts/lib/benchTable.js';
import { sumExecRuntimeMs } from '../../scripts/lib/procStats.js';

const figures: SizeFigures = {
  pods: 110,
  bodyBytes: 640 * 1024,
  floorIdleCpuMsPerFetch: 8,
  fetchOnlyIdleCpuMsPerFetch: 3,
  floorBusyCpuMsPerFetch: 7.5,
  fetchOnlyBusyCpuMsPerFetch: 2.5,
  floorRssMiB: 50,
  floorPollsPerSecond: 4,
  idleCpuMsPerPoll: 3.6,
  idleCpuMsPerSecond: 3.7,
  idlePollsPerSecond: 1,
  busyCpuMsPerPoll: 6.75,
  busyCpuMsPerSecond: 24,
  busyPollsPerSecond: 4,
  agentRssMiB: 70,
  latencyP50Ms: 380,
  latencyP99Ms: 420.4,
  latencies: 27,
  spansPerSecond: 2500,
  startupSeconds: 20,
  startupCpuMs: 900,
  startupPolls: 21,
};

test('derive: ratios to the floor and the bytes each poller makes the kubelet serialise', (t) => {
  const d = derive(figures);
  t.is(d.idleToFloor, 0.45);
  t.is(d.idleToFetchOnly, 1.2);
  t.is(d.busyToFloor, 0.9);
  t.is(d.rssToFloor, 1.4);
  t.deepEqual(d.kubeletKiBPerSecond, { idle: 640, busy: 2560, floor: 2560 });
});

test('targetChecks: each target met or missed at its limit; a missing figure is missed', (t) => {
  t.deepEqual(
    targetChecks(figures).map((c) => [c.limit, c.met]),
    [
      [0.5, true],
      [1.3, true],
      [0.8, false],
      [1.2, false],
    ],
  );
  const other = targetChecks({
    ...figures,
    idleCpuMsPerPoll: 4.1,
    busyCpuMsPerPoll: 6,
    floorRssMiB: 60,
  });
  t.deepEqual(
    other.map((c) => c.met),
    [false, false, true, true],
  );
  t.false(targetChecks({ ...figures, busyCpuMsPerPoll: Number.NaN })[2]?.met);
});

test('benchTable: header, right-aligned separator, one row per size with its figures', (t) => {
  const lines = benchTable([figures, { ...figures, pods: 30, latencyP50Ms: Number.NaN }]).split(
    '\n',
  );
  t.is(lines.length, 4);
  t.regex(lines[0] ?? '', /^\| pods \| body KiB \|/);
  t.regex(lines[1] ?? '', /^\|-+:\|-+:\|/);
  const row = (lines[2] ?? '').split('|').map((c) => c.trim());
  t.deepEqual(row.slice(1, 12), [
    '110',
    '640',
    '8.00/7.50',
    '3.00/2.50',
    '3.60',
    '0.45',
    '1.20',
    '3.7',
    '6.75',
    '0.90',
    '24.0',
  ]);
  t.is(row[12], '70/50');
  t.is(row[13], '640/2560/2560');
  t.is(row[14], '380/420 (n=27)');
  t.is(row[15], '2500');
  t.regex(lines[3] ?? '', / n\/a\/420 \(n=27\) \|/);
  const widths = lines.map((l) => l.length);
  t.true(widths.every((w) => w === widths[0]));
  t.is(fixed(Number.POSITIVE_INFINITY), 'n/a');
  t.is(fixed(1.25, 1), '1.3');
});

test('sumExecRuntimeMs reads the scheduler run time of a /proc sched text', (t) => {
  const text = [
    'node (4242, #threads: 11)',
    '-------------------------------------------------------------------',
    'se.exec_start                                :       3602910.202667',
    'se.vruntime                                  :           268.045838',
    'se.sum_exec_runtime                          :          1234.567891',
    'nr_switches                                  :                   17',
  ].join('\n');
  t.is(sumExecRuntimeMs(text), 1234.567891);
  t.is(sumExecRuntimeMs('se.sum_exec_runtime : 12'), 12);
  t.is(sumExecRuntimeMs('nr_switches : 17'), undefined);
});
