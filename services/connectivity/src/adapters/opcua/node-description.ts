// What the OPC UA adapter reads from an address space into a tag mapping: a node's data type as a
// tag data type, which references are properties (metadata, not tags), the description (unit,
// range) a numeric tag takes over, and the deadband filter a tag is monitored with.
import { DataChangeFilter, DataChangeTrigger, DataType, DeadbandType, type ReferenceDescription } from 'node-opcua';
import type { TagDataType, TagMapping } from '../../domain/mapping.ts';
import type { Deadband } from '../../domain/source.ts';

const NUMERIC_TYPES = new Set<number>([
  DataType.SByte,
  DataType.Byte,
  DataType.Int16,
  DataType.UInt16,
  DataType.Int32,
  DataType.UInt32,
  DataType.Int64,
  DataType.UInt64,
  DataType.Float,
  DataType.Double,
]);
/** ns=0 subtypes of Integer/UInteger/Number that servers use as data types (Duration, UtcTime…). */
const NUMERIC_ALIASES = new Set<number>([26, 27, 28, 289, 290]);

export function dataTypeOfNode(dataTypeId: { namespace: number; value: unknown }): TagDataType {
  if (dataTypeId.namespace !== 0 || typeof dataTypeId.value !== 'number') return 'number'; // enumerations are Int32
  const id = dataTypeId.value;
  if (id === DataType.Boolean) return 'boolean';
  if (NUMERIC_TYPES.has(id) || NUMERIC_ALIASES.has(id)) return 'number';
  if (id === 29) return 'number'; // Enumeration
  return 'string';
}

export function isPropertyRef(ref: ReferenceDescription): boolean {
  // HasProperty = i=46; properties (EngineeringUnits, EURange, EnumStrings…) are metadata, not tags.
  return ref.referenceTypeId.namespace === 0 && ref.referenceTypeId.value === 46;
}

export function filterFor(m: TagMapping, deadband: Deadband): DataChangeFilter | null {
  if (m.dataType !== 'number' || deadband.type === 'none') return null;
  // Percent deadband needs an EURange (OPC 10000-8 §6.2); without one the tag is sampled plainly.
  if (deadband.type === 'percent' && m.range === undefined) return null;
  return new DataChangeFilter({
    trigger: DataChangeTrigger.StatusValue,
    deadbandType: deadband.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
    deadbandValue: deadband.value,
  });
}

export function withDescription(
  m: TagMapping,
  d: { dataType: TagDataType; unit: string | undefined; range: { low: number; high: number } | undefined },
): TagMapping {
  const out: TagMapping = { ...m };
  if (m.dataType === 'number' && d.unit !== undefined) out.unit = d.unit;
  if (m.dataType === 'number' && d.range !== undefined) out.range = d.range;
  return out;
}
