// gRPC adapter of dataops (industrial.dataops.v1.DataOpsService): the methods and the permission
// each needs (see the .proto), one file per method group — series.ts (QueryTimeSeries,
// GetQualityReport), imports.ts (ImportCsv), catalog.ts (SearchCatalog, UpsertTagMetadata),
// labels.ts (RecordLabel, ListLabels), snapshots.ts (CreateDatasetSnapshot, GetDatasetSnapshot, ListDatasetSnapshots); common.ts holds the edge
// validation (INVALID_ARGUMENT naming the proto field) and the mapping of the call to a Cause.
// The use cases live in features/.
import { dataopsV1, defineService } from '@industrial/grpc';
import type { DataopsApp } from '../../features/api.ts';
import { searchCatalogMethod, upsertTagMetadataMethod } from './catalog.ts';
import { importCsvMethod } from './imports.ts';
import { listLabelsMethod, recordLabelMethod } from './labels.ts';
import { getQualityReportMethod, queryTimeSeriesMethod } from './series.ts';
import { createDatasetSnapshotMethod, getDatasetSnapshotMethod, listDatasetSnapshotsMethod } from './snapshots.ts';

export const DATAOPS_SERVICE = 'industrial.dataops.v1.DataOpsService';

/** The DataOpsService methods and the permission each needs (see the .proto). */
export function dataopsService(app: DataopsApp) {
  return defineService(dataopsV1.DataOpsServiceService, {
    queryTimeSeries: queryTimeSeriesMethod(app),
    importCsv: importCsvMethod(app),
    getQualityReport: getQualityReportMethod(app),
    searchCatalog: searchCatalogMethod(app),
    upsertTagMetadata: upsertTagMetadataMethod(app),
    recordLabel: recordLabelMethod(app),
    listLabels: listLabelsMethod(app),
    createDatasetSnapshot: createDatasetSnapshotMethod(app),
    getDatasetSnapshot: getDatasetSnapshotMethod(app),
    listDatasetSnapshots: listDatasetSnapshotsMethod(app),
  });
}
