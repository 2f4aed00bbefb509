import { constants, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Record framing shared by the state journal, its snapshot and the span segments:
 *
 * ```
 * magic (4 bytes: F0 00 FF A7) | length (u32 LE) | crc32 (u32 LE, over length and payload) | payload
 * ```
 *
 * JSON payloads are raw-deflated (level 1: tracker and span JSON shrinks 5-10×, at a few ms per
 * 600 KB). After a damaged region a reader resynchronises on the next magic marker; a marker that
 * happens to occur inside a compressed payload is rejected by the length bound and the checksum
 * (a false match needs a 32-bit CRC collision). Decoding never throws.
 */
const FRAME_MAGIC = Buffer.from([0xf0, 0x00, 0xff, 0xa7]);
export const FRAME_HEADER_BYTES = 12;
/** Longest payload a reader accepts; a larger length field is damage. */
const MAX_FRAME_PAYLOAD = 256 * 1024 * 1024;

/** One record, framed. */
export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  FRAME_MAGIC.copy(frame, 0);
  frame.writeUInt32LE(payload.length, 4);
  payload.copy(frame, FRAME_HEADER_BYTES);
  frame.writeUInt32LE(frameChecksum(frame, payload.length), 8);
  return frame;
}

/** A JSON value, deflated and framed. */
export function encodeJsonFrame(value: unknown): Buffer {
  return encodeFrame(
    deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: constants.Z_BEST_SPEED }),
  );
}

export interface DecodedFrames {
  /** Intact payloads, in file order. */
  readonly payloads: Buffer[];
  /** Damaged regions between intact records (each one skipped, the records after it kept). */
  readonly damagedRegions: number;
  /** Bytes after the last intact record (a torn or damaged tail); 0 when the file ends cleanly. */
  readonly tailBytes: number;
  /** Where the last intact record ends: the length to cut a torn tail to. */
  readonly intactEnd: number;
}

/** Reads every intact record of `data`, skipping damage (see {@link DecodedFrames}). */
export function decodeFrames(data: Buffer): DecodedFrames {
  const payloads: Buffer[] = [];
  let damagedRegions = 0;
  let intactEnd = 0;
  let pos = 0;
  let inDamage = false;
  while (pos < data.length) {
    const payload = frameAt(data, pos);
    if (payload) {
      if (inDamage) damagedRegions++;
      inDamage = false;
      payloads.push(payload);
      pos += FRAME_HEADER_BYTES + payload.length;
      intactEnd = pos;
      continue;
    }
    inDamage = true;
    const next = data.indexOf(FRAME_MAGIC, pos + 1);
    if (next < 0) break;
    pos = next;
  }
  return { payloads, damagedRegions, tailBytes: data.length - intactEnd, intactEnd };
}

function frameAt(data: Buffer, pos: number): Buffer | undefined {
  if (pos + FRAME_HEADER_BYTES > data.length) return undefined;
  if (data.compare(FRAME_MAGIC, 0, 4, pos, pos + 4) !== 0) return undefined;
  const length = data.readUInt32LE(pos + 4);
  if (length > MAX_FRAME_PAYLOAD || pos + FRAME_HEADER_BYTES + length > data.length) {
    return undefined;
  }
  const frame = data.subarray(pos, pos + FRAME_HEADER_BYTES + length);
  if (frame.readUInt32LE(8) !== frameChecksum(frame, length)) return undefined;
  return frame.subarray(FRAME_HEADER_BYTES);
}

function frameChecksum(frame: Buffer, length: number): number {
  const withLength = crc32(frame.subarray(4, 8));
  return crc32(frame.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length), withLength);
}

/** Inflates and parses a payload of {@link encodeJsonFrame}; undefined when it is not one. */
export function parseJsonPayload(payload: Buffer): unknown {
  try {
    return JSON.parse(inflateRawSync(payload).toString('utf8'));
  } catch {
    return undefined;
  }
}
