/**
 * Owns bounding a step of a kubelet fetch by the fetch's deadline and abort signal (used for
 * obtaining credentials, which may run an exec plugin).
 */
import type { RequestDeadline } from './kubeletAccess.js';
import { KubeletError } from './kubeletError.js';

/** Settles like `promise`, or rejects with a `'timeout'` KubeletError at the deadline or abort. */
export function beforeDeadline<T>(promise: Promise<T>, deadline: RequestDeadline): Promise<T> {
  const { signal, displayUrl } = deadline;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      action();
    };
    const onAbort = (): void =>
      settle(() =>
        reject(new KubeletError('timeout', `kubelet request to ${displayUrl} was aborted`)),
      );
    promise.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(
      () =>
        settle(() =>
          reject(
            new KubeletError(
              'timeout',
              `obtaining credentials for ${displayUrl} timed out after ${deadline.timeoutMs} ms`,
            ),
          ),
        ),
      Math.max(0, deadline.at - Date.now()),
    );
  });
}
