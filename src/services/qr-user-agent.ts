// A small user-agent reader for the approval pages: the browser and operating system a person would recognise
// ("Chrome on Windows"), not a full parser. Unknown agents read as undefined.

export interface UserAgentSummary {
  browser?: string;
  os?: string;
}

// Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", WeChat and WeCom say both.
const browsers: [RegExp, string][] = [
  [/wxwork\//i, 'WeCom'],
  [/MicroMessenger\//i, 'WeChat'],
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/(?:OPR|Opera)\/(\d+)/, 'Opera'],
  [/Firefox\/(\d+)|FxiOS\/(\d+)/, 'Firefox'],
  [/HeadlessChrome\/(\d+)/, 'HeadlessChrome'],
  [/Chrome\/(\d+)|CriOS\/(\d+)/, 'Chrome'],
  [/Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  [/curl\/(\d+)/, 'curl'],
];

const systems: [RegExp, string][] = [
  [/Windows NT/, 'Windows'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/HarmonyOS|OpenHarmony/, 'HarmonyOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

export function summariseUserAgent(userAgent: string | undefined): UserAgentSummary {
  const agent = (userAgent ?? '').slice(0, 512);
  const browserMatch = browsers.find(([pattern]) => pattern.test(agent));
  let browser: string | undefined;
  if (browserMatch) {
    const found = browserMatch[0].exec(agent);
    const version = found?.slice(1).find(Boolean);
    browser = version ? `${browserMatch[1]} ${version}` : browserMatch[1];
  }
  return { browser, os: systems.find(([pattern]) => pattern.test(agent))?.[1] };
}
