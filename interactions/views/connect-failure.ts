// The page shown when WeChat/WeCom did not confirm a sign-in it was sent to: the message, and a link back to this
// very sign-in's page (inside WeChat there is no other way back: the app's own authorization left no history).
import { html } from '../../src/lib/html.ts';
import type { ErrorCode } from '../../src/lib/errors.ts';
import { messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';

export interface ConnectFailureView extends PageFrame {
  error: ErrorCode;
  backUrl: string;
}

export function renderConnectFailure(view: ConnectFailureView): string {
  const t = messages(view.locale);
  const message = (t.errors as Record<string, string>)[view.error] ?? t.errors.internal_error;
  const body = html`
<h1>${t.error.title}</h1>
<p class="alert" role="alert">${message}</p>
<p><a class="button" id="connect-back" href="${view.backUrl}">${t.connect.back}</a></p>`;
  return renderPage({ ...view, title: t.error.title, body, styles: ['/assets/connect.css'] });
}
