/**
 * The pods of the end-to-end scenarios (a Litmus container-kill experiment, an OOM-killed and
 * restarted container, init containers, invalid / missing / good trace contexts), shared by the tests that run them through each pod source.
 * Times come from the test's {@link ExperimentClock}.
 */
import type { PodScript } from '../../sim/podBuilder.js';
import { litmusTraceParentValue } from '../../sim/podBuilder.js';
import type { ExperimentClock } from './experimentClock.js';

export const TRACE = '5b8efff798038103d269b633813fc60c';
/** ExecuteChaosRunner in the user's trace. */
export const RUNNER_SPAN = 'eee19b7ec3c1b174';
/** CreateContainerKillFaultHelperPod in litmus-go. */
export const HELPER_PARENT = 'a1b2c3d4e5f60718';
export const NODE = 'worker-1';

/** The scenarios' pod scripts at the times of `clock`. */
export function e2ePods({ sec }: Pick<ExperimentClock, 'sec'>) {
  const litmusLabels = {
    chaosUID: 'f3d1c0de-0000-4000-8000-00000000c4a0',
    'app.kubernetes.io/part-of': 'litmus',
  };

  const runner: PodScript = {
    name: 'engine-nginx-runner',
    namespace: 'litmus',
    labels: { ...litmusLabels, app: 'engine-nginx', 'app.kubernetes.io/component': 'chaos-runner' },
    creationTimestamp: sec(0),
    restartPolicy: 'OnFailure',
    nodeName: NODE,
    containers: [
      {
        name: 'chaos-runner',
        image: 'litmuschaos/chaos-runner:3.12.0',
        runs: [{ startedAt: sec(2) }],
      },
    ],
  };

  const experiment: PodScript = {
    name: 'container-kill-x2k9qp-7fw4c',
    generateName: 'container-kill-x2k9qp-',
    namespace: 'litmus',
    labels: {
      ...litmusLabels,
      name: 'container-kill',
      'app.kubernetes.io/component': 'experiment-job',
      'job-name': 'container-kill-x2k9qp',
    },
    owner: { kind: 'Job', name: 'container-kill-x2k9qp' },
    creationTimestamp: sec(3),
    restartPolicy: 'Never',
    nodeName: NODE,
    containers: [
      {
        name: 'container-kill-x2k9qp',
        image: 'litmuschaos/go-runner:3.12.0',
        env: {
          CHAOS_NAMESPACE: 'litmus',
          TRACE_PARENT: litmusTraceParentValue(TRACE, RUNNER_SPAN),
          OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector.observability:4317',
          DB_PASSWORD: 'hunter2-do-not-leak',
        },
        runs: [{ startedAt: sec(6), finishedAt: sec(30) }],
      },
    ],
  };

  const helper: PodScript = {
    name: 'container-kill-helper-hzv7c',
    generateName: 'container-kill-helper-',
    namespace: 'litmus',
    labels: { ...litmusLabels, name: 'container-kill', app: 'container-kill-helper-9sjk2' },
    creationTimestamp: sec(10),
    restartPolicy: 'Never',
    nodeName: NODE,
    containers: [
      {
        name: 'container-kill',
        image: 'litmuschaos/go-runner:3.12.0',
        env: { TRACE_PARENT: litmusTraceParentValue(TRACE, HELPER_PARENT) },
        runs: [{ startedAt: sec(12), finishedAt: sec(20) }],
      },
    ],
  };

  const notSelected: PodScript = {
    name: 'web-0',
    namespace: 'shop',
    labels: { app: 'web' },
    creationTimestamp: sec(0),
    nodeName: NODE,
    containers: [
      {
        name: 'web',
        env: { TRACEPARENT: `00-${TRACE}-${HELPER_PARENT}-01` },
        runs: [{ startedAt: sec(1) }],
      },
    ],
  };

  const stress: PodScript = {
    name: 'stress-7c9d',
    namespace: 'litmus',
    labels: { chaosUID: 'x' },
    creationTimestamp: sec(0),
    restartPolicy: 'Always',
    nodeName: NODE,
    containers: [
      {
        name: 'stress',
        env: { TRACEPARENT: `00-${TRACE}-${HELPER_PARENT}-01` },
        runs: [
          { startedAt: sec(2), finishedAt: sec(9), exitCode: 137, reason: 'OOMKilled' },
          { startedAt: sec(20) },
        ],
      },
    ],
  };

  const withInit: PodScript = {
    name: 'db-migrate-job-8d2kq',
    generateName: 'db-migrate-job-',
    namespace: 'ci',
    labels: { chaosUID: 'ci' },
    creationTimestamp: sec(0),
    restartPolicy: 'Never',
    nodeName: NODE,
    initContainers: [
      { name: 'wait-for-db', runs: [{ startedAt: sec(2), finishedAt: sec(4) }] },
      { name: 'fetch-schema', runs: [{ startedAt: sec(5), finishedAt: sec(6) }] },
    ],
    containers: [
      {
        name: 'migrate',
        env: { TRACEPARENT: `00-${TRACE}-${HELPER_PARENT}-01`, TRACESTATE: 'ci=build42' },
        runs: [{ startedAt: sec(8), finishedAt: sec(11) }],
      },
    ],
  };

  const bad: PodScript = {
    name: 'bad-ctx',
    namespace: 'litmus',
    labels: { chaosUID: 'x' },
    creationTimestamp: sec(0),
    restartPolicy: 'Never',
    nodeName: NODE,
    containers: [
      {
        name: 'c',
        env: {
          TRACE_PARENT: '{"traceparent":"00-00000000000000000000000000000000-a1b2c3d4e5f60718-01"}',
        },
        runs: [{ startedAt: sec(1), finishedAt: sec(2) }],
      },
    ],
  };
  const none: PodScript = {
    ...bad,
    name: 'no-ctx',
    containers: [{ name: 'c', runs: [{ startedAt: sec(1), finishedAt: sec(2) }] }],
  };
  const good: PodScript = {
    ...bad,
    name: 'good-ctx',
    containers: [
      {
        name: 'c',
        env: { TRACEPARENT: `00-${TRACE}-${HELPER_PARENT}-01` },
        runs: [{ startedAt: sec(1), finishedAt: sec(2) }],
      },
    ],
  };
  return { runner, experiment, helper, notSelected, stress, withInit, bad, none, good };
}
