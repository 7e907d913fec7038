// The custom build's entry: layers plus the WASM backend with only the kernels pocketrank runs.
import './custom-tfjs.js';
export * from '@tensorflow/tfjs-layers';
