// Denials that once escaped the audit (issue 18, finding 4): a correlation id over 256 characters,
// an empty or blank one. Each call carries a genuine token of its own subject that lacks the
// permission (a principal denial, never aggregated), so its AccessDenied is found by actor.
// And ReplayTo under concurrency (finding 6): more replays than the bound must be refused, not fail.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { issueToken, loadSigningKey, type Role } from '@industrial/access';
import { governanceV1 } from '@industrial/grpc';
import { isServerError, rawCall, type GrpcMethod } from './grpc-cases.ts';
import type { Tally } from './tally.ts';
import { grpcCredentials, send } from './transport.ts';

export interface ActorDenial {
  readonly subject: string;
  readonly what: string;
}

const CORRELATION_IDS: { name: string; value: string }[] = [
  { name: 'a 300-character correlation id', value: 'c'.repeat(300) },
  { name: 'an empty correlation id', value: '' },
  { name: 'a blank correlation id', value: '   ' },
];

export interface AuditTarget {
  grpcAddress: string;
  httpUrl: string;
  alive(): boolean;
}

const verifyIntegrity = {
  service: 'industrial.governance.v1.AuditService',
  path: '/industrial.governance.v1.AuditService/VerifyIntegrity',
  kind: 'unary',
} as GrpcMethod;

/** Calls refused for lack of permission, with an unusable correlation id; returns whom to look for in the audit. */
export async function correlationIdCases(target: AuditTarget, accessDir: string, issuer: string, audience: string, tally: Tally): Promise<ActorDenial[]> {
  const signing = await loadSigningKey(accessDir);
  const tokenOf = (subject: string, roles: Role[]) =>
    issueToken(signing, { subject, roles, scopes: ['*'], tokenId: randomUUID(), issuer, audience, now: new Date(), ttlSeconds: 600 });
  const out: ActorDenial[] = [];
  const client = new grpc.Client(target.grpcAddress, grpcCredentials());
  try {
    for (const c of CORRELATION_IDS) {
      // gRPC: an operator may not verify the audit chain.
      if (!target.alive() || !tally.take()) break;
      tally.counts.cases++;
      const subject = `redteam-cid-${randomUUID().slice(0, 8)}`;
      const r = await rawCall(client, verifyIntegrity, [Buffer.alloc(0)], await tokenOf(subject, ['operator']), c.value);
      tally.answered(`grpc correlation-id ${grpc.status[r.code]}`);
      if (r.code === grpc.status.OK) tally.find('accepted_wrongly', `VerifyIntegrity answered an operator (${c.name})`);
      else if (isServerError(r.code)) tally.find('server_errors', `VerifyIntegrity with ${c.name} → ${grpc.status[r.code]}`);
      else out.push({ subject, what: `gRPC VerifyIntegrity as operator with ${c.name} → ${grpc.status[r.code]}` });
      // HTTP: an admin (token and role administration only) may not read the gateway's modes (recommendation.read).
      if (!target.alive() || !tally.take()) break;
      tally.counts.cases++;
      const hs = `redteam-cid-${randomUUID().slice(0, 8)}`;
      const { status } = await send(
        `${target.httpUrl}/api/v1/modes`,
        'GET',
        { authorization: `Bearer ${await tokenOf(hs, ['admin'])}`, 'x-correlation-id': c.value },
        null,
        { timeoutMs: 10_000 },
      );
      tally.answered(`http correlation-id ${status}`);
      if (status >= 200 && status < 300) tally.find('accepted_wrongly', `GET /api/v1/modes answered an admin (${c.name})`);
      else if (status >= 500 || status === 0) tally.find('server_errors', `GET /api/v1/modes with ${c.name} → ${status}`);
      // Refused in any other way (401, 403, or a 400 for the header): it must be recorded all the same.
      else out.push({ subject: hs, what: `HTTP GET /api/v1/modes as admin with ${c.name} → ${status}` });
    }
  } finally {
    client.close();
  }
  return out;
}

/** Ten concurrent ReplayTo calls: each either streams or is refused (RESOURCE_EXHAUSTED); none fails. */
export async function replayCases(target: AuditTarget, token: string, tally: Tally): Promise<void> {
  if (!target.alive() || !tally.take(10)) return;
  const client = new governanceV1.AuditServiceClient(target.grpcAddress, grpcCredentials());
  try {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    const one = (): Promise<number> =>
      new Promise((resolve) => {
        const call = client.replayTo({ toTime: new Date().toISOString(), streamPrefixes: [], afterPosition: 0 }, md, { deadline: Date.now() + 20_000 });
        call.on('data', () => undefined);
        call.on('error', (e: grpc.ServiceError) => resolve(e.code));
        call.on('end', () => resolve(grpc.status.OK));
      });
    const codes = await Promise.all(Array.from({ length: 10 }, one));
    for (const code of codes) {
      tally.counts.cases++;
      tally.answered(`grpc concurrent ReplayTo ${grpc.status[code]}`);
      if (isServerError(code)) tally.find('server_errors', `concurrent ReplayTo → ${grpc.status[code]}`);
    }
  } finally {
    client.close();
  }
}
