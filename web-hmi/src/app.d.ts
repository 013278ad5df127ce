// Types shared by the SvelteKit app: who is signed in (locals) and the error shape pages show.
import type { Session } from '#lib/server/session.ts';

declare global {
  namespace App {
    interface Error {
      message: string;
    }
    interface Locals {
      /** null when nobody is signed in (or the token was refused). */
      session: Session | null;
    }
  }
}

export {};
