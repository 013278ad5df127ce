// Loads AI4I 2020 from the shared datasets folder (never copied into the repo) into a Dataset.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AI4I_COLUMNS as C, AI4I_TYPE_ORDINAL, createDataset, numericColumn, parseCsv, type Dataset } from '../src/index.ts';

export const AI4I_PATH = fileURLToPath(new URL('../../../../shared/datasets/ai4i2020/ai4i2020.csv', import.meta.url));

export function loadAi4i(path = AI4I_PATH): Dataset {
  const t = parseCsv(readFileSync(path, 'utf8'));
  return createDataset({
    udi: numericColumn(t, 'UDI'),
    [C.type]: numericColumn(t, 'Type', AI4I_TYPE_ORDINAL),
    [C.airTemperature]: numericColumn(t, 'Air temperature [K]'),
    [C.processTemperature]: numericColumn(t, 'Process temperature [K]'),
    [C.rotationalSpeed]: numericColumn(t, 'Rotational speed [rpm]'),
    [C.torque]: numericColumn(t, 'Torque [Nm]'),
    [C.toolWear]: numericColumn(t, 'Tool wear [min]'),
    [C.machineFailure]: numericColumn(t, 'Machine failure'),
  });
}
