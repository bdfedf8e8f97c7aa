/** Resolves true if the promise did not settle within `ms`; rejects with it only when `propagate`. */
export async function withTimeout(promise: Promise<unknown>, ms: number, propagate = false): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  const settled = propagate ? promise.then(() => false) : promise.then(() => false, () => false);
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
