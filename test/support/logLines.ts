/** A pino logger writing parsed JSON lines to an array, for tests of what is logged. */
import { Writable } from 'node:stream';
import { type LevelWithSilent, type Logger, pino } from 'pino';

export function logLines(level: LevelWithSilent): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
