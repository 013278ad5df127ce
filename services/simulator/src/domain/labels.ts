// Ground-truth label events: what was injected, and when a failure actually happened.
// The platform appends these to the event store; here they are plain values.

export interface FaultInjected {
  type: 'FaultInjected';
  faultId: string;
  fault: string;
  tag?: string;
  asset: string;
  /** UNS-style path enterprise/site/area/line/asset */
  path: string;
  severity: number;
  developMinutes: number;
  /** plant time the fault starts to act */
  startAt: string;
  /** plant time of the injection */
  plantTime: string;
  source: string;
  /** who injected it (an authenticated user); absent: the simulator itself (scenario file, API) */
  actor?: FaultActor;
}

/** The authenticated user behind an injection and the role that granted it. */
export interface FaultActor {
  subject: string;
  role: string;
}

export interface FaultLabelled {
  type: 'FaultLabelled';
  /** the injected fault behind it, or null for an emergent failure */
  faultId: string | null;
  /** failure mode: TWF/HDF/PWF/OSF/RNF for mills, bearing_failure, cavitation, jam, sensor_* … */
  fault: string;
  cause: 'injected' | 'emergent' | 'replay';
  asset: string;
  path: string;
  /** plant time the underlying fault started (equals failureAt for instantaneous failures) */
  startedAt: string;
  failureAt: string;
  plantTime: string;
  tag?: string;
}

export type LabelEvent = FaultInjected | FaultLabelled;

export const iso = (plantMs: number): string => new Date(plantMs).toISOString();
