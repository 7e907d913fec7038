/**
 * Entry of the pocketrank Web Worker: exposes one {@link Engine} to the page through comlink.
 * All model code (tfjs, backends, weights) lives on this side of the postMessage boundary.
 */
import { expose } from 'comlink';
import { Engine } from './engine.js';

export { Engine };
export type { EngineApi } from '../contract/worker-protocol.js';

expose(new Engine());
