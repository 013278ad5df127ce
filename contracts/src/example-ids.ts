// Fixed ids and values the contract examples share, so examples reference each other consistently.
/** Fixed ids (UUID v7 layout) shared by the examples so they reference each other consistently. */
export const exampleIds = {
  useCase: '0193a1b2-7c00-7a10-8b00-000000000001',
  kpi: '0193a1b2-7c00-7a10-8b00-000000000002',
  action: '0193a1b2-7c00-7a10-8b00-000000000003',
  source: '0193a1b2-7c00-7a10-8b00-000000000004',
  dataset: '0193a1b2-7c00-7a10-8b00-000000000005',
  snapshot: '0193a1b2-7c00-7a10-8b00-000000000006',
  label: '0193a1b2-7c00-7a10-8b00-000000000007',
  qualityIssue: '0193a1b2-7c00-7a10-8b00-000000000008',
  run: '0193a1b2-7c00-7a10-8b00-000000000009',
  modelVersion: '0193a1b2-7c00-7a10-8b00-00000000000a',
  previousModelVersion: '0193a1b2-7c00-7a10-8b00-00000000000b',
  approvalRequest: '0193a1b2-7c00-7a10-8b00-00000000000c',
  recommendation: '0193a1b2-7c00-7a10-8b00-00000000000d',
  problem: '0193a1b2-7c00-7a10-8b00-00000000000e',
  drift: '0193a1b2-7c00-7a10-8b00-00000000000f',
  retraining: '0193a1b2-7c00-7a10-8b00-000000000010',
  fault: '0193a1b2-7c00-7a10-8b00-000000000011',
  token: '0193a1b2-7c00-7a10-8b00-000000000012',
  batch: '0193a1b2-7c00-7a10-8b00-000000000013',
  event: '0193a1b2-7c00-7a10-8b00-000000000014',
  correlation: '0193a1b2-7c00-7a10-8b00-000000000015',
} as const;

export const exampleAssetPath = 'acme.plant1.packaging.line-1.filler-3';
/** A 64-hex-digit stand-in hash made of one repeated digit. */
export const hash = (c: string): string => c.repeat(64);
// A real Ed25519 key id (sha256 of the raw public key below, first 16 hex) and a real anchor signature.
export const keyId = '45e0a85de13e1069';
