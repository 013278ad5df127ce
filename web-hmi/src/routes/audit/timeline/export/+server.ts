// Export of what the timeline shows: one self-contained HTML file, or (?format=pdf) that file printed
// to PDF by the machine's Chromium.
import { chromiumPath, htmlToPdf } from '#lib/server/pdf.ts';
import type { RequestHandler } from './$types';
import { timelineData } from '../data.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const GET: RequestHandler = async ({ locals, url }) => {
  const d = await timelineData(locals.session!.token, url.searchParams);
  const f = d.filter;
  const title = `Audit timeline ${f.at ? `replayed to ${f.at}` : 'newest events'}`;
  const rows = d.rows
    .map(
      (r) =>
        `<tr><td>${r.event.position}</td><td>${esc(r.event.recordedAt)}</td><td>${esc(r.event.stream)}</td><td>${esc(r.event.type)}${r.updates.length ? ` (+${r.updates.length} evidence updates)` : ''}</td><td>${esc(r.event.actor)}</td></tr>`,
    )
    .join('\n');
  const serving = d.serving
    .map(
      (s) =>
        `<li>${esc(s.useCaseId)} ${esc(s.stage)} on ${esc(s.scope || 'whole use case')}: ${s.modelVersionId ? `version ${s.version ?? '?'} (${esc(s.modelVersionId)})` : 'rule-based limits'}</li>`,
    )
    .join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:4px 6px;text-align:left;font-size:12px}</style></head>
<body><h1>${esc(title)}</h1><p>Exported ${new Date().toISOString()} by ${esc(locals.session!.principal.subject)}. Filters: stream “${esc(f.stream)}”, type “${esc(f.type)}”, actor “${esc(f.actor)}”${f.from ? `, from ${esc(f.from)}` : ''}${f.to ? `, to ${esc(f.to)}` : ''}.</p>
${d.problem ? `<p>${esc(d.problem)}</p>` : ''}<h2>Serving at that time</h2><ul>${serving || '<li>No model promoted.</li>'}</ul>
<h2>Events (${d.rows.length})</h2><table><thead><tr><th>Position</th><th>Recorded</th><th>Stream</th><th>Type</th><th>Actor</th></tr></thead><tbody>${rows}</tbody></table></body></html>`;
  const name = `audit-timeline${f.at ? `-${f.at.replace(/[:.]/g, '')}` : ''}`;
  const chromium = chromiumPath();
  if (url.searchParams.get('format') === 'pdf') {
    if (chromium === null) return new Response('PDF export needs Chromium on the HMI server (HMI_CHROMIUM); the HTML export works.', { status: 501 });
    const pdf = await htmlToPdf(html, chromium);
    return new Response(new Uint8Array(pdf), { headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${name}.pdf"` } });
  }
  return new Response(html, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-disposition': `attachment; filename="audit-timeline${f.at ? `-${f.at.replace(/[:.]/g, '')}` : ''}.html"`,
    },
  });
};
