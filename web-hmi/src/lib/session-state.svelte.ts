// The browser's view of the sign-in: when it runs out, pages stop reloading their data (a reload
// would be sent to sign-in and lose what the operator typed) and show a notice instead.
export const signIn = $state({ expired: false });

/** The live feed lost its connection: decision buttons are disabled until it is back. */
export const link = $state({ lost: false });

const KEY = 'hmi-drafts';
type Drafts = Record<string, Record<string, string>>;

function read(): Drafts {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? '{}') as Drafts;
  } catch {
    return {};
  }
}

/** Keeps the text typed into a field of this page (by the field's id) for this browser tab. */
export function saveDraft(path: string, id: string, value: string): void {
  const all = read();
  all[path] = { ...all[path], [id]: value };
  if (value === '') delete all[path]![id];
  sessionStorage.setItem(KEY, JSON.stringify(all));
}

export function clearDrafts(path: string): void {
  const all = read();
  delete all[path];
  sessionStorage.setItem(KEY, JSON.stringify(all));
}

/** Puts kept text back into the empty fields of this page; returns how many were restored. */
export function restoreDrafts(path: string, doc: Document): number {
  let n = 0;
  for (const [id, value] of Object.entries(read()[path] ?? {})) {
    const el = doc.getElementById(id);
    if ((el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) && el.value === '') {
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      n++;
    }
  }
  return n;
}
