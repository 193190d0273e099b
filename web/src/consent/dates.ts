/** Dates as a UK bank writes them ("1 January 2027"), in the customer's own time zone. */
const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });

export function formatDate(isoDateTime: string): string {
  const date = new Date(isoDateTime);
  return Number.isNaN(date.getTime()) ? isoDateTime : longDate.format(date);
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** "1 January 2027 at 14:05" */
export function formatDateTime(isoDateTime: string): string {
  const date = new Date(isoDateTime);
  return Number.isNaN(date.getTime()) ? isoDateTime : dateTime.format(date).replace(', ', ' at ');
}

export function describeExpiry(expirationDateTime: string | null): string {
  return expirationDateTime ? `Until ${formatDate(expirationDateTime)}` : 'Until you stop sharing';
}

export function describeTransactionWindow(from: string | null, to: string | null): string {
  if (from && to) return `Transactions from ${formatDate(from)} to ${formatDate(to)}`;
  if (from) return `Transactions from ${formatDate(from)} onwards`;
  if (to) return `Transactions up to ${formatDate(to)}`;
  return 'All available transactions';
}

/** "4 minutes 5 seconds" / "45 seconds": time left, for people and screen readers alike. */
export function describeRemaining(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes === 0) return part(rest, 'second');
  return rest === 0 ? part(minutes, 'minute') : `${part(minutes, 'minute')} ${part(rest, 'second')}`;
}
