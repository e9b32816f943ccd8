import { describe, expect, it } from 'vitest';
import { summariseUserAgent } from './qr-user-agent.ts';

describe('summariseUserAgent', () => {
  it('names the browser and system a person would recognise', () => {
    expect(summariseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80')).toEqual({ browser: 'Edge 124', os: 'Windows' });
    expect(summariseUserAgent('Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1')).toEqual({ browser: 'Safari 17', os: 'iOS' });
    expect(summariseUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0')).toEqual({ browser: 'Firefox 125', os: 'Linux' });
    expect(summariseUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36 MicroMessenger/8.0.47')).toEqual({ browser: 'WeChat', os: 'Android' });
    expect(summariseUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36')).toEqual({ browser: 'Chrome 124', os: 'macOS' });
  });

  it('says nothing it does not know', () => {
    expect(summariseUserAgent('')).toEqual({ browser: undefined, os: undefined });
    expect(summariseUserAgent(undefined)).toEqual({ browser: undefined, os: undefined });
  });
});
