import { describe, expect, it } from 'vitest';
import { isPublicHttpsUrl } from '../checkouts';

describe('live notify_url must be https on a public host', () => {
  it.each([
    ['https://partner.example.com/fenqi/webhooks', true],
    ['https://203.0.113.7/hooks', true],
    ['http://partner.example.com/hooks', false],
    ['https://localhost/hooks', false],
    ['https://127.0.0.1/hooks', false],
    ['https://10.1.2.3/hooks', false],
    ['https://172.16.0.1/hooks', false],
    ['https://192.168.1.1/hooks', false],
    ['https://169.254.169.254/latest/meta-data', false],
    ['https://[::1]/hooks', false],
    ['https://[fd00::1]/hooks', false],
    ['https://user:pw@partner.example.com/hooks', false],
    ['https://intranet/hooks', false],
    ['not a url', false],
  ])('%s → %s', (url, ok) => {
    expect(isPublicHttpsUrl(url)).toBe(ok);
  });
});
