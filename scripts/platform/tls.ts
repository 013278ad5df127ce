// PLATFORM_TLS for the cluster launcher: 1 (the default) → every gRPC server, health probe, gateway
// and the cluster's own NATS serve TLS with a local CA made on first start under <data dir>/tls
// (keys 0600), and every service-to-service client trusts it; mtls → also mutual TLS: servers
// require a client certificate of that CA and the services present one. 0 → plaintext on loopback,
// an explicit development choice (printed as such).
import { join } from 'node:path';
import { ensureLocalCa } from '@industrial/grpc';

export interface PlatformTls {
  /** Variables every service process gets (empty when off). */
  env: Record<string, string>;
  /** `https` or `http`, for printed URLs. */
  scheme: 'http' | 'https';
  /** The CA to trust; null when off. */
  caFile: string | null;
  /** The server certificate and key (the cluster's own NATS serves TLS with them); null when off. */
  server: { certFile: string; keyFile: string } | null;
  /** One line for the launcher's summary. */
  summary: string;
}

export function platformTls(dataDir: string, mode: string | undefined): PlatformTls {
  if (mode === '0') {
    return {
      env: {},
      scheme: 'http',
      caFile: null,
      server: null,
      summary: 'TLS OFF (PLATFORM_TLS=0, development only: every port is plaintext; unset it for TLS with a local CA)',
    };
  }
  if (mode === undefined || mode === '') mode = '1';
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
    // Node's own HTTPS clients (the HMI server calling the gateway) trust the local CA too.
    NODE_EXTRA_CA_CERTS: ca.caFile,
    ...(mode === 'mtls'
      ? { GRPC_TLS_CLIENT_CA_FILE: ca.caFile, GRPC_TLS_CLIENT_CERT_FILE: ca.clientCertFile, GRPC_TLS_CLIENT_KEY_FILE: ca.clientKeyFile }
      : {}),
  };
  const client = mode === 'mtls' ? ` --cert ${ca.clientCertFile} --key ${ca.clientKeyFile}` : '';
  return {
    env,
    scheme: 'https',
    caFile: ca.caFile,
    server: { certFile: ca.serverCertFile, keyFile: ca.serverKeyFile },
    summary: `TLS ${mode === 'mtls' ? 'mutual' : 'on'}: local CA ${ca.caFile}${ca.created ? ' (created now)' : ''}; npx buf curl --protocol grpc --cacert ${ca.caFile}${client} https://127.0.0.1:<port>/…`,
  };
}
