// What every interaction route needs: the form parser, the provider's interaction for this URL (or a clear
// "expired" error), the client's display name, and handing a result back to the provider.
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../src/lib/errors.ts';

export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;
export type InteractionResult = Parameters<Provider['interactionResult']>[2];

export function interactionHelpers(provider: Provider) {
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const details = async (ctx: Context): Promise<Details> => {
    try {
      const found = await provider.interactionDetails(ctx.req, ctx.res);
      if (found.uid !== ctx.params.uid) throw new AppError('interaction_expired');
      return found;
    } catch (error) {
      // A store that does not answer is an outage (503), not an expired page.
      if (error instanceof AppError) throw error;
      throw new AppError('interaction_expired');
    }
  };

  const clientName = async (clientId: unknown): Promise<string | undefined> => {
    if (typeof clientId !== 'string') return undefined;
    const client = await provider.Client.find(clientId);
    return (client?.clientName as string | undefined) ?? clientId;
  };

  const finish = async (ctx: Context, result: InteractionResult) => {
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(redirectTo);
  };

  return { parseForm, details, clientName, finish };
}
