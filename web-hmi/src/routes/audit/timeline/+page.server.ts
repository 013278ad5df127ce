import type { PageServerLoad } from './$types';
import { timelineData } from './data.ts';

export const load: PageServerLoad = async ({ locals, url }) => timelineData(locals.session!.token, url.searchParams);
