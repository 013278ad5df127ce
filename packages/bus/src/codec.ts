// Payload encoding shared by the adapters: objects travel as JSON with a content type header.

import { Header, JSON_CONTENT_TYPE } from './headers.ts';
import type { BusHeaders } from './types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface Encoded {
  readonly data: Uint8Array;
  readonly json: boolean;
}

export const encodePayload = (payload: Uint8Array | object): Encoded =>
  payload instanceof Uint8Array ? { data: payload, json: false } : { data: encoder.encode(JSON.stringify(payload)), json: true };

export const parseJson = (data: Uint8Array): unknown => JSON.parse(decoder.decode(data));

export const isJson = (headers: BusHeaders): boolean => headers[Header.ContentType]?.startsWith(JSON_CONTENT_TYPE) ?? false;
