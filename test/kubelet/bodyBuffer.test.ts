import test from 'ava';
import { BodyBuffer } from '../../src/kubelet/bodyBuffer.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Appends `text` to `body` in pieces of `size` bytes, from a buffer with other bytes around. */
function appendInPieces(body: BodyBuffer, text: string, size: number): void {
  const source = bytes(`<<${text}>>`);
  for (let at = 2; at < source.length - 2; at += size) {
    body.append(source, at, Math.min(at + size, source.length - 2));
  }
}

test('an empty body before any append', (t) => {
  const body = new BodyBuffer();
  t.is(body.length, 0);
  t.is(body.capacity, 0);
  t.is(body.view().length, 0);
});

test('grows as bytes are appended and keeps them in order', (t) => {
  const body = new BodyBuffer({ minBytes: 4 });
  const text = 'abcdefghijklmnopqrstuvwxyz'.repeat(10);
  appendInPieces(body, text, 7);
  t.is(body.length, text.length);
  t.true(body.capacity >= text.length);
  t.is(body.view().toString('latin1'), text);
});

test('growth by doubling stops at maxBytes; a larger body still fits exactly', (t) => {
  const body = new BodyBuffer({ minBytes: 4, maxBytes: 100 });
  appendInPieces(body, 'y'.repeat(90), 30);
  t.is(body.length, 90);
  t.true(body.capacity <= 100, `capacity ${body.capacity}`);
  appendInPieces(body, 'z'.repeat(20), 20);
  t.is(body.capacity, 110, 'past the limit: exactly what is needed, not double');
  t.is(body.view().toString('latin1'), `${'y'.repeat(90)}${'z'.repeat(20)}`);
});

test('reserve makes room once for an announced length', (t) => {
  const body = new BodyBuffer({ minBytes: 4 });
  body.reserve(1000);
  t.is(body.capacity, 1000);
  const memory = body.view().buffer;
  appendInPieces(body, 'x'.repeat(1000), 300);
  t.is(body.capacity, 1000);
  t.is(body.view().buffer, memory, 'no reallocation while filling the reserved room');
});

test('the memory is reused from body to body', (t) => {
  const body = new BodyBuffer({ minBytes: 16 });
  appendInPieces(body, 'first body', 3);
  const first = body.view();
  body.reset();
  t.is(body.length, 0);
  appendInPieces(body, 'second', 4);
  const second = body.view();
  t.is(second.toString('latin1'), 'second');
  t.is(second.buffer, first.buffer, 'same memory');
  // The documented lifetime: a view is overwritten by the next body.
  t.is(first.subarray(0, 6).toString('latin1'), 'second');
});

test('shrinks after enough small bodies in a row, to twice the largest of them', (t) => {
  const body = new BodyBuffer({ minBytes: 16, shrinkAfter: 3 });
  appendInPieces(body, 'h'.repeat(4000), 1000);
  const capacity = body.capacity;
  t.true(capacity >= 4000);
  for (const size of [100, 300, 200]) {
    body.reset();
    appendInPieces(body, 's'.repeat(size), 64);
  }
  t.is(body.capacity, capacity, 'not before the reset after the third small body');
  const last = body.view();
  body.reset();
  t.is(body.capacity, 600);
  appendInPieces(body, 'n'.repeat(500), 64);
  // A view held across the shrink still reads its own bytes: the new body went elsewhere.
  t.true(last.equals(bytes('s'.repeat(200))));
  // Never below the minimum.
  for (let i = 0; i < 3; i += 1) {
    body.reset();
    appendInPieces(body, 'z', 1);
  }
  body.reset();
  t.is(body.capacity, 16);
});

test('one body using a quarter or more of the capacity keeps it', (t) => {
  const body = new BodyBuffer({ minBytes: 16, shrinkAfter: 2 });
  appendInPieces(body, 'h'.repeat(4000), 1000);
  const capacity = body.capacity;
  for (const size of [10, capacity / 4, 10, 10]) {
    body.reset();
    appendInPieces(body, 's'.repeat(size), 64);
    t.is(body.capacity, capacity, `after a body of ${size}`);
  }
  body.reset();
  t.is(body.capacity, 20, 'shrunk after two small bodies in a row');
});
