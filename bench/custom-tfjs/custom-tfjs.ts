// Generated from kernels.json (bench/custom-tfjs/list-kernels.ts): tfjs with the WASM backend and
// only the kernels pocketrank runs, for the custom-build experiment of `npm run bench`.
import { registerKernel } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm/dist/base.js';
import { absConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Abs.js';
import { addConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Add.js';
import { batchMatMulConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/BatchMatMul.js';
import { castConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Cast.js';
import { concatConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Concat.js';
import { equalConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Equal.js';
import { expConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Exp.js';
import { expandDimsConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/ExpandDims.js';
import { floorConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Floor.js';
import { gatherV2Config } from '@tensorflow/tfjs-backend-wasm/dist/kernels/GatherV2.js';
import { identityConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Identity.js';
import { logConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Log.js';
import { maxConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Max.js';
import { meanConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Mean.js';
import { multiplyConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Multiply.js';
import { negConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Neg.js';
import { notEqualConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/NotEqual.js';
import { padV2Config } from '@tensorflow/tfjs-backend-wasm/dist/kernels/PadV2.js';
import { powConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Pow.js';
import { realDivConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/RealDiv.js';
import { reluConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Relu.js';
import { reshapeConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Reshape.js';
import { scatterNdConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/ScatterNd.js';
import { selectConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Select.js';
import { sliceConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Slice.js';
import { softmaxConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Softmax.js';
import { splitVConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/SplitV.js';
import { sqrtConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Sqrt.js';
import { squareConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Square.js';
import { stepConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Step.js';
import { subConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Sub.js';
import { sumConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Sum.js';
import { tileConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Tile.js';
import { topKConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/TopK.js';
import { transposeConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/Transpose.js';
import { zerosLikeConfig } from '@tensorflow/tfjs-backend-wasm/dist/kernels/ZerosLike.js';

for (const config of [
  absConfig,
  addConfig,
  batchMatMulConfig,
  castConfig,
  concatConfig,
  equalConfig,
  expConfig,
  expandDimsConfig,
  floorConfig,
  gatherV2Config,
  identityConfig,
  logConfig,
  maxConfig,
  meanConfig,
  multiplyConfig,
  negConfig,
  notEqualConfig,
  padV2Config,
  powConfig,
  realDivConfig,
  reluConfig,
  reshapeConfig,
  scatterNdConfig,
  selectConfig,
  sliceConfig,
  softmaxConfig,
  splitVConfig,
  sqrtConfig,
  squareConfig,
  stepConfig,
  subConfig,
  sumConfig,
  tileConfig,
  topKConfig,
  transposeConfig,
  zerosLikeConfig,
])
  registerKernel(config);
