// PLATFORM_TLS for the cluster launcher: 1 → every gRPC server, health probe and gateway serves TLS
// with a local CA made on first start under <data dir>/tls (keys 0600), and every service-to-service
// client trusts it; mtls → also mutual TLS: servers require a client certificate of that CA and the
// services present one. 0 or unset → plaintext on loopback.
import { join } from 'node:path';
import { ensureLocalCa } from '@industrial/grpc';

export interface PlatformTls {
  /** Variables every service process gets (empty when off). */
  env: Record<string, string>;
  /** `https` or `http`, for printed URLs. */
  scheme: 'http' | 'https';
  /** The CA to trust; null when off. */
  caFile: string | null;
  /** One line for the launcher's summary. */
  summary: string;
}

export function platformTls(dataDir: string, mode: string | undefined): PlatformTls {
  if (mode === undefined || mode === '' || mode === '0') {
    return { env: {}, scheme: 'http', caFile: null, summary: 'TLS off (PLATFORM_TLS=1: TLS with a local CA; PLATFORM_TLS=mtls: mutual TLS between services)' };
  }
  if (mode !== '1' && mode !== 'mtls') throw new Error(`PLATFORM_TLS: must be 0, 1 or mtls, got ${JSON.stringify(mode)}`);
  const ca = ensureLocalCa(join(dataDir, 'tls'));
  const env: Record<string, string> = {
    GRPC_TLS_CERT_FILE: ca.serverCertFile,
    GRPC_TLS_KEY_FILE: ca.serverKeyFile,
    GRPC_TLS_CA_FILE: ca.caFile,
    HTTP_TLS_CERT_FILE: ca.serverCertFile,
    HTTP_TLS_KEY_FILE: ca.serverKeyFile,
    SIM_HTTP_TLS_CERT_FILE: ca.serverCertFile,
    SIM_HTTP_TLS_KEY_FILE: ca.serverKeyFile,
    ...(mode === 'mtls'
      ? { GRPC_TLS_CLIENT_CA_FILE: ca.caFile, GRPC_TLS_CLIENT_CERT_FILE: ca.clientCertFile, GRPC_TLS_CLIENT_KEY_FILE: ca.clientKeyFile }
      : {}),
  };
  const client = mode === 'mtls' ? ` --cert ${ca.clientCertFile} --key ${ca.clientKeyFile}` : '';
  return {
    env,
    scheme: 'https',
    caFile: ca.caFile,
    summary: `TLS ${mode === 'mtls' ? 'mutual' : 'on'}: local CA ${ca.caFile}${ca.created ? ' (created now)' : ''}; npx buf curl --protocol grpc --cacert ${ca.caFile}${client} https://127.0.0.1:<port>/…`,
  };
}
