// What the simulator's use cases need from the outside world, as interfaces only. The adapters
// (OPC UA server, HTTP endpoint, files, clocks) implement them; app.ts plugs them in.
import type { FaultSource } from '../domain/faults.ts';
import type { FaultActor, LabelEvent } from '../domain/labels.ts';
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
/** `actor`: the OPC UA user of the session (the server has checked its role before calling). */
export type MethodInjectHandler = (input: MethodFaultRequest, actor: FaultActor) => { ok: true; faultId: string } | FieldError;

/** The server that shows the plant's tags (OPC UA). */
export interface TagServer {
  readonly endpointUrl: string;
  apply(updates: readonly TagUpdate[]): void;
  stop(): Promise<void>;
}

export type ControlResult = { ok: true; body: unknown } | FieldError;

/** What the authenticated control endpoint (HTTP) calls into, once the caller is authorized. */
export interface ControlHandlers {
  /**
   * The asset path (`acme.plant-1.utilities.cooling-water.pump-4`) a fault request is about, to
   * authorize it against the caller's scopes before the body is validated; the plant's
   * `enterprise.site` for a scenario, a status request or a body naming no known asset.
   */
  locate(body: unknown): string;
  injectFault(body: unknown, actor: FaultActor): ControlResult;
  injectScenario(body: unknown, actor: FaultActor): ControlResult;
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

export type { FaultActor, FaultSource };
