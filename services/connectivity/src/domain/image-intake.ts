// Intake of part images from a line camera (#22): which inputs are accepted and the events
// that record it. Pure: the decoder's verdict, the hash and the clock arrive as arguments.
// An accepted image becomes ImageCaptured (the hash, never the pixels); anything else becomes
// ImageRejected, a data-quality notice naming the reason, and nothing is stored.
import type { EventData } from '@industrial/contracts';

export type ImageVia = 'folder' | 'mqtt' | 'http';
export type ImageRejectReason = EventData<'ImageRejected'>['reason'];

export type ImageEvent = { type: 'ImageCaptured'; data: EventData<'ImageCaptured'> } | { type: 'ImageRejected'; data: EventData<'ImageRejected'> };

/** What a source hands over: the bytes and what it knows about them. */
export interface ImageCapture {
  readonly sourceId: string;
  readonly stationId: string;
  readonly partId: string | null;
  readonly via: ImageVia;
  /** file name, topic or upload path */
  readonly origin: string;
  readonly bytes: Uint8Array;
  readonly capturedAt: string;
}

/** What the station's camera delivers; anything else is refused. */
export interface StationImageSpec {
  readonly width: number;
  readonly height: number;
  readonly maxBytes: number;
}

export const DEFAULT_STATION_IMAGE: StationImageSpec = { width: 640, height: 640, maxBytes: 20 * 1024 * 1024 };

const PART_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const isPartId = (s: string | null | undefined): s is string => typeof s === 'string' && PART_ID.test(s);

/** The decoder's verdict on the bytes. */
export type DecodeVerdict = { ok: true; width: number; height: number; format: 'jpeg' | 'pgm' } | { ok: false; reason: ImageRejectReason; message: string };

export function rejected(c: Omit<ImageCapture, 'bytes'>, reason: ImageRejectReason, message: string, at: string): ImageEvent {
  return {
    type: 'ImageRejected',
    data: {
      sourceId: c.sourceId,
      stationId: c.stationId,
      partId: isPartId(c.partId) ? c.partId : null,
      via: c.via,
      reason,
      message: message.trim().slice(0, 500) || reason,
      origin: c.origin.slice(0, 300) || c.via,
      rejectedAt: at,
    },
  };
}

/** Checks that need no decoding: the part id and the size in bytes. null = go on and decode. */
export function precheck(c: ImageCapture, spec: StationImageSpec, at: string): ImageEvent | null {
  if (!isPartId(c.partId))
    return rejected(c, 'no-part-id', c.partId ? `part id "${String(c.partId).slice(0, 40)}" is not valid` : 'image without a part id', at);
  if (c.bytes.length > spec.maxBytes) return rejected(c, 'too-large', `image of ${c.bytes.length} bytes exceeds the station's limit of ${spec.maxBytes}`, at);
  if (c.bytes.length === 0) return rejected(c, 'truncated', 'empty image', at);
  return null;
}

export function decide(c: ImageCapture, verdict: DecodeVerdict, sha256: string, at: string): ImageEvent {
  if (!verdict.ok) return rejected(c, verdict.reason, verdict.message, at);
  return {
    type: 'ImageCaptured',
    data: {
      sourceId: c.sourceId,
      stationId: c.stationId,
      partId: c.partId!,
      via: c.via,
      sha256,
      width: verdict.width,
      height: verdict.height,
      bytes: c.bytes.length,
      format: verdict.format,
      capturedAt: c.capturedAt,
      receivedAt: at,
    },
  };
}
