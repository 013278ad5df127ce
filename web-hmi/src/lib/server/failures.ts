// Expected gateway failures → what the operator reads (never a stack trace): 409 "already done",
// 403 "your role…", 400 "check …", 401 back to sign-in, anything else "not reachable".
import { fail, redirect, type ActionFailure } from '@sveltejs/kit';
import { GatewayError } from './inference.ts';
import { STATUS_WORD } from '../format.ts';

/** Gateway field names in the operator's words. */
const FIELD_WORD: Record<string, string> = { durationSeconds: 'how long', endOfShift: 'until the end of the shift', reason: 'the reason' };

export interface Failure {
  message: string;
  field: string | null;
  /** The recommendation (or asset path) the failure is about, so the page shows it in place. */
  about: string | null;
}

export function plainWords(error: unknown): { status: 400 | 403 | 409 | 503; message: string; field: string | null } {
  if (!(error instanceof GatewayError))
    return { status: 503, message: 'Something went wrong on the HMI server. Try again; if it keeps happening, call the control-room engineer.', field: null };
  const field = typeof error.detail.field === 'string' ? error.detail.field : null;
  if (error.status === 409 && error.code === 'ABORTED')
    return { status: 409, message: 'Someone else changed this just now. The screen has been refreshed — check it and try again.', field };
  if (error.status === 409) {
    const state = typeof error.detail.state === 'string' ? error.detail.state : null;
    if (state === 'manual' || state === 'auto' || state === 'maintenance' || state === 'offline')
      return { status: 409, message: `It is already in ${state} mode.`, field };
    return {
      status: 409,
      message: state
        ? `This prompt is already ${STATUS_WORD[state] ?? state}. Nothing more to do here.`
        : 'This prompt is already closed. Nothing more to do here.',
      field,
    };
  }
  if (error.status === 403) return { status: 403, message: 'Your role does not allow this here. Ask your supervisor.', field };
  if (error.status === 400)
    return { status: 400, message: `Please check what you entered${field ? ` (${FIELD_WORD[field] ?? field.replace(/_/g, ' ')})` : ''}.`, field };
  if (error.status === 404 && error.code === 'NOT_FOUND') return { status: 409, message: 'This prompt no longer exists.', field };
  return { status: 503, message: 'The prompt service is not reachable right now. Try again in a moment.', field };
}

/** For form actions: 401 → sign-in, the rest → fail(status, {message, field, about}). */
export function failWith(error: unknown, about: string | null): ActionFailure<Failure> {
  if (error instanceof GatewayError && error.status === 401) redirect(303, '/signin?expired=1');
  const p = plainWords(error);
  return fail(p.status, { message: p.message, field: p.field, about });
}

/** For loads: 401 → sign-in; otherwise a plain message the page shows instead of the data. */
export function loadFailure(error: unknown): string {
  if (error instanceof GatewayError && error.status === 401) redirect(303, '/signin?expired=1');
  return plainWords(error).message;
}
