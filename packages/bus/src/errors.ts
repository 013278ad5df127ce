// One error class for the bus, with a code callers can branch on and the transport error as cause.

export const BusErrorCode = {
  Closed: 'BUS_CLOSED',
  InvalidArgument: 'BUS_INVALID_ARGUMENT',
  NoStream: 'BUS_NO_STREAM',
  StreamNotFound: 'BUS_STREAM_NOT_FOUND',
  ConsumerConflict: 'BUS_CONSUMER_CONFLICT',
  PublishFailed: 'BUS_PUBLISH_FAILED',
  Transport: 'BUS_TRANSPORT',
} as const;
export type BusErrorCode = (typeof BusErrorCode)[keyof typeof BusErrorCode];

export class BusError extends Error {
  override readonly name = 'BusError';
  readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export const isBusError = (err: unknown, code?: BusErrorCode): err is BusError => err instanceof BusError && (code === undefined || err.code === code);
