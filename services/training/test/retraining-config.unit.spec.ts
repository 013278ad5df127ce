// Retraining settings of the training process (#16): plant time zone, schedules per use case,
// rolling window and fresh-data minimums; a schedule that cannot be parsed stops the service,
// naming the variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const required = {
  LEDGER_KEY_FILE: '/k/ledger.pem',
  ACCESS_KEYS_DIR: '/k/keys',
  TRAINING_GOVERNANCE_ADDRESS: '127.0.0.1:50051',
  TRAINING_GOVERNANCE_TOKEN_FILE: '/k/t.jwt',
};
const PUMP = '0193a1b2-7c00-7a10-8b00-0000000000b1';

describe('the retraining settings', () => {
  it('defaults to weekly in UTC over 7 days; reads schedules per use case and dataops with the service token', () => {
    const r = loadConfig(required);
    expect(r.ok && r.config).toMatchObject({
      dataops: null,
      retraining: { timeZone: 'UTC', defaultSchedule: 'weekly mon 06:00', schedules: {}, limits: { windowDays: 7, minRows: 200, minPositives: 5 } },
    });
    const s = loadConfig({
      ...required,
      PLANT_TIMEZONE: 'Europe/Berlin',
      TRAINING_RETRAINING_SCHEDULES: `${PUMP}=daily 02:30; 0193a1b2-7c00-7a10-8b00-0000000000b2=off`,
      TRAINING_DATAOPS_ADDRESS: '127.0.0.1:50052',
      TRAINING_RETRAINING_WINDOW_DAYS: '14',
    });
    expect(s.ok && s.config).toMatchObject({
      dataops: { address: '127.0.0.1:50052', tokenFile: '/k/t.jwt' },
      retraining: {
        timeZone: 'Europe/Berlin',
        schedules: { [PUMP]: 'daily 02:30', '0193a1b2-7c00-7a10-8b00-0000000000b2': 'off' },
        limits: { windowDays: 14 },
      },
    });
  });

  it.each([
    [{ TRAINING_RETRAINING_SCHEDULE: 'every monday' }, /TRAINING_RETRAINING_SCHEDULE "every monday" cannot be parsed/],
    [{ TRAINING_RETRAINING_SCHEDULES: `${PUMP}=weekly mon 25:00` }, /TRAINING_RETRAINING_SCHEDULES .*not a time of day/],
    [{ TRAINING_RETRAINING_SCHEDULES: 'pump-bearing=daily 02:00' }, /TRAINING_RETRAINING_SCHEDULES "pump-bearing" is not a use case id/],
    [{ PLANT_TIMEZONE: 'Mars/Olympus' }, /PLANT_TIMEZONE "Mars\/Olympus" is not an IANA time zone/],
    [{ TRAINING_DATAOPS_ADDRESS: 'dataops' }, /TRAINING_DATAOPS_ADDRESS must be host:port/],
  ])('refuses %j naming the variable', (env, message) => {
    const r = loadConfig({ ...required, ...env });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
  });
});
