// The charter's historian and catalog over dataops, as a launcher wires them: dataops' gRPC API
// (QueryTimeSeries, SearchCatalog, ListLabels) with the charter's service-account token.
import { dataopsGrpcSource, type DataopsGrpcOptions } from './grpc.ts';
import { dataopsReader, type DataopsReader, type DataopsReaderOptions } from './reader.ts';

export interface ConnectDataopsOptions extends DataopsGrpcOptions {
  reader?: DataopsReaderOptions;
}

export interface DataopsConnection {
  /** Pass as both `historian` and `catalog` to createCharterApp. */
  readonly reader: DataopsReader;
  /** Closes the gRPC channel. */
  close(): void;
}

export function connectDataops(options: ConnectDataopsOptions): DataopsConnection {
  const { reader: readerOptions, ...grpc } = options;
  const source = dataopsGrpcSource(grpc);
  return { reader: dataopsReader(source, readerOptions), close: () => source.close() };
}
