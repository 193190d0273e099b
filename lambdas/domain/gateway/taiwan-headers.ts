/** The Taiwan Open Banking request headers (X-STAN, X-TxnInitDateTime, X-ClientId, X-DestinationId), checked before the token is used. */
import { InvalidRequest } from '../../errors';

export interface TaiwanHeaders {
  readonly stan: string;
  readonly destinationId: string;
  readonly clientId: string;
  readonly txnInitDateTime: string;
}

/** yyyyMMddHHmmss that names a real calendar time. */
export function isTxnDateTime(value: string): boolean {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    time.getUTCFullYear() === year &&
    time.getUTCMonth() === month - 1 &&
    time.getUTCDate() === day &&
    time.getUTCHours() === hour &&
    time.getUTCMinutes() === minute &&
    time.getUTCSeconds() === second
  );
}

/** Reads and validates the headers; `read` looks a header up case-insensitively. */
export function taiwanHeaders(read: (name: string) => string | undefined): TaiwanHeaders {
  const stan = read('x-stan');
  if (!stan || !/^\d{7}$/.test(stan)) throw new InvalidRequest('X-STAN must be 7 digits');
  const destinationId = read('x-destinationid');
  if (!destinationId || !/^\d{7}$/.test(destinationId)) {
    throw new InvalidRequest('X-DestinationId must be a 7-digit bank code');
  }
  const clientId = read('x-clientid');
  if (!clientId || !/^[\w.:-]{1,128}$/.test(clientId)) throw new InvalidRequest('X-ClientId is required');
  const txnInitDateTime = read('x-txninitdatetime');
  if (!txnInitDateTime || !isTxnDateTime(txnInitDateTime)) {
    throw new InvalidRequest('X-TxnInitDateTime must be yyyyMMddhhmmss');
  }
  return { stan, destinationId, clientId, txnInitDateTime };
}
