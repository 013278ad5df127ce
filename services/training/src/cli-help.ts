// `npm run train -- --help`: every flag and every model parameter with its default and allowed
// values, generated from the same tables the request is validated against (domain/spec.ts) and
// the library's defaults, so the help cannot drift from what is accepted.
import { defaultAutoencoderParams, defaultGbdtParams, defaultLogisticParams, MIN_PROBATION_ROWS, ORDERED_STATISTICS } from '@industrial/ml';
import { IMBALANCE_STRATEGIES, IMPUTATIONS, MODEL_PARAMS, MODEL_TYPES, snake } from './domain/spec.ts';

const ALLOWED: Readonly<Record<string, string>> = {
  task: 'classification | regression',
  growth: 'leaf-wise | depth-wise',
  earlyStopping: 'true | false',
  earlyStoppingPatience: 'whole number ≥ 1 (rounds without improvement on the validation part)',
  maxBins: '2–255',
  learningRate: '> 0',
};

const DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  gbdt: {
    ...defaultGbdtParams,
    earlyStopping: true,
    earlyStoppingPatience: defaultGbdtParams.earlyStopping ? defaultGbdtParams.earlyStopping.patience : 'off',
  },
  logistic: { ...defaultLogisticParams },
  autoencoder: { ...defaultAutoencoderParams },
};

export function trainHelp(): string {
  const L: string[] = [
    'train — a model from a CSV file or a dataops snapshot, written to --out (model.onnx, model.json, model-card.md/json)',
    '',
    'Data (exactly one):',
    '  --csv <file>                 delimited text (delimiter detected, or --delimiter comma|semicolon|tab|pipe|whitespace)',
    '  --snapshot <id|path>         a dataops snapshot: an id (read from --snapshot-dir, default $SNAPSHOT_DIR or ./data/snapshots;',
    '                               an id not there is asked of dataops) or a manifest path',
    '',
    'Dataops, for a snapshot id not in --snapshot-dir (flags win over the environment):',
    '  --dataops <host:port>        env DATAOPS_ADDRESS; default 127.0.0.1:50053 (npm start)',
    '  --token <jwt>                env DATAOPS_TOKEN, else PLATFORM_TOKEN (npm start prints an engineer token)',
    '  --ca <file>                  env GRPC_TLS_CA_FILE; default .data/tls/ca.crt when it exists',
    '  --plaintext                  the platform runs with PLATFORM_TLS=0',
    '',
    'Supervised (default):',
    '  --target <column>            required: the label (0/1) or, with --task regression, the value to estimate',
    '  --task <t>                   classification (default) | regression | anomaly (unsupervised, see below)',
    "  --features a,b,c             default: every numeric column of the CSV / the snapshot's feature columns",
    `  --model <m>                  ${MODEL_TYPES.join(' | ')} (default gbdt)`,
    `  --imbalance <s>              ${IMBALANCE_STRATEGIES.join(' | ')} (default none; classification only)`,
    `  --imputation <s>             ${IMPUTATIONS.join(' | ')} (default none: missing values are refused)`,
    '  --seed <n>                   integer 0–4294967295 (default 42)',
    '  --order-by <column>          CSV: chronological split 70/15/15 by this column (default: file order)',
    '  --cost m,f,i                 cost of a missed failure, a false alarm, an inspection (threshold by least cost; default max F1)',
    '  --param name=value           model parameter (repeatable), see the table below',
    '  --out <dir>                  default ./training-out',
    '',
    'Model parameters (--param name=value; default, allowed):',
  ];
  for (const type of MODEL_TYPES) {
    L.push(`  ${type}:`);
    for (const [name, kind] of Object.entries(MODEL_PARAMS[type])) {
      const d = DEFAULTS[type]?.[name];
      const shown = d === undefined ? '—' : typeof d === 'object' ? JSON.stringify(d) : String(d);
      L.push(`    ${snake(name).padEnd(26)} default ${shown.padEnd(16)} ${ALLOWED[name] ?? (kind === 'number' ? 'number' : kind)}`);
    }
  }
  L.push(
    '',
    'Unsupervised anomaly detection (--task anomaly; no --target, no labels needed):',
    '  data: --csv <file> with the flags below, or --snapshot <id> of an ordered dataops snapshot',
    '        (dataops snapshot create --order <time column> --windows …): its windows and statistics are the',
    '        features, its time column orders the rows; --columns/--windows/--stats are for --csv only',
    '  --time <column>              time column (ISO or epoch ms), one row per step (--csv: required)',
    '  --columns a,b                sensor columns (default: every numeric column but time)',
    '  --windows 15,240             window lengths in steps (several side by side)',
    `  --stats mean,std             statistics (default mean,std): ${ORDERED_STATISTICS.join(', ')}`,
    `  --probation <from>..<to>     ISO times of a normal period to fit on (≥ ${MIN_PROBATION_ROWS} complete rows)`,
    '  --budget <alarms/day>        threshold: false alarms per day allowed on probation (default 0.5), or',
    '  --quantile <q>               threshold: this quantile of probation scores (0 < q < 1)',
    '  --consecutive <n>            alarm after n points over the threshold (default 3)',
    '  --hysteresis <h>             an alarm clears below threshold × h (default 0.8, 0 < h ≤ 1)',
    '  --detector <d>               robust-z (default) | autoencoder',
    '  --incidents <file>           optional CSV from,to (ISO) of known incident windows: recall and false alarms/day in the card',
    '',
    'Exit codes: 0 trained, 1 training failed, 2 bad usage or input (the message names the flag).',
  );
  return `${L.join('\n')}\n`;
}
