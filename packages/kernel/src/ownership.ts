// Stream ownership, read from the contracts: each event type has one owning service and one stream
// family, and each stream family has one writer (`streamFamilyOwners`). The access library's
// events (AccessDenied, …) are written by whichever service's guard refused the call.
import { Service, getContract, isEventType, latestVersion, streamFamilyOf, streamFamilyOwners, type EventType } from '@industrial/contracts';
import { OwnershipError, UnknownEventTypeError, UnknownSchemaVersionError } from './errors.ts';

/** Throws unless `service` may append `type` (at `schemaVersion`) to `stream`. */
export function assertMayAppend(service: Service, stream: string, type: string, schemaVersion: number): asserts type is EventType {
  if (!isEventType(type)) throw new UnknownEventTypeError(stream, type);
  const contract = getContract(type, schemaVersion);
  if (contract === undefined) throw new UnknownSchemaVersionError(stream, type, schemaVersion, latestVersion(type));
  const owner = contract.service;
  if (owner !== service && owner !== Service.Access) throw new OwnershipError(stream, type, service, owner, `${type} is owned by ${owner}`);
  const family = streamFamilyOf(stream);
  if (family !== contract.streamFamily) {
    throw new OwnershipError(stream, type, service, owner, `${type} belongs in "${contract.streamFamily}<id>" streams, not in "${stream}"`);
  }
  const familyOwner = streamFamilyOwners[family];
  if (familyOwner !== service && familyOwner !== Service.Access) {
    throw new OwnershipError(stream, type, service, familyOwner, `"${family}" streams are written by ${familyOwner} only`);
  }
}

/** Whether `service` owns `type` (the access library's types are every service's). */
export function owns(service: Service, type: EventType): boolean {
  const owner = getContract(type, latestVersion(type))?.service;
  return owner === service || owner === Service.Access;
}
