import { vi } from 'vitest';

/**
 * What `load` imports, evaluated afresh as a runtime without node:crypto evaluates it (workerd
 * without nodejs_compat, Vercel's Edge runtime): `process.getBuiltinModule` hidden, so that
 * src/core/hmac.ts finds no node:crypto and everything signs with Web Crypto. Modules imported
 * before keep their node:crypto.
 */
export async function importWithWebCryptoOnly<T>(load: () => Promise<T>): Promise<T> {
  const descriptor = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule');
  vi.resetModules();
  Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    if (descriptor) Object.defineProperty(process, 'getBuiltinModule', descriptor);
    else delete (process as { getBuiltinModule?: unknown }).getBuiltinModule;
    vi.resetModules();
  }
}
