// What the simulator's use cases need from the outside world, as interfaces only. The adapters
// (OPC UA server, HTTP endpoint, files, clocks) implement them; app.ts plugs them in.
import type { FaultSource } from '../domain/faults.ts';
import type { LabelEvent } from '../domain/labels.ts';
import type { AssetInfo, TagUpdate } from '../domain/plant.ts';

export type LogLevel = 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string, data?: Record<string, unknown>) => void;

/** A validation failure at the edge, naming the field. */
export interface FieldError {
  readonly ok: false;
  readonly field: string;
  readonly error: string;
}

/** What the OPC UA method InjectFault(faultType, severity, developMinutes) asks for. */
export interface MethodFaultRequest {
  asset: string;
  fault: string;
  severity: number;
  developMinutes: number;
}
export type MethodInjectHandler = (input: MethodFaultRequest) => { ok: true; faultId: string } | FieldError;

/** The server that shows the plant's tags (OPC UA). */
export interface TagServer {
  readonly endpointUrl: string;
  apply(updates: readonly TagUpdate[]): void;
  stop(): Promise<void>;
}

export type ControlResult = { ok: true; body: unknown } | FieldError;

/** What the authenticated control endpoint (HTTP) calls into. */
export interface ControlHandlers {
  injectFault(body: unknown): ControlResult;
  injectScenario(body: unknown): ControlResult;
  status(): unknown;
}

export interface ControlApi {
  readonly url: string;
  stop(): Promise<void>;
}

/** Everything a plant run touches outside the domain. */
export interface PlantRunPorts {
  startTagServer(assets: readonly AssetInfo[], initial: readonly TagUpdate[], inject: MethodInjectHandler): Promise<TagServer>;
  /** null: no control endpoint configured. */
  startControlApi: ((handlers: ControlHandlers) => Promise<ControlApi>) | null;
  readText(file: string): Promise<string>;
  /** Monotonic real-time milliseconds. */
  monotonicMs(): number;
  /** Wall clock (epoch ms), for the default plant start. */
  wallClockMs(): number;
  log: Log;
}

export type LabelListener = (label: LabelEvent) => void;

export type { FaultSource };
