// Golden wire bytes written by hand from the CRI runtime.v1 field numbers: they pin the bundled
// .proto to what containerd and CRI-O send and expect.
import test from 'ava';
import { CRI_PROTO_PATH, criRuntimeService } from '../../src/cri/criProto.js';

function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
}

/** Varint field (wire type 0). */
function num(field: number, value: bigint | number): number[] {
  return [...varint(field << 3), ...varint(value)];
}

/** Length-delimited field (wire type 2): strings, messages, map entries. */
function len(field: number, payload: number[] | string): number[] {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload)] : payload;
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
}

function entry(field: number, key: string, value: string): number[] {
  return len(field, [...len(1, key), ...len(2, value)]);
}

const service = criRuntimeService().service;

test('the bundled .proto exists and declares runtime.v1.RuntimeService', (t) => {
  t.true(CRI_PROTO_PATH.endsWith('/proto/cri_runtime_v1.proto'));
  t.is(service.ContainerStatus?.path, '/runtime.v1.RuntimeService/ContainerStatus');
  t.is(service.ListPodSandbox?.path, '/runtime.v1.RuntimeService/ListPodSandbox');
  t.is(criRuntimeService(), criRuntimeService());
});

test('ContainerStatusRequest encodes container_id=1, verbose=2', (t) => {
  const bytes = service.ContainerStatus?.requestSerialize({ containerId: 'abc', verbose: true });
  t.deepEqual([...(bytes ?? [])], [...len(1, 'abc'), ...num(2, 1)]);
});

test('ListPodSandboxRequest encodes filter=1 { label_selector=3 }', (t) => {
  const bytes = service.ListPodSandbox?.requestSerialize({
    filter: { labelSelector: { 'io.kubernetes.pod.uid': 'u1' } },
  });
  t.deepEqual([...(bytes ?? [])], len(1, entry(3, 'io.kubernetes.pod.uid', 'u1')));
});

test('ContainerStatusResponse decodes every CRI field number, int64 exactly, unknown fields skipped', (t) => {
  const status = [
    ...len(1, 'cid'),
    ...len(2, [...len(1, 'app'), ...num(2, 3)]),
    ...num(3, 2),
    ...num(4, 1536246646065652988n),
    ...num(5, 1536246646620452998n),
    ...num(6, 1536246646972213988n),
    ...num(7, 137),
    ...len(8, len(1, 'docker.io/mrunalp/oom:latest')),
    ...len(9, 'docker.io/mrunalp/oom@sha256:c17f'),
    ...len(10, 'OOMKilled'),
    ...len(11, 'msg'),
    ...entry(12, 'batch', 'no'),
    ...entry(13, 'daemon', 'crio'),
    ...len(15, '/var/log/pods/x.log'), // log_path: not declared, must be skipped
  ];
  const bytes = Buffer.from([...len(1, status), ...entry(2, 'pid', '42')]);
  t.deepEqual(service.ContainerStatus?.responseDeserialize(bytes), {
    status: {
      id: 'cid',
      metadata: { name: 'app', attempt: 3 },
      state: 'CONTAINER_EXITED',
      createdAt: '1536246646065652988',
      startedAt: '1536246646620452998',
      finishedAt: '1536246646972213988',
      exitCode: 137,
      image: { image: 'docker.io/mrunalp/oom:latest' },
      imageRef: 'docker.io/mrunalp/oom@sha256:c17f',
      reason: 'OOMKilled',
      message: 'msg',
      labels: { batch: 'no' },
      annotations: { daemon: 'crio' },
    },
    info: { pid: '42' },
  });
});

test('ListPodSandboxResponse decodes items=1 with every PodSandbox field number', (t) => {
  const sandbox = [
    ...len(1, 'sid'),
    ...len(2, [...len(1, 'web-0'), ...len(2, 'uid-1'), ...len(3, 'ns'), ...num(4, 2)]),
    ...num(3, 1),
    ...num(4, 1700000000000000001n),
    ...entry(5, 'io.kubernetes.pod.uid', 'uid-1'),
    ...entry(6, 'a', 'b'),
    ...len(7, 'runc'),
  ];
  const bytes = Buffer.from(len(1, sandbox));
  t.deepEqual(service.ListPodSandbox?.responseDeserialize(bytes), {
    items: [
      {
        id: 'sid',
        metadata: { name: 'web-0', uid: 'uid-1', namespace: 'ns', attempt: 2 },
        state: 'SANDBOX_NOTREADY',
        createdAt: '1700000000000000001',
        labels: { 'io.kubernetes.pod.uid': 'uid-1' },
        annotations: { a: 'b' },
        runtimeHandler: 'runc',
      },
    ],
  });
});

test('an empty ContainerStatus decodes with defaults: zero times, CREATED, no metadata', (t) => {
  const bytes = Buffer.from(len(1, []));
  t.like(service.ContainerStatus?.responseDeserialize(bytes), {
    status: {
      metadata: null,
      state: 'CONTAINER_CREATED',
      createdAt: '0',
      startedAt: '0',
      finishedAt: '0',
      exitCode: 0,
      reason: '',
    },
  });
});
