/** Dates as a UK bank writes them ("1 January 2027"), in the customer's own time zone. */
const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });

export function formatDate(isoDateTime: string): string {
  const date = new Date(isoDateTime);
  return Number.isNaN(date.getTime()) ? isoDateTime : longDate.format(date);
}

export function describeExpiry(expirationDateTime: string | null): string {
  return expirationDateTime ? `Until ${formatDate(expirationDateTime)}` : 'Until you cancel it';
}

export function describeTransactionWindow(from: string | null, to: string | null): string {
  if (from && to) return `Transactions from ${formatDate(from)} to ${formatDate(to)}`;
  if (from) return `Transactions from ${formatDate(from)} onwards`;
  if (to) return `Transactions up to ${formatDate(to)}`;
  return 'All your available transaction history';
}
