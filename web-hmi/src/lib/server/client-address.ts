// The browser's address for the request being served, so gateway calls can name it
// (X-Forwarded-For): the gateway, told to trust the HMI server (INFERENCE_HTTP_TRUST_PROXY),
// then limits and records per operator's address instead of counting the whole HMI as one source.
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<string>();

/** Runs `fn` (the request's resolve) with `address` as the caller's address. */
export const withClientAddress = <T>(address: string, fn: () => T): T => current.run(address, fn);

/** The X-Forwarded-For header for a gateway call made while serving a request; empty outside one. */
export function forwardedFor(): Record<string, string> {
  const address = current.getStore();
  return address === undefined ? {} : { 'x-forwarded-for': address };
}
