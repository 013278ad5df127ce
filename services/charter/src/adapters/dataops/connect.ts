// The charter's historian and catalog over dataops, as a launcher wires them: dataops' gRPC API
// with the charter's service-account token, label windows from dataops' LabelRecorded events in
// the shared store (read-only, typed through the kernel; DataOpsService has no label query).
import { Service } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';
import { dataopsGrpcSource, type DataopsGrpcOptions } from './grpc.ts';
import { labelsFromEvents } from './labels.ts';
import { dataopsReader, type DataopsReader, type DataopsReaderOptions } from './reader.ts';

export interface ConnectDataopsOptions extends Omit<DataopsGrpcOptions, 'labels'> {
  /** Where dataops' LabelRecorded events are read: the charter's kernel, or the store to build one over. */
  events: Pick<Kernel, 'read'> | EventStore;
  reader?: DataopsReaderOptions;
}

export interface DataopsConnection {
  /** Pass as both `historian` and `catalog` to createCharterApp. */
  readonly reader: DataopsReader;
  /** Closes the gRPC channel. */
  close(): void;
}

export function connectDataops(options: ConnectDataopsOptions): DataopsConnection {
  const { events, reader: readerOptions, ...grpc } = options;
  const kernel = 'readStream' in events ? createKernel({ service: Service.Charter, store: events }) : events;
  const source = dataopsGrpcSource({ ...grpc, labels: labelsFromEvents(kernel) });
  return { reader: dataopsReader(source, readerOptions), close: () => source.close() };
}
