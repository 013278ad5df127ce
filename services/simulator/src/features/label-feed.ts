// The simulator's ground-truth feed: every FaultInjected / FaultLabelled label the plant produces
// goes to each subscriber (the event-store recorder, a launcher's log, a test). A failing
// subscriber is logged and never stops the plant.
import type { LabelEvent } from '../domain/labels.ts';
import type { LabelListener, Log } from './ports.ts';

export interface LabelFeed {
  emit(labels: readonly LabelEvent[]): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: LabelListener): () => void;
  /** Labels emitted so far. */
  readonly count: number;
}

export function createLabelFeed(log: Log): LabelFeed {
  const listeners = new Set<LabelListener>();
  let count = 0;
  return {
    emit(labels) {
      count += labels.length;
      for (const label of labels) {
        for (const listener of listeners) {
          try {
            listener(label);
          } catch (err) {
            log('warn', 'label listener failed', { error: String(err) });
          }
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    get count() {
      return count;
    },
  };
}
