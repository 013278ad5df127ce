// Sparkplug B payload model: Payload / Metric / PropertySet / MetaData of Eclipse Tahu's
// sparkplug_b.proto (the subset in adapters/mqtt/sparkplug_b.proto, same field numbers), as the
// host state machine reads them. The wire codec is adapters/mqtt/sparkplug-codec.ts.

/** Tahu `DataType` (sparkplug_b.proto); the scalar ones are what a UNS sample can carry. */
export const DataType = {
  Unknown: 0,
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
  Text: 14,
  UUID: 15,
  DataSet: 16,
  Bytes: 17,
  File: 18,
  Template: 19,
  PropertySet: 20,
  PropertySetList: 21,
} as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

export const dataTypeName = (t: number): string => Object.entries(DataType).find(([, v]) => v === t)?.[0] ?? (t >= 22 && t <= 34 ? 'Array' : `DataType ${t}`);

/** The `value` oneof of Metric / PropertyValue as it was on the wire. */
export type WireValue =
  | { field: 'int'; value: number }
  | { field: 'long'; value: bigint }
  | { field: 'float'; value: number }
  | { field: 'double'; value: number }
  | { field: 'boolean'; value: boolean }
  | { field: 'string'; value: string }
  | { field: 'bytes'; value: Uint8Array }
  | { field: 'propertyset'; value: PropertySet }
  /** A value field this codec does not decode (dataset, template, extension, property set list). */
  | { field: 'unsupported'; fieldNo: number };

export interface PropertyValue {
  type?: number;
  isNull?: boolean;
  value?: WireValue;
}

export interface PropertySet {
  keys: string[];
  values: PropertyValue[];
}

export interface MetaData {
  isMultiPart?: boolean;
  contentType?: string;
  size?: bigint;
  seq?: bigint;
  fileName?: string;
  fileType?: string;
  md5?: string;
  description?: string;
}

export interface Metric {
  name?: string;
  alias?: bigint;
  /** Epoch milliseconds. */
  timestamp?: bigint;
  datatype?: number;
  isHistorical?: boolean;
  isTransient?: boolean;
  isNull?: boolean;
  metadata?: MetaData;
  properties?: PropertySet;
  value?: WireValue;
}

export interface Payload {
  /** Epoch milliseconds. */
  timestamp?: bigint;
  metrics: Metric[];
  seq?: bigint;
  uuid?: string;
  body?: Uint8Array;
}
