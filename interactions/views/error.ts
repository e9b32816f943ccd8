// The generic error page: a message the person can act on and a reference for the help desk; never a stack.
import { html } from '../../src/lib/html.ts';
import { format, messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';

export type ErrorMessageKey = keyof ReturnType<typeof messages>['errors'];

export interface ErrorView extends PageFrame {
  code: ErrorMessageKey;
  requestId?: string;
}

export function renderError(view: ErrorView): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.error.title}</h1>
<p class="alert" role="alert">${t.errors[view.code]}</p>
<p>${t.error.back}</p>
${view.requestId ? html`<p class="hint">${format(t.error.requestId, { id: view.requestId })}</p>` : ''}`;
  return renderPage({ ...view, title: t.error.title, body });
}
