/** File name of the worker bundle, published next to the SDK bundles. */
export const WORKER_FILE = 'pocketrank.worker.js';

// document.currentScript is only set while a classic (IIFE) script runs, so read it at load time.
const classicScriptSrc =
  typeof document !== 'undefined' && document.currentScript instanceof HTMLScriptElement
    ? document.currentScript.src
    : undefined;

function bundleUrl(): string {
  if (classicScriptSrc) return classicScriptSrc;
  const moduleUrl = (import.meta as { url?: string }).url;
  if (moduleUrl) return moduleUrl;
  return typeof location !== 'undefined' ? location.href : '';
}

/** URL of the worker bundle: the shop's override, else the file beside this SDK bundle. */
export function resolveWorkerUrl(override?: string | URL): URL {
  const base = typeof location !== 'undefined' ? location.href : undefined;
  if (override !== undefined) return new URL(String(override), base);
  return new URL(WORKER_FILE, bundleUrl());
}
