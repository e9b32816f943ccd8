// The approval pages escape what others control (app names, user agents) and speak both languages.
import { describe, expect, it } from 'vitest';
import { renderDeviceConfirm, renderQrApprove, renderQrOutcome } from './qr.ts';

const frame = { nonce: 'n0nce' };
const details = { app: '<img src=x onerror=alert(1)>', browser: 'Chrome 124', os: 'Windows', ip: '10.1.2.3', place: 'Library', time: Date.UTC(2026, 10, 29, 8, 30) };

describe('QR approval pages', () => {
  it('escapes the app name and shows every detail with the three numbers', () => {
    const page = renderQrApprove({ ...frame, locale: 'en', csrfToken: 'tok', action: '/qr/confirm', displayName: 'Li Hua', loginId: '20230001', choices: [12, 47, 90], details });
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    for (const value of ['Chrome 124', 'Windows', '10.1.2.3', 'Library', '2026']) expect(page).toContain(value);
    expect(page.match(/type="radio" name="number"/g)).toHaveLength(3);
    expect(page).toContain('name="_csrf" value="tok"');
  });

  it('says "not on a campus network we know" rather than guessing a place, in Chinese too', () => {
    const page = renderDeviceConfirm({ ...frame, locale: 'zh-CN', action: '/device', xsrf: 'x', userCode: 'BCDF-GHJK', details: { ...details, place: undefined } });
    expect(page).toContain('不在已知的校园网络内');
    expect(page).toContain('BCDF-GHJK');
    expect(page).toContain('name="abort" value="yes"');
  });

  it('tells a reused or expired code apart from a refusal', () => {
    expect(renderQrOutcome({ ...frame, locale: 'en', outcome: 'gone' })).toContain('expired or was already used');
    expect(renderQrOutcome({ ...frame, locale: 'en', outcome: 'mismatch' })).toContain('not the number on the other screen');
  });
});
