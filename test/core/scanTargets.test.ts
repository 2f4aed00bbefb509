import test from 'ava';
import { bytesOf, equalsAt, targetBits, targetsOf } from '../../src/core/scanTargets.js';

const at = (text: string) => {
  const body = bytesOf(`[${text}]`);
  return [body, 1, 1 + text.length] as const;
};

test('a target is found by its bytes, with the bit of its place in the list', (t) => {
  const targets = targetsOf(['app', 'chaosUID', 'tier']);
  t.is(targetBits(targets, ...at('chaosUID')), 0b010);
  t.is(targetBits(targets, ...at('tier')), 0b100);
  t.is(targetBits(targets, ...at('chaosUIE')), 0);
  t.is(targetBits(targets, ...at('ap')), 0);
});

test('the length test is a bit per length modulo 32: lengths 32 apart share it, never a match', (t) => {
  const targets = targetsOf(['a', 'b'.repeat(40)]);
  t.is(targets.lengths, (1 << 1) | (1 << 8));
  // 33 and 8 bytes pass the length test; only the bytes decide
  t.is(targetBits(targets, ...at('a'.repeat(33))), 0);
  t.is(targetBits(targets, ...at('c'.repeat(8))), 0);
  t.is(targetBits(targets, ...at('b'.repeat(40))), 0b10);
});

test('more than 32 targets share bits; texts that are not ASCII are left out', (t) => {
  const texts = Array.from({ length: 40 }, (_, i) => `k${i}`);
  t.is(targetBits(targetsOf(texts), ...at('k35')), 1 << 3);
  const targets = targetsOf(['é', 'x']);
  t.is(targets.lengths, 1 << 1);
  t.is(targetBits(targets, ...at('x')), 0b10);
});

test('equalsAt compares a range with a byte string, false past the end of the body', (t) => {
  const body = bytesOf('{"items":1}');
  t.true(equalsAt(body, 2, 7, bytesOf('items')));
  t.false(equalsAt(body, 2, 6, bytesOf('items')));
  t.false(equalsAt(body, 8, 13, bytesOf('1}xyz')));
});
