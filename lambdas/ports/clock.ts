/** Epoch seconds; injected so expiry logic is testable. */
export type Clock = () => number;

export const systemClock: Clock = () => Math.floor(Date.now() / 1000);
