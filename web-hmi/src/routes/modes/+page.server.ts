// Asset mode: per asset or line, Auto / Manual with a reason, showing who switched and when.
import { fail } from '@sveltejs/kit';
import { linePathOf } from '#lib/format.ts';
import { failWith, loadFailure } from '#lib/server/failures.ts';
import { gateway, type AssetMode, type ModeEntry } from '#lib/server/inference.ts';
import type { Actions, PageServerLoad } from './$types';

const PATH = /^[a-z0-9_-]+(\.[a-z0-9_-]+){3,4}$/;

export const load: PageServerLoad = async ({ locals, depends }) => {
  depends('hmi:recommendations');
  const g = gateway(locals.session!.token);
  try {
    const [recs, modes] = await Promise.all([g.recommendations({ max: 500 }), g.modes()]);
    const assets = new Set([...recs.map((r) => r.assetPath), ...Object.keys(modes).filter((p) => p.split('.').length === 5)]);
    const lines = new Set([...[...assets].map(linePathOf), ...Object.keys(modes).filter((p) => p.split('.').length === 4)]);
    const row = (path: string, scope: 'line' | 'asset') => {
      const own: ModeEntry | null = modes[path] ?? null;
      const inherited = scope === 'asset' && own === null ? (modes[linePathOf(path)] ?? null) : null;
      return { path, scope, mode: (own ?? inherited)?.mode ?? 'auto', entry: own, fromLine: inherited !== null && inherited.mode !== 'auto' };
    };
    return {
      problem: null,
      lines: [...lines].sort().map((l) => ({
        ...row(l, 'line'),
        assets: [...assets]
          .filter((a) => linePathOf(a) === l)
          .sort()
          .map((a) => row(a, 'asset')),
      })),
    };
  } catch (error) {
    return { problem: loadFailure(error), lines: [] };
  }
};

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const form = await request.formData();
    const path = String(form.get('path') ?? '');
    const mode = String(form.get('mode') ?? '') as AssetMode;
    const reason = String(form.get('reason') ?? '').trim();
    if (!PATH.test(path)) return fail(400, { message: 'Unknown asset or line.', field: 'path', about: path });
    if (mode !== 'auto' && mode !== 'manual') return fail(400, { message: 'Choose Auto or Manual.', field: 'mode', about: path });
    if (reason === '') return fail(400, { message: 'Give a reason for the switch.', field: 'reason', about: path });
    try {
      await gateway(locals.session!.token).setMode(path, mode, reason);
      return { switched: path, mode };
    } catch (error) {
      return failWith(error, path);
    }
  },
};
