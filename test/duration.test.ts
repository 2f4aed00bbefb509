import test from 'ava';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../src/duration.js';

const valid: ReadonlyArray<readonly [string, number]> = [
  ['250ms', 250],
  ['2s', 2000],
  ['1m', 60_000],
  ['1h', 3_600_000],
  ['1m30s', 90_000],
  ['1h2m3s4ms', 3_723_004],
  ['1.5s', 1500],
  ['0.1s', 100],
  ['1.001s', 1001],
  ['.5s', 500],
  ['1.s', 1000],
  ['500us', 0.5],
  ['500µs', 0.5],
  ['500μs', 0.5],
  ['1500000ns', 1.5],
  ['1.0000000001s', 1000],
  ['0', 0],
  ['0s', 0],
  ['+2s', 2000],
  ['-1m', -60_000],
  ['2h45m', 9_900_000],
];

for (const [text, ms] of valid) {
  test(`parseDuration(${JSON.stringify(text)}) is ${ms} ms`, (t) => {
    t.is(parseDuration(text), ms);
  });
}

const invalid = [
  '',
  '10',
  '1.5',
  '-5',
  's',
  '.s',
  '1S',
  '1Ms',
  '1 s',
  ' 1s',
  '1s ',
  '1d',
  '1sm',
  '1..5s',
  '--1s',
  '1s-2s',
  'fast',
  'NaN',
  'Infinity',
  '1e3ms',
  '9999999999h',
];

for (const text of invalid) {
  test(`parseDuration(${JSON.stringify(text)}) is undefined`, (t) => {
    t.is(parseDuration(text), undefined);
  });
}

test('parseDuration accepts up to the int64 nanosecond range and no further', (t) => {
  t.is(parseDuration('2562047h'), 2_562_047 * 3_600_000);
  t.is(parseDuration('2562048h'), undefined);
});

const formatted: ReadonlyArray<readonly [number, string]> = [
  [0, '0s'],
  [250, '250ms'],
  [999, '999ms'],
  [1000, '1s'],
  [1500, '1.5s'],
  [90_000, '1m30s'],
  [3_600_000, '1h'],
  [3_661_001, '1h1m1.001s'],
  [7_200_500, '2h0.5s'],
  [0.5, '0.5ms'],
  [0.0000001, '0.0000001ms'],
  [-2000, '-2s'],
];

for (const [ms, text] of formatted) {
  test(`formatDuration(${ms}) is ${JSON.stringify(text)}`, (t) => {
    t.is(formatDuration(ms), text);
  });
}

test('formatDuration output parses back to the same whole milliseconds', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (ms) => {
        return parseDuration(formatDuration(ms)) === ms;
      }),
    );
  });
});

test('formatDuration output parses back for microsecond fractions', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999 }), (us) => {
        return parseDuration(formatDuration(us / 1000)) === us / 1000;
      }),
    );
  });
});
