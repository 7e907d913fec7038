// What the worker bundles today: tfjs core and layers with all four backends and all their kernels.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
export * from '@tensorflow/tfjs-layers';
