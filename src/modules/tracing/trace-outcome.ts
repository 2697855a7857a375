/** What a trace or a match did. */
export interface TraceOutcome {
  readonly risks: number;
  readonly notifications: number;
  readonly contacts: number;
}

export const NO_OUTCOME: TraceOutcome = { risks: 0, notifications: 0, contacts: 0 };

export function addOutcomes(a: TraceOutcome, b: TraceOutcome): TraceOutcome {
  return {
    risks: a.risks + b.risks,
    notifications: a.notifications + b.notifications,
    contacts: a.contacts + b.contacts,
  };
}
