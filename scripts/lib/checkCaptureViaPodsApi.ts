/**
 * The Pods API path of one kubelet `/pods` capture: every item, with the trace contexts
 * `checkCapture` injects, is encoded as the simulated kubelet's Pods API encodes it (the
 * simulator's own `.proto`, `sim/podsapi/`), decoded from those bytes by the agent
 * (`decodePodBytes`, the agent's `.proto`), and compared field by field with what
 * `decodePodList` makes of its JSON. An item both paths reject counts as equal; one path alone
 * rejecting, or any field differing, is a failure naming the first differing field.
 */

import { podToProtoMessage, UnencodablePod } from '../../sim/podsapi/podToProtoMessage.js';
import { encodePodMessage } from '../../sim/podsapi/simPodsApiProto.js';
import { decodePodList } from '../../src/core/decodePodList.js';
import { decodePodBytes } from '../../src/podsapi/decodePodBytes.js';
import { firstDifference } from './firstDifference.js';
import { CAPTURE_ENV, injectTraceContexts } from './injectTraceContexts.js';

export interface PodsApiCheck {
  /** Items in the capture. */
  readonly pods: number;
  /** Items both paths decode to the same pod (or both reject). */
  readonly equal: number;
  /** One line per disagreement. */
  readonly failures: readonly string[];
}

export function checkCaptureViaPodsApi(capture: unknown): PodsApiCheck {
  const body = injectTraceContexts(capture) as { items?: unknown };
  const items = Array.isArray(body.items) ? (body.items as unknown[]) : [];
  const options = { envNames: [CAPTURE_ENV] };
  const json = decodePodList(body, options);
  if (!json.ok) return { pods: items.length, equal: 0, failures: [] };
  const failures: string[] = [];
  let equal = 0;
  let next = 0;
  for (let index = 0; index < items.length; index++) {
    const rejectedByJson = json.malformed.some((m) => m.index === index);
    const expected = rejectedByJson ? undefined : json.pods[next++];
    let bytes: Buffer;
    try {
      bytes = encodePodMessage(podToProtoMessage(items[index]));
    } catch (error) {
      if (rejectedByJson && error instanceof UnencodablePod) equal++;
      else failures.push(`Pods API #${index}: the simulator cannot encode it (${String(error)})`);
      continue;
    }
    const viaApi = decodePodBytes(bytes, options);
    const who = expected ? `${expected.namespace}/${expected.name}` : `#${index}`;
    if (!viaApi.ok || expected === undefined) {
      if (!viaApi.ok && expected === undefined) equal++;
      else if (!viaApi.ok) failures.push(`Pods API ${who}: rejected (${viaApi.error})`);
      else failures.push(`Pods API #${index}: decoded, but the JSON path rejects it`);
      continue;
    }
    const difference = firstDifference(viaApi.pod, expected);
    if (difference === undefined) equal++;
    else failures.push(`Pods API ${who}: ${difference}`);
  }
  return { pods: items.length, equal, failures };
}
