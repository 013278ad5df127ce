// The HMI server's configuration, read from the environment once and validated here; nothing
// else reads process.env. INFERENCE_URL is the inference HTTP gateway; ACCESS_KEYS_DIR holds the
// platform's public key set (keyset.json) used to verify operator tokens at sign-in and per request.
// HMI_RATE_PER_SOURCE / HMI_RATE_PER_TOKEN: the server's rate limits (`<burst>/<per second>` or `off`).
import { parseBucket, type HmiRateLimits } from './rate-limit.ts';

export interface HmiConfig {
  inferenceUrl: string;
  accessKeysDir: string;
  issuer: string;
  audience: string;
  /** Milliseconds before a gateway call is given up (the operator then sees "not reachable"). */
  gatewayTimeoutMs: number;
  /** Per source address (before the cookie is verified) and per signed-in token. */
  rateLimits: HmiRateLimits;
  /** gRPC addresses (`host:port`) of the services the non-operator screens call; null = not configured. */
  grpc: { governance: string | null; charter: string | null; training: string | null; dataops: string | null };
  /** CA to trust for the gRPC calls (PEM); absent = plaintext (loopback). */
  grpcCaFile: string | null;
  /** Use cases offered on the engineer and quality-lead screens (besides those seen in prompts and assets). */
  useCases: string[];
  /** How long an operator may shelve a prompt for (HMI_SHELVE_CHOICES, e.g. `15m,1h,shift`): seconds, or null = until the end of the shift. */
  shelveChoices: { value: string; label: string; seconds: number | null }[];
}

function required(env: NodeJS.ProcessEnv, name: string, hint: string): string {
  const v = env[name]?.trim();
  if (!v) throw new Error(`${name} is not set (${hint})`);
  return v;
}

function load(env: NodeJS.ProcessEnv): HmiConfig {
  const inferenceUrl = required(env, 'INFERENCE_URL', 'the inference gateway, e.g. http://127.0.0.1:7102').replace(/\/+$/, '');
  try {
    new URL(inferenceUrl);
  } catch {
    throw new Error(`INFERENCE_URL "${inferenceUrl}" is not a URL`);
  }
  const timeout = Number(env.HMI_GATEWAY_TIMEOUT_MS ?? '8000');
  if (!Number.isInteger(timeout) || timeout <= 0) throw new Error('HMI_GATEWAY_TIMEOUT_MS must be a positive whole number of milliseconds');
  return {
    inferenceUrl,
    accessKeysDir: required(env, 'ACCESS_KEYS_DIR', 'the key directory with keyset.json, e.g. from `npm run token -- keygen`'),
    issuer: env.ACCESS_ISSUER?.trim() || 'industrial-access',
    audience: env.ACCESS_AUDIENCE?.trim() || 'industrial-platform',
    gatewayTimeoutMs: timeout,
    grpc: {
      governance: env.HMI_GOVERNANCE_GRPC?.trim() || null,
      charter: env.HMI_CHARTER_GRPC?.trim() || null,
      training: env.HMI_TRAINING_GRPC?.trim() || null,
      dataops: env.HMI_DATAOPS_GRPC?.trim() || null,
    },
    grpcCaFile: env.HMI_GRPC_CA_FILE?.trim() || null,
    useCases: (env.HMI_USE_CASES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    shelveChoices: parseShelveChoices(env.HMI_SHELVE_CHOICES ?? '15m,1h,shift'),
    rateLimits: {
      perSource: parseBucket('HMI_RATE_PER_SOURCE', env.HMI_RATE_PER_SOURCE, { burst: 300, perSecond: 100 }),
      perToken: parseBucket('HMI_RATE_PER_TOKEN', env.HMI_RATE_PER_TOKEN, { burst: 120, perSecond: 40 }),
      maxKeys: 10_000,
    },
  };
}

/** `10s`, `15m`, `1h`, `shift` → the choices offered on a prompt's Shelve panel, in that order. */
export function parseShelveChoices(text: string): HmiConfig['shelveChoices'] {
  const out: HmiConfig['shelveChoices'] = [];
  for (const raw of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    if (raw === 'shift') {
      out.push({ value: raw, label: 'Until the end of the shift', seconds: null });
      continue;
    }
    const m = /^(\d{1,5})(s|m|h)$/.exec(raw);
    const seconds = m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] : Number.NaN;
    if (!(seconds >= 10 && seconds <= 12 * 3600)) throw new Error(`HMI_SHELVE_CHOICES: "${raw}" must be like 15m, 1h, 30s (10 s to 12 h) or shift`);
    const n = Number(m![1]);
    const unit = m![2] === 'h' ? (n === 1 ? 'hour' : 'hours') : m![2] === 'm' ? 'minutes' : 'seconds';
    out.push({ value: raw, label: `For ${n} ${unit}`, seconds });
  }
  if (out.length === 0) throw new Error('HMI_SHELVE_CHOICES must name at least one choice (e.g. 15m,1h,shift)');
  return out;
}

let cached: HmiConfig | null = null;

/** The validated configuration (read on first use, so `vite build` does not need the variables). */
export function config(): HmiConfig {
  cached ??= load(process.env);
  return cached;
}
