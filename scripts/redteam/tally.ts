// What the attack suite counts, and its caps: every request draws on one budget (count and time),
// so a run is bounded whatever the platform does. Findings are kept with a short line each.
export interface Counts {
  cases: number;
  accepted_wrongly: number;
  crashes: number;
  server_errors: number;
  unrecorded_denials: number;
  tamper_cases: number;
  tamper_found: number;
  forged_events_applied: number;
  plaintext_ports: number;
}

export class Tally {
  readonly counts: Counts = {
    cases: 0,
    accepted_wrongly: 0,
    crashes: 0,
    server_errors: 0,
    unrecorded_denials: 0,
    tamper_cases: 0,
    tamper_found: 0,
    forged_events_applied: 0,
    plaintext_ports: 0,
  };
  readonly findings: string[] = [];
  /** Correlation ids of refused forged calls (must each be an AccessDenied), with what was called. */
  readonly denials = new Map<string, string>();
  /** Refusals by a rate limit (429 / RESOURCE_EXHAUSTED): refused, but not an access decision. */
  rateLimited = 0;
  /** Answers by phase and status ("grpc fuzz INVALID_ARGUMENT" → n): shows the cases reached what they attack. */
  readonly answers = new Map<string, number>();
  #requests = 0;
  #deadline: number;

  constructor(
    readonly maxRequests: number,
    readonly maxSeconds: number,
  ) {
    this.#deadline = Date.now() + maxSeconds * 1000;
  }

  /** The time cap counts from the first attack, not from the platform's start (slow on a loaded machine). */
  startClock(): void {
    this.#deadline = Date.now() + this.maxSeconds * 1000;
  }

  /** False once the request or time cap is reached: the caller skips the case (not counted). */
  take(n = 1): boolean {
    if (this.#requests + n > this.maxRequests || Date.now() > this.#deadline) return false;
    this.#requests += n;
    return true;
  }

  answered(what: string): void {
    this.answers.set(what, (this.answers.get(what) ?? 0) + 1);
  }

  get requests(): number {
    return this.#requests;
  }

  find(kind: keyof Counts, line: string): void {
    this.counts[kind]++;
    if (this.findings.length < 200) this.findings.push(`${kind}: ${line}`);
  }
}
