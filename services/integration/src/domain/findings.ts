// What a completed work order says happened, from the technician's finding in plain words.
// A finding that found nothing wrong is a false alarm (no event); one that names a breakdown is an
// event that occurred; any other completed repair prevented the event the prompt warned of.
export type Outcome = 'event-prevented' | 'event-occurred' | 'no-event' | 'unknown';

const NOTHING = /\b(no (fault|issue|problem|defect|wear|damage)s? found|nothing (wrong|found)|false alarm|all (ok|normal|fine)|within (spec|limits))\b/i;
const OCCURRED = /\b(had (already )?failed|already (broken|failed)|breakdown|seized|burst|broke down)\b/i;

export function outcomeOfFinding(finding: string): Outcome {
  if (finding.trim() === '') return 'unknown';
  if (NOTHING.test(finding)) return 'no-event';
  if (OCCURRED.test(finding)) return 'event-occurred';
  return 'event-prevented';
}
