// The HMI's shelving choices (HMI_SHELVE_CHOICES): what the operator may pick on a prompt's Shelve panel.
import { describe, expect, it } from 'vitest';
import { parseShelveChoices } from '../../web-hmi/src/lib/server/config.ts';

describe('HMI_SHELVE_CHOICES', () => {
  it('reads seconds, minutes, hours and the end of the shift in the order given, in words', () => {
    expect(parseShelveChoices('15m, 1h,shift,30s,2h')).toEqual([
      { value: '15m', label: 'For 15 minutes', seconds: 900 },
      { value: '1h', label: 'For 1 hour', seconds: 3600 },
      { value: 'shift', label: 'Until the end of the shift', seconds: null },
      { value: '30s', label: 'For 30 seconds', seconds: 30 },
      { value: '2h', label: 'For 2 hours', seconds: 7200 },
    ]);
  });
  it('refuses what the gateway would refuse (under 10 s, over 12 h, no unit) and an empty list', () => {
    for (const bad of ['5s', '13h', '15', 'soon']) expect(() => parseShelveChoices(bad)).toThrow(new RegExp(`"${bad}"`));
    expect(() => parseShelveChoices(' , ')).toThrow(/at least one/);
  });
});
