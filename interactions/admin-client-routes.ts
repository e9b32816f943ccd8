// /admin/clients (an AdminPageExtension, administrators only): clients.json read again on each view and checked
// as at start-up, shown read-only. Secrets are never in the file (only the names of their variables).
import { ConfigError } from '../src/lib/errors.ts';
import type { ClientsFile } from '../src/config/clients.ts';
import type { StaffRole } from '../src/services/staff-roles.ts';
import type { AdminPageExtension } from './admin-routes.ts';
import { messages } from './i18n/index.ts';
import { localeOf } from './render.ts';
import { renderClients, type ClientsCheck } from './views/admin-clients.ts';

const admins: readonly StaffRole[] = ['admin'];

/** ConfigError messages list problems as "  - …" lines after a first line naming the file. */
function problemsOf(error: ConfigError): string[] {
  const lines = error.message.split('\n');
  const listed = lines.filter((line) => line.startsWith('  - ')).map((line) => line.slice(4));
  return listed.length ? listed : [lines[0] ?? error.message];
}

export function adminClientPages(deps: { file: string; read: () => ClientsFile }): AdminPageExtension {
  return (router, kit) => {
    kit.addNav({ path: '/admin/clients', label: { en: messages('en').admin.nav.clients, 'zh-CN': messages('zh-CN').admin.nav.clients }, roles: admins });

    router.get('/clients', async (ctx) => {
      const staff = await kit.requireStaff(ctx, '/admin/clients', admins);
      if (!staff) return;
      let check: ClientsCheck;
      try {
        check = { ok: true, clients: deps.read() };
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        check = { ok: false, problems: problemsOf(error) };
      }
      const locale = localeOf(ctx);
      kit.render(ctx, staff, { title: messages(locale).admin.clients.title, body: renderClients(locale, { file: deps.file, check }) });
    });
  };
}
