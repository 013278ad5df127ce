// Header names the bus writes, and the naming of dead-letter subjects and streams.

export const Header = {
  ContentType: 'Content-Type',
  /** Set by the transport from PublishOptions.msgId; surfaced as BusMessage.msgId, not in headers. */
  MsgId: 'Nats-Msg-Id',
  DlqReason: 'Bus-Dlq-Reason',
  DlqKind: 'Bus-Dlq-Kind',
  DlqAttempts: 'Bus-Dlq-Attempts',
  DlqStream: 'Bus-Dlq-Stream',
  DlqDurable: 'Bus-Dlq-Durable',
  DlqSubject: 'Bus-Dlq-Subject',
  DlqSeq: 'Bus-Dlq-Seq',
  DlqMsgId: 'Bus-Dlq-Msg-Id',
} as const;
export type Header = (typeof Header)[keyof typeof Header];

export const JSON_CONTENT_TYPE = 'application/json';

/** Why a message was dead-lettered. */
export const DeadLetterKind = {
  /** The handler failed on every one of `maxDeliver` attempts. */
  MaxDeliver: 'max-deliver',
  /** `validate` rejected the payload (or it was not valid JSON): never retried. */
  Invalid: 'invalid',
  /** Delivered `maxDeliver` times without an ack or nak (consumers died or hung). */
  AckTimeout: 'ack-timeout',
  /** The `verify` hook rejected it (unsigned, forged or altered integration event): never retried, never handled. */
  Unverified: 'unverified',
} as const;
export type DeadLetterKind = (typeof DeadLetterKind)[keyof typeof DeadLetterKind];

/** Subject a dead-lettered message of `<stream>`/`<durable>` is published to. */
export const deadLetterSubject = (stream: string, durable: string): string => `dlq.${stream}.${durable}`;

/** Stream that keeps the dead letters of one source stream (subjects `dlq.<stream>.>`). */
export const deadLetterStream = (stream: string): string => `${stream}_DLQ`;

/** Header values are single-line; error messages are not. */
export const headerValue = (v: string, max = 1024): string => {
  const flat = v.replace(/[\r\n]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
