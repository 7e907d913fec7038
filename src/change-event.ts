/** Fired on `window` when the shopper's history changed (events stored, forget, consent): widgets refresh. */
export const CHANGE_EVENT = 'pocketrank:change';
