import test, { type ExecutionContext } from 'ava';
import { BodyBuffer } from '../../src/kubelet/bodyBuffer.js';
import {
  type HttpResponse,
  HttpResponseParser,
  type HttpResponseParserOptions,
} from '../../src/kubelet/httpResponseParser.js';
import { KubeletError } from '../../src/kubelet/kubeletError.js';

const LIMITS: HttpResponseParserOptions = { maxBodyBytes: 1024, maxErrorBodyBytes: 16 };
/** Left in the read buffer past the bytes fed: a parser that reads beyond `end` trips on it. */
const STALE = Buffer.from('\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n', 'latin1');
/** Where pieces are put in the read buffer (the parser must honour `start`). */
const OFFSET = 7;

/** What parsing gave: the response in plain data, an error, or nothing yet. */
type Outcome =
  | {
      readonly status: number;
      readonly headers: [string, readonly string[]][];
      readonly body: string;
      readonly reusable: boolean;
      readonly capped: boolean;
    }
  | { readonly error: string; readonly message: string }
  | 'incomplete';

function plain(response: HttpResponse, reusable = response.reusable): Outcome {
  return {
    status: response.status,
    headers: [...response.headers.entries()],
    body: response.body.toString('latin1'),
    reusable,
    capped: response.capped,
  };
}

/**
 * Feeds `pieces` one by one through a reused read buffer full of stale bytes, then the close of
 * the connection when `eof`. Bytes left after the response make it not reusable, as the
 * connection treats bytes nobody asked for.
 */
function parse(pieces: readonly Buffer[], eof: boolean, limits = LIMITS): Outcome {
  const parser = new HttpResponseParser(new BodyBuffer({ minBytes: 8 }), limits);
  parser.begin();
  const read = Buffer.alloc(4096);
  try {
    for (const [index, piece] of pieces.entries()) {
      read.fill(STALE);
      piece.copy(read, OFFSET);
      const response = parser.feed(read, OFFSET, OFFSET + piece.length);
      if (response !== undefined) {
        const more = pieces.slice(index + 1).some((rest) => rest.length > 0);
        return plain(response, response.reusable && !more);
      }
    }
    return eof ? plain(parser.end()) : 'incomplete';
  } catch (error) {
    if (!(error instanceof KubeletError)) throw error;
    return { error: error.kind, message: error.message };
  }
}

/**
 * The outcome of `raw` in one piece, asserted the same when split in two at every byte boundary
 * and when fed one byte at a time.
 */
function parseEverySplit(
  t: ExecutionContext,
  raw: string,
  options: { eof?: boolean; limits?: HttpResponseParserOptions } = {},
): Outcome {
  const bytes = Buffer.from(raw, 'latin1');
  const eof = options.eof ?? false;
  const whole = parse([bytes], eof, options.limits);
  for (let at = 0; at <= bytes.length; at += 1) {
    const split = parse([bytes.subarray(0, at), bytes.subarray(at)], eof, options.limits);
    t.deepEqual(split, whole, `split at ${at}`);
  }
  const single = [...bytes].map((byte) => Buffer.from([byte]));
  t.deepEqual(parse(single, eof, options.limits), whole, 'one byte at a time');
  return whole;
}

function response(
  status: number,
  headers: [string, string[]][],
  body: string,
  flags: { reusable?: boolean; capped?: boolean } = {},
): Outcome {
  return { status, headers, body, reusable: flags.reusable ?? true, capped: flags.capped ?? false };
}

test('a Content-Length body', (t) => {
  const body = '{"kind":"PodList","items":[]}';
  t.deepEqual(
    parseEverySplit(
      t,
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ),
    response(
      200,
      [
        ['content-type', ['application/json']],
        ['content-length', [String(body.length)]],
      ],
      body,
    ),
  );
});

test('a chunked body with chunk extensions, upper-case hex sizes and trailers', (t) => {
  const raw =
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '5;name=value\r\nhello\r\n' +
    '0006 ; x ; y="q"\r\n world\r\n' +
    'A\r\n0123456789\r\n' +
    '0;last\r\nX-Trailer: yes\r\nX-Other:  two \r\n\r\n';
  t.deepEqual(
    parseEverySplit(t, raw),
    response(200, [['transfer-encoding', ['chunked']]], 'hello world0123456789'),
  );
});

test('a body without length is read until the close, and the connection is not reused', (t) => {
  const raw = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end';
  t.deepEqual(
    parseEverySplit(t, raw, { eof: true }),
    response(200, [['content-type', ['text/plain']]], 'until the end', { reusable: false }),
  );
  t.is(parseEverySplit(t, raw), 'incomplete');
});

test('interim 1xx responses are skipped', (t) => {
  const raw =
    'HTTP/1.1 100 Continue\r\n\r\n' +
    'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n' +
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
  t.deepEqual(parseEverySplit(t, raw), response(200, [['content-length', ['2']]], 'ok'));
  const upgrade = parseEverySplit(t, 'HTTP/1.1 101 Switching Protocols\r\n\r\n');
  t.like(upgrade, { error: 'http' });
});

test('204 and 304 have no body; a zero Content-Length is a complete empty body', (t) => {
  t.deepEqual(parseEverySplit(t, 'HTTP/1.1 204 No Content\r\n\r\n'), response(204, [], ''));
  t.deepEqual(parseEverySplit(t, 'HTTP/1.1 304 Not Modified\r\n\r\n'), response(304, [], ''));
  t.deepEqual(
    parseEverySplit(t, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
    response(200, [['content-length', ['0']]], ''),
  );
});

test('header names are case-insensitive, repeated fields kept in order, values trimmed', (t) => {
  const raw =
    'HTTP/1.1 500\r\nCONTENT-length: 3\r\nSet-Cookie: a=1\r\nset-cookie:b=2\t\r\n' +
    'X-Empty:\r\n\r\nabc';
  t.deepEqual(
    parseEverySplit(t, raw),
    response(
      500,
      [
        ['content-length', ['3']],
        ['set-cookie', ['a=1', 'b=2']],
        ['x-empty', ['']],
      ],
      'abc',
    ),
  );
});

test('the response head is limited, interim heads included', (t) => {
  const limits = { ...LIMITS, maxHeaderBytes: 64 };
  // Exactly 64 bytes, status line to the empty line.
  const head = `HTTP/1.1 204 No Content\r\nX-Pad: ${'p'.repeat(28)}\r\n\r\n`;
  t.is(head.length, 64);
  t.like(parseEverySplit(t, head, { limits }), { status: 204 });
  const over = `HTTP/1.1 204 No Content\r\nX-Pad: ${'p'.repeat(29)}\r\n\r\n`;
  const error = parseEverySplit(t, over, { limits });
  t.like(error, { error: 'http' });
  t.regex((error as { message: string }).message, /response head over 64 bytes/);
  const interim = 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(3);
  t.like(parseEverySplit(t, interim, { limits }), { error: 'http' });
  const trailers = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ${'t'.repeat(40)}\r\n\r\n`;
  t.like(parseEverySplit(t, trailers, { limits }), { error: 'http' });
});

test('a 2xx body over the limit is tooLarge, whatever its framing', (t) => {
  const limits = { ...LIMITS, maxBodyBytes: 10 };
  const body = 'x'.repeat(11);
  const announced = parseEverySplit(t, `HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n${body}`, {
    limits,
  });
  t.like(announced, { error: 'tooLarge' });
  t.regex((announced as { message: string }).message, /announces 11 bytes/);
  const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nxxxxxx\r\n5\r\nxxxxx\r\n0\r\n\r\n`;
  t.like(parseEverySplit(t, chunked, { limits }), { error: 'tooLarge' });
  const untilClose = `HTTP/1.1 200 OK\r\n\r\n${body}`;
  t.like(parseEverySplit(t, untilClose, { limits, eof: true }), { error: 'tooLarge' });
  // At the limit exactly: fine.
  t.like(
    parseEverySplit(t, `HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n${'y'.repeat(10)}`, {
      limits,
    }),
    {
      body: 'y'.repeat(10),
    },
  );
});

test('another status keeps the first maxErrorBodyBytes of its body and drops the connection', (t) => {
  const body = `${'e'.repeat(16)}REST`;
  const cut = { status: 503, body: 'e'.repeat(16), reusable: false, capped: true };
  t.like(parseEverySplit(t, `HTTP/1.1 503 Unavailable\r\nContent-Length: 20\r\n\r\n${body}`), cut);
  t.like(
    parseEverySplit(
      t,
      `HTTP/1.1 503 Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n${body}\r\n0\r\n\r\n`,
    ),
    cut,
  );
  t.like(parseEverySplit(t, `HTTP/1.1 503 Unavailable\r\n\r\n${body}`, { eof: true }), cut);
  // A short error body is read whole and the connection kept.
  t.like(parseEverySplit(t, 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 4\r\n\r\nnope'), {
    status: 401,
    body: 'nope',
    reusable: true,
    capped: false,
  });
});

test('malformed status lines are http errors', (t) => {
  for (const line of [
    'HTTP/1.1 2000 OK',
    'HTTP/1.1 20 OK',
    'HTTP/2 200 OK',
    'HTTP/1.1  200 OK',
    'HTTP/1.1 OK',
    'ICY 200 OK',
    'HTTP/1.1 200 OK\nX: y',
    ' HTTP/1.1 200 OK',
    '',
  ]) {
    const outcome = parseEverySplit(t, `${line}\r\nContent-Length: 0\r\n\r\n`);
    t.like(outcome, { error: 'http' }, JSON.stringify(line));
    t.regex((outcome as { message: string }).message, /malformed HTTP response/);
  }
  // Without a reason phrase, or with an empty one: fine.
  t.like(parseEverySplit(t, 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n'), { status: 200 });
  t.like(parseEverySplit(t, 'HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n'), { status: 200 });
});

test('malformed header fields are http errors, obs-fold included', (t) => {
  for (const field of [
    'X-Folded: a\r\n b',
    'X-Folded: a\r\n\tb',
    'Content-Length : 0',
    ': no name',
    'No-Colon',
    'X-Bad: a\rb',
    'X-Bad: a\u0000b',
    'Bad Name: x',
  ]) {
    const outcome = parseEverySplit(t, `HTTP/1.1 200 OK\r\n${field}\r\nContent-Length: 0\r\n\r\n`);
    t.like(outcome, { error: 'http' }, JSON.stringify(field));
  }
});

test('malformed chunk framing is an http error', (t) => {
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (const chunks of [
    'zz\r\nxx\r\n0\r\n\r\n',
    '-1\r\nx\r\n0\r\n\r\n',
    '\r\nx\r\n0\r\n\r\n',
    '0x2\r\nxx\r\n0\r\n\r\n',
    '2\nxx\r\n0\r\n\r\n',
    `${'0'.repeat(13)}1\r\nx\r\n0\r\n\r\n`,
    'fffffffffffffff\r\n',
    '2\r\nxxx\r\n0\r\n\r\n',
    '2\r\nxx\n0\r\n\r\n',
    '2;bad\u0001ext\r\nxx\r\n0\r\n\r\n',
    '0\r\nbad trailer\r\n\r\n',
  ]) {
    t.like(
      parseEverySplit(t, head + chunks, { eof: true }),
      { error: 'http' },
      JSON.stringify(chunks),
    );
  }
  // Thirteen hex digits are accepted (the size is then checked against the limit).
  t.like(parseEverySplit(t, `${head}${'0'.repeat(12)}2\r\nxx\r\n0\r\n\r\n`), { body: 'xx' });
  const long = parseEverySplit(t, `${head}2;${'e'.repeat(5000)}\r\nxx\r\n0\r\n\r\n`);
  t.like(long, { error: 'http' });
});

test('Transfer-Encoding wins over Content-Length, and the connection is not reused', (t) => {
  const raw =
    'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n';
  t.like(parseEverySplit(t, raw), { status: 200, body: 'ok', reusable: false });
});

test('Content-Length values must agree and be digits', (t) => {
  const body = 'abc';
  const same = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 003\r\n\r\n';
  t.like(parseEverySplit(t, same + body), { body });
  t.like(parseEverySplit(t, `HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n${body}`), { body });
  for (const fields of [
    'Content-Length: 3\r\nContent-Length: 4',
    'Content-Length: 3, 4',
    'Content-Length: -3',
    'Content-Length: 3x',
    'Content-Length: +3',
    'Content-Length: ',
    'Content-Length: 1234567890123456',
  ]) {
    const outcome = parseEverySplit(t, `HTTP/1.1 200 OK\r\n${fields}\r\n\r\n${body}`);
    t.like(outcome, { error: 'http' }, fields);
  }
});

test('unsupported transfer codings and Transfer-Encoding in HTTP/1.0 are http errors', (t) => {
  for (const head of [
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: identity',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked',
    'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked',
  ]) {
    t.like(parseEverySplit(t, `${head}\r\n\r\n0\r\n\r\n`), { error: 'http' }, head);
  }
  t.like(parseEverySplit(t, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n'), {
    status: 200,
    body: '',
  });
});

test('keep-alive: HTTP/1.1 unless Connection: close; HTTP/1.0 only with Connection: keep-alive', (t) => {
  const ok = (head: string): Outcome => parseEverySplit(t, `${head}\r\nContent-Length: 1\r\n\r\nx`);
  t.like(ok('HTTP/1.1 200 OK'), { reusable: true });
  t.like(ok('HTTP/1.1 200 OK\r\nConnection: Close'), { reusable: false });
  t.like(ok('HTTP/1.1 200 OK\r\nConnection: upgrade, close'), { reusable: false });
  t.like(ok('HTTP/1.0 200 OK'), { reusable: false });
  t.like(ok('HTTP/1.0 200 OK\r\nConnection: Keep-Alive'), { reusable: true });
});

test('a close before the end of the response is truncated', (t) => {
  for (const raw of [
    'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nhalf',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhalf\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 1\r\n',
    'HTTP/1.1 200 OK\r\nContent-Le',
    'HTTP/1.1 100 Continue\r\n\r\n',
  ]) {
    t.like(parseEverySplit(t, raw, { eof: true }), { error: 'truncated' }, raw);
  }
});

test('bytes after the response make the connection not reusable', (t) => {
  const outcome = parseEverySplit(t, 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200');
  t.like(outcome, { status: 200, body: 'ok', reusable: false });
});

test('one parser reads responses one after the other', (t) => {
  const body = new BodyBuffer({ minBytes: 8 });
  const parser = new HttpResponseParser(body, LIMITS);
  const first = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nfirst, long!', 'latin1');
  const second = Buffer.from(
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n2nd\r\n0\r\n\r\n',
    'latin1',
  );
  parser.begin();
  t.false(parser.started);
  const one = parser.feed(first, 0, first.length);
  t.true(parser.started);
  t.is(one?.body.toString(), 'first, long!');
  parser.begin();
  t.false(parser.started);
  const two = parser.feed(second, 0, second.length);
  t.deepEqual(two && plain(two), response(200, [['transfer-encoding', ['chunked']]], '2nd'));
});
