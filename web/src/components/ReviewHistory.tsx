/** A review's history (sign-up, application, API application) as the bank and the fintech both see it. */

export interface ReviewEvent {
  readonly at: string;
  readonly event: string;
  readonly by?: string;
  readonly comment?: string;
}

/** One line per event, oldest first; `when` formats the time for the reader (staff UTC, a fintech its own). */
export function ReviewHistory({ history, when }: { history: readonly ReviewEvent[]; when: (iso: string) => string }) {
  return (
    <ul>
      {history.map((event) => (
        <li key={`${event.at}-${event.event}`}>
          {when(event.at)}: {event.event}
          {event.by ? ` by ${event.by}` : ''}
          {event.comment ? ` — “${event.comment}”` : ''}
        </li>
      ))}
    </ul>
  );
}
