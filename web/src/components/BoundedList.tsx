import { type ReactNode, useId, useState } from 'react';

export interface BoundedListProps<T> {
  readonly items: readonly T[];
  /** How many to show at first and per "Show more". */
  readonly pageSize: number;
  /** What the items are, plural, e.g. "apps" ("Showing 10 of 23 apps"). */
  readonly noun: string;
  readonly itemKey: (item: T) => string;
  readonly renderItem: (item: T) => ReactNode;
  /** Shown instead of the list when there are no items. */
  readonly empty: ReactNode;
  /** The list's accessible name. */
  readonly label: string;
}

/**
 * Every list in a portal is bounded: the server answers a limited page, and the page shows `pageSize` at a
 * time with a "Show more" button and a count the screen reader hears (role="status").
 */
export function BoundedList<T>({ items, pageSize, noun, itemKey, renderItem, empty, label }: BoundedListProps<T>) {
  const [shown, setShown] = useState(pageSize);
  const countId = useId();
  if (items.length === 0) return <>{empty}</>;
  const visible = items.slice(0, shown);
  return (
    <div className="bounded-list">
      <ul className="bounded-list__items" aria-label={label} aria-describedby={countId}>
        {visible.map((item) => (
          <li key={itemKey(item)}>{renderItem(item)}</li>
        ))}
      </ul>
      <p className="bounded-list__count" id={countId} role="status">
        Showing {visible.length} of {items.length} {noun}
      </p>
      {visible.length < items.length && (
        <button type="button" className="button button--secondary" onClick={() => setShown(shown + pageSize)}>
          Show more {noun}
        </button>
      )}
    </div>
  );
}
