// Test-only OpenTelemetry wiring: the W3C propagator and AsyncLocalStorage context manager an app's
// SDK would install. The bus package itself depends only on @opentelemetry/api.
//
// Both packages are installed in this repository under packages/telemetry (not hoisted), so when
// the bare name does not resolve from here we resolve it from there.

import { createRequire } from 'node:module';
import { context, propagation, type ContextManager, type TextMapPropagator } from '@opentelemetry/api';

const here = createRequire(import.meta.url);
const telemetry = createRequire(new URL('../../../telemetry/package.json', import.meta.url));

function load(name: string): Record<string, unknown> {
  for (const req of [here, telemetry]) {
    try {
      const mod: unknown = req(name);
      if (typeof mod === 'object' && mod !== null) return mod as Record<string, unknown>;
    } catch {
      // try the next location
    }
  }
  throw new Error(`test setup: cannot resolve ${name}`);
}

function ctor<T>(mod: Record<string, unknown>, name: string): new () => T {
  const c = mod[name];
  if (typeof c !== 'function') throw new Error(`test setup: ${name} not exported`);
  return c as new () => T;
}

/** Registers the W3C propagator and an AsyncLocalStorage context manager; returns the undo. */
export function installTestTracing(): () => void {
  const Propagator = ctor<TextMapPropagator>(load('@opentelemetry/core'), 'W3CTraceContextPropagator');
  const Manager = ctor<ContextManager & { enable(): ContextManager }>(load('@opentelemetry/context-async-hooks'), 'AsyncLocalStorageContextManager');
  context.setGlobalContextManager(new Manager().enable());
  propagation.setGlobalPropagator(new Propagator());
  return () => {
    propagation.disable();
    context.disable();
  };
}
