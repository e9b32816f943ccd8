// /admin/registry (administrators only): upload the student registry CSV. The file is read with size limits while
// it streams (src/http/multipart-form.ts), must be UTF-8 text (checked on the content, never the name), and is
// imported all or nothing (registry-import.ts); the page lists each bad row by line. Audited with the reason.
import type { Context } from 'koa';
import { html } from '../src/lib/html.ts';
import { readMultipart } from '../src/http/multipart-form.ts';
import type { IdentityVerification } from '../src/services/identity-verification.ts';
import type { RegistryImportReport } from '../src/services/registry-import.ts';
import type { AdminPageExtension, Staff } from './admin-routes.ts';
import { format, messages } from './i18n/index.ts';
import { localeOf } from './render.ts';
import { csrfField, reasonField } from './views/admin-layout.ts';

const pagePath = '/admin/registry';
const maxBytes = 5 * 1024 * 1024;

export function registryImportPages(deps: { identity: IdentityVerification }): AdminPageExtension {
  return (router, kit) => {
    kit.addNav({ path: pagePath, label: { en: messages('en').identity.registryTitle, 'zh-CN': messages('zh-CN').identity.registryTitle }, roles: ['admin'] });

    const show = (ctx: Context, staff: Staff, result: { problem?: string; report?: RegistryImportReport } = {}, status = 200) => {
      const locale = localeOf(ctx);
      const t = messages(locale).identity;
      const { report } = result;
      const problems = report?.errors.map((problem) => {
        const field = problem.field ? t.fields[problem.field] ?? problem.field : '';
        const words = problem.issue
          ? t.issues[problem.issue]
          : problem.duplicateOf
            ? format(t.registryDuplicate, { line: String(problem.duplicateOf) })
            : problem.kind
              ? format(t.registryFileIssues[problem.kind] ?? problem.message, { column: problem.column ?? '' })
              : problem.message;
        return html`<li>${format(t.registryLine, { line: String(problem.line) })}${field ? html` · ${field}` : ''}: ${words}</li>`;
      });
      kit.render(ctx, staff, {
        status,
        title: t.registryTitle,
        body: html`<p>${t.registryIntro}</p>
${result.problem ? html`<p class="alert" role="alert" id="registry-problem">${t.registryProblems[result.problem] ?? ''}</p>` : ''}
${report && !report.errors.length ? html`<p class="notice" role="status" id="registry-done">${format(t.registryDone, { rows: String(report.rows), created: String(report.created), updated: String(report.updated) })}</p>` : ''}
${problems?.length ? html`<div class="alert" role="alert" id="registry-errors"><p>${t.registryFailed}</p><ul>${problems}</ul></div>` : ''}
<form method="post" action="${pagePath}" enctype="multipart/form-data">
  ${csrfField(kit.csrfToken(ctx))}
  <label for="registry-file">${t.registryFile}</label>
  <input id="registry-file" name="file" type="file" accept=".csv,text/csv" required>
  ${reasonField(locale, 'registry-reason')}
  <button type="submit" class="primary">${t.registryUpload}</button>
</form>`,
      });
    };

    router.get('/registry', async (ctx) => {
      const staff = await kit.requireStaff(ctx, pagePath, ['admin']);
      if (staff) show(ctx, staff);
    });

    router.post('/registry', async (ctx) => {
      // Who is asking first (nothing is read for a stranger), then the body, then its CSRF token.
      const staff = await kit.requireStaff(ctx, pagePath, ['admin']);
      if (!staff) return;
      const upload = await readMultipart(ctx, { fileBytes: maxBytes, files: 1 });
      if (!upload.ok) return show(ctx, staff, { problem: upload.problem === 'upload_too_large' ? 'too_large' : 'missing' }, upload.problem === 'upload_too_large' ? 413 : 400);
      ctx.request.body = upload.fields;
      const guarded = await kit.guardPost(ctx, pagePath, ['admin']);
      if (!guarded) return;
      const reason = kit.requireReason(ctx, staff, guarded.form, pagePath);
      if (reason === undefined) return;
      const file = upload.files[0];
      if (!file || file.bytes.length === 0) return show(ctx, staff, { problem: 'missing' }, 400);
      if (file.truncated) return show(ctx, staff, { problem: 'too_large' }, 413);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
      } catch {
        return show(ctx, staff, { problem: 'not_text' }, 400);
      }
      if (text.includes('\u0000')) return show(ctx, staff, { problem: 'not_text' }, 400);
      const report = await deps.identity.importRegistry(text);
      if (!report.errors.length) await kit.audit(ctx, staff, { action: 'registry.import', reason, detail: { rows: report.rows, created: report.created, updated: report.updated } });
      show(ctx, staff, { report }, report.errors.length ? 400 : 200);
    });
  };
}
