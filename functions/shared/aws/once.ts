// Adapters are built on first use and kept for the container's life, so SDK clients and the
// secret cache survive between invocations. Nothing is built at import time.
const built = new Map<string, unknown>();

/** The value built under `key`, building it on first use. */
export function once<T>(key: string, make: () => T): T {
  if (!built.has(key)) built.set(key, make());
  return built.get(key) as T;
}

/** Forgets every built adapter, so a test can build them again from a changed environment. */
export function forgetBuilt(): void {
  built.clear();
}
