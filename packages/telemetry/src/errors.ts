// Errors raised by telemetry set-up. Only the composition root sees these: once running,
// telemetry failures are logged, never thrown into business code.

export const TelemetryErrorCode = {
  INVALID_CONFIG: 'TELEMETRY_INVALID_CONFIG',
  ALREADY_INITIALIZED: 'TELEMETRY_ALREADY_INITIALIZED',
} as const;
export type TelemetryErrorCode = (typeof TelemetryErrorCode)[keyof typeof TelemetryErrorCode];

export class TelemetryError extends Error {
  readonly code: TelemetryErrorCode;

  constructor(code: TelemetryErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TelemetryError';
    this.code = code;
  }
}

export class InvalidTelemetryConfigError extends TelemetryError {
  readonly field: string;

  constructor(field: string, reason: string) {
    super(TelemetryErrorCode.INVALID_CONFIG, `Invalid telemetry config: ${field} ${reason}`);
    this.name = 'InvalidTelemetryConfigError';
    this.field = field;
  }
}

export class TelemetryAlreadyInitializedError extends TelemetryError {
  constructor(detail: string, options?: ErrorOptions) {
    super(
      TelemetryErrorCode.ALREADY_INITIALIZED,
      `initTelemetry() may be called only once per process, by the entry point (${detail}). ` +
        'Libraries must use @opentelemetry/api or @industrial/telemetry/api instead; ' +
        'tests call resetTelemetryForTests() between set-ups.',
      options,
    );
    this.name = 'TelemetryAlreadyInitializedError';
  }
}
