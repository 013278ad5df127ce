import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_VALUE } from '../src/logger.ts';
import { memoryDestination } from './support.ts';

describe('createLogger', () => {
  describe('when a record carries secrets', () => {
    it('never writes the token, password, private key or authorization header', () => {
      const destination = memoryDestination();
      const logger = createLogger('test', { level: 'info', destination });

      logger.info(
        {
          token: 'tok-top-level-1234',
          user: { name: 'op1', password: 'hunter2', token: 'tok-nested-5678' },
          signer: { privateKey: '-----BEGIN PRIVATE KEY-----abc' },
          headers: { authorization: 'Bearer eyJhbGciOi.secret', 'content-type': 'application/json' },
          req: { headers: { authorization: 'Bearer nested-header-token' } },
          authorization: 'Basic dXNlcjpwYXNz',
        },
        'login attempt',
      );

      const text = destination.text();
      for (const secret of ['tok-top-level-1234', 'hunter2', 'tok-nested-5678', 'BEGIN PRIVATE KEY', 'eyJhbGciOi', 'nested-header-token', 'dXNlcjpwYXNz']) {
        expect(text).not.toContain(secret);
      }
      const [record] = destination.records();
      expect(record).toMatchObject({
        name: 'test',
        msg: 'login attempt',
        token: REDACTED_VALUE,
        user: { name: 'op1', password: REDACTED_VALUE, token: REDACTED_VALUE },
        headers: { authorization: REDACTED_VALUE, 'content-type': 'application/json' },
      });
    });

    it('redacts extra configured paths as well as the defaults', () => {
      const destination = memoryDestination();
      const logger = createLogger('test', { level: 'info', destination, redact: ['opcua.sessionKey'] });

      logger.info({ opcua: { sessionKey: 'k-999', endpoint: 'opc.tcp://plc:4840' }, password: 'p' }, 'connect');

      expect(destination.text()).not.toContain('k-999');
      expect(destination.records()[0]).toMatchObject({
        opcua: { sessionKey: REDACTED_VALUE, endpoint: 'opc.tcp://plc:4840' },
        password: REDACTED_VALUE,
      });
    });
  });

  describe('when no span is active', () => {
    it('writes no trace fields', () => {
      const destination = memoryDestination();
      createLogger('test', { level: 'info', destination }).info('idle');

      const [record] = destination.records();
      expect(record).not.toHaveProperty('trace_id');
      expect(record).not.toHaveProperty('span_id');
    });
  });

  describe('when the level is above the call', () => {
    it('writes nothing', () => {
      const destination = memoryDestination();
      createLogger('test', { level: 'warn', destination }).info('chatty');
      expect(destination.lines).toHaveLength(0);
    });
  });
});
