/**
 * W3C Trace Context (traceparent / tracestate) as a pod carries it in its spec's env vars, and the
 * search for a pod's context across its containers.
 *
 * Error strings describe only the trace-context value being parsed (never other env values), and
 * are short enough to log as-is.
 */

import type { ContainerSpec, EnvSource, KubeletPod } from './kubeletPod.js';

/** A parsed `traceparent`, with the `tracestate` that came with it when it was valid. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zeros. */
  readonly traceId: string;
  /** The `parent-id` field: 16 lowercase hex digits, not all zeros. */
  readonly spanId: string;
  /** The whole flags byte as sent; only bit 0 (sampled) has a meaning the agent uses. */
  readonly traceFlags: number;
  /** Bit 0 of `traceFlags`. */
  readonly sampled: boolean;
  /** Normalised `tracestate` (see {@link parseTraceState}); absent when missing or invalid. */
  readonly traceState?: string;
}

type ParseResult = { ok: true; context: TraceContext } | { ok: false; error: string };

/** Longest env value (or tracestate) considered; longer ones are invalid. */
export const MAX_CONTEXT_VALUE_LENGTH = 4096;

/** The env var holding the tracestate that goes with a bare traceparent in the same container. */
const TRACESTATE_ENV_NAME = 'TRACESTATE';

const TRACEPARENT_LENGTH = 55;
const MAX_TRACESTATE_MEMBERS = 32;
const LOWER_HEX = /^[0-9a-f]+$/;
const ANY_CASE_HEX = /^[0-9a-fA-F]+$/;
const SIMPLE_KEY = /^[a-z][a-z0-9_\-*/]{0,255}$/;
const MULTI_TENANT_KEY = /^[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13}$/;
// chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E (no "," nor "=")
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

const WHITESPACE = ' \t\r\n';
const OWS = ' \t';

/** `text` without leading and trailing characters from `chars` (linear, unlike a regex). */
function trimChars(text: string, chars: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && chars.includes(text.charAt(start))) {
    start += 1;
  }
  while (end > start && chars.includes(text.charAt(end - 1))) {
    end -= 1;
  }
  return text.slice(start, end);
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

function tooLongError(): string {
  return `value is longer than ${MAX_CONTEXT_VALUE_LENGTH} characters`;
}

/** Why `text` is not `length` lowercase hex digits, or undefined if it is. */
function hexProblem(field: string, text: string, length: number): string | undefined {
  if (text.length === length && LOWER_HEX.test(text)) {
    return undefined;
  }
  if (text.length === length && ANY_CASE_HEX.test(text)) {
    return `${field} has uppercase hex digits`;
  }
  return `${field} is not ${length} lowercase hex digits`;
}

/**
 * Parses a W3C `traceparent` value (surrounding spaces, tabs and line breaks are ignored).
 * Version `00` must be exactly `00-<32 hex>-<16 hex>-<2 hex>`; version `ff` is invalid; a
 * higher version is read by its first 55 characters when the 56th is absent or `-` (the spec's
 * forward-compatibility rule). All-zero trace-id or parent-id and uppercase hex are invalid.
 */
export function parseTraceparent(value: string): ParseResult {
  if (value.length > MAX_CONTEXT_VALUE_LENGTH) {
    return fail(tooLongError());
  }
  const text = trimChars(value, WHITESPACE);
  if (text === '') {
    return fail('traceparent is empty');
  }
  const version = text.slice(0, 2);
  const versionProblem = hexProblem('version', version, 2);
  if (versionProblem !== undefined) {
    return fail(versionProblem);
  }
  if (version === 'ff') {
    return fail('version ff is invalid');
  }
  if (text.charAt(2) !== '-') {
    return fail('expected "-" after version');
  }
  if (version === '00') {
    if (text.length !== TRACEPARENT_LENGTH) {
      return fail(`version 00 must be exactly 55 characters, got ${text.length}`);
    }
  } else if (text.length < TRACEPARENT_LENGTH) {
    return fail(`shorter than 55 characters (${text.length})`);
  } else if (text.length > TRACEPARENT_LENGTH && text.charAt(TRACEPARENT_LENGTH) !== '-') {
    return fail(`expected "-" after trace-flags of version ${version}`);
  }
  const traceId = text.slice(3, 35);
  const traceIdProblem = hexProblem('trace-id', traceId, 32);
  if (traceIdProblem !== undefined) {
    return fail(traceIdProblem);
  }
  if (text.charAt(35) !== '-') {
    return fail('expected "-" after trace-id');
  }
  const spanId = text.slice(36, 52);
  const spanIdProblem = hexProblem('parent-id', spanId, 16);
  if (spanIdProblem !== undefined) {
    return fail(spanIdProblem);
  }
  if (text.charAt(52) !== '-') {
    return fail('expected "-" after parent-id');
  }
  const flags = text.slice(53, 55);
  const flagsProblem = hexProblem('trace-flags', flags, 2);
  if (flagsProblem !== undefined) {
    return fail(flagsProblem);
  }
  if (/^0+$/.test(traceId)) {
    return fail('trace-id is all zeros');
  }
  if (/^0+$/.test(spanId)) {
    return fail('parent-id is all zeros');
  }
  const traceFlags = Number.parseInt(flags, 16);
  return { ok: true, context: { traceId, spanId, traceFlags, sampled: (traceFlags & 1) === 1 } };
}

/**
 * Validates a W3C tracestate header value; returns the normalised value or undefined if
 * invalid/empty (an invalid tracestate is dropped, not fatal, per the spec).
 * Normalised: spaces/tabs around members removed, empty members dropped, joined by `,`.
 * Invalid: a member that is not `key=value` per the spec's grammar, a duplicated key, more than
 * 32 members, or a value longer than {@link MAX_CONTEXT_VALUE_LENGTH}.
 */
export function parseTraceState(value: string): string | undefined {
  if (value.length > MAX_CONTEXT_VALUE_LENGTH) {
    return undefined;
  }
  const members: string[] = [];
  const keys = new Set<string>();
  for (const rawMember of value.split(',')) {
    const member = trimChars(rawMember, OWS);
    if (member === '') {
      continue;
    }
    const equals = member.indexOf('=');
    if (equals <= 0) {
      return undefined;
    }
    const key = member.slice(0, equals);
    const memberValue = member.slice(equals + 1);
    if (!(SIMPLE_KEY.test(key) || MULTI_TENANT_KEY.test(key))) {
      return undefined;
    }
    if (!TRACESTATE_VALUE.test(memberValue) || keys.has(key)) {
      return undefined;
    }
    keys.add(key);
    members.push(member);
  }
  if (members.length === 0 || members.length > MAX_TRACESTATE_MEMBERS) {
    return undefined;
  }
  return members.join(',');
}

function withTraceState(context: TraceContext, traceState: string | undefined): TraceContext {
  return traceState === undefined ? context : { ...context, traceState };
}

function parseJsonCarrier(text: string): ParseResult {
  let carrier: unknown;
  try {
    carrier = JSON.parse(text);
  } catch {
    return fail('not valid JSON');
  }
  if (typeof carrier !== 'object' || carrier === null || Array.isArray(carrier)) {
    return fail('JSON carrier is not an object');
  }
  const fields = carrier as Record<string, unknown>;
  const traceparent = Object.hasOwn(fields, 'traceparent') ? fields.traceparent : undefined;
  if (typeof traceparent !== 'string') {
    return fail('JSON carrier has no "traceparent" string');
  }
  const parsed = parseTraceparent(traceparent);
  if (!parsed.ok) {
    return fail(`JSON carrier "traceparent": ${parsed.error}`);
  }
  const traceState = Object.hasOwn(fields, 'tracestate') ? fields.tracestate : undefined;
  return {
    ok: true,
    context: withTraceState(
      parsed.context,
      typeof traceState === 'string' ? parseTraceState(traceState) : undefined,
    ),
  };
}

/**
 * Parses a trace-context value as found in an env var: a value starting with `{` (after
 * trimming) is a JSON carrier object {"traceparent": ..., "tracestate"?: ..., "baggage"?: ...}
 * (Litmus TRACE_PARENT); anything else is a bare W3C traceparent, whose tracestate is passed
 * separately. A carrier's own `tracestate` is used and `bareTraceState` ignored; `baggage` and
 * other keys are ignored; key names are case-sensitive (lowercase, as Litmus writes them).
 */
export function parseContextValue(value: string, bareTraceState?: string): ParseResult {
  if (value.length > MAX_CONTEXT_VALUE_LENGTH) {
    return fail(tooLongError());
  }
  const text = trimChars(value, WHITESPACE);
  if (text.startsWith('{')) {
    return parseJsonCarrier(text);
  }
  const parsed = parseTraceparent(text);
  if (!parsed.ok) {
    return parsed;
  }
  return {
    ok: true,
    context: withTraceState(
      parsed.context,
      bareTraceState === undefined ? undefined : parseTraceState(bareTraceState),
    ),
  };
}

/** The outcome of looking for a pod's trace context in its containers' env. */
export type PodTraceContext =
  | { kind: 'found'; context: TraceContext; container: string; envName: string }
  | { kind: 'notSampled'; context: TraceContext; container: string; envName: string }
  /** No valid context anywhere; the first invalid one found is reported. */
  | { kind: 'invalid'; error: string; container: string; envName: string }
  /** Nothing found; `unresolvable` counts looked-up env entries whose source cannot be resolved. */
  | { kind: 'none'; unresolvable: number };

type Resolved = { kind: 'absent' } | { kind: 'unresolvable' } | { kind: 'value'; value: string };

const ABSENT: Resolved = { kind: 'absent' };
const UNRESOLVABLE: Resolved = { kind: 'unresolvable' };

function fromRecord(record: Readonly<Record<string, string>>, key: string): Resolved {
  const value = Object.hasOwn(record, key) ? record[key] : undefined;
  return value === undefined ? ABSENT : { kind: 'value', value };
}

/**
 * Resolves a downward-API `fieldPath` from the pod itself. Subscripts use Kubernetes' own form,
 * `metadata.annotations['key']` (single quotes only).
 */
function resolveFieldRef(pod: KubeletPod, fieldPath: string): Resolved {
  switch (fieldPath) {
    case 'metadata.name':
      return { kind: 'value', value: pod.name };
    case 'metadata.namespace':
      return { kind: 'value', value: pod.namespace };
    case 'metadata.uid':
      return { kind: 'value', value: pod.uid };
    default:
      break;
  }
  if (!fieldPath.endsWith("']")) {
    return UNRESOLVABLE;
  }
  const open = fieldPath.indexOf("['");
  if (open <= 0) {
    return UNRESOLVABLE;
  }
  const path = fieldPath.slice(0, open);
  const key = fieldPath.slice(open + 2, -2);
  if (path === 'metadata.annotations') {
    return fromRecord(pod.annotations, key);
  }
  if (path === 'metadata.labels') {
    return fromRecord(pod.labels, key);
  }
  return UNRESOLVABLE;
}

function resolveEnv(pod: KubeletPod, container: ContainerSpec, name: string): Resolved {
  const source: EnvSource | undefined = container.env.get(name);
  if (source === undefined) {
    return ABSENT;
  }
  switch (source.kind) {
    case 'value':
      return { kind: 'value', value: source.value };
    case 'fieldRef':
      return resolveFieldRef(pod, source.fieldPath);
    case 'unresolvable':
      return UNRESOLVABLE;
  }
}

/**
 * Finds the pod's trace context: init containers then containers, each in spec order, and within a
 * container the names of `envNames` in order. A literal `value` or a `fieldRef` resolvable from the
 * pod (annotations, labels, name, namespace, uid) counts; a fieldRef to a missing key and an
 * empty or blank value count as absent; other sources (secretKeyRef, configMapKeyRef, fieldRefs
 * to other paths, ...) are counted as unresolvable and skipped. The first valid context wins
 * (`found`, or `notSampled` when its sampled flag is clear); invalid ones are skipped, and only
 * reported (`invalid`, the first one) when no valid one exists. A bare traceparent takes its
 * tracestate from the same container's {@link TRACESTATE_ENV_NAME} env var.
 */
export function findPodTraceContext(pod: KubeletPod, envNames: readonly string[]): PodTraceContext {
  let unresolvable = 0;
  let firstInvalid: PodTraceContext | undefined;
  for (const container of [...pod.initContainers, ...pod.containers]) {
    for (const envName of envNames) {
      const resolved = resolveEnv(pod, container, envName);
      if (resolved.kind === 'unresolvable') {
        unresolvable += 1;
        continue;
      }
      if (resolved.kind === 'absent' || trimChars(resolved.value, WHITESPACE) === '') {
        continue;
      }
      const traceStateSource = resolveEnv(pod, container, TRACESTATE_ENV_NAME);
      const traceState = traceStateSource.kind === 'value' ? traceStateSource.value : undefined;
      const parsed = parseContextValue(resolved.value, traceState);
      if (!parsed.ok) {
        firstInvalid ??= {
          kind: 'invalid',
          error: parsed.error,
          container: container.name,
          envName,
        };
        continue;
      }
      return {
        kind: parsed.context.sampled ? 'found' : 'notSampled',
        context: parsed.context,
        container: container.name,
        envName,
      };
    }
  }
  return firstInvalid ?? { kind: 'none', unresolvable };
}
