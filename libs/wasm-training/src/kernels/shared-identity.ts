import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, runStock } from './wasm-heap.js';

/**
 * Identity (and a Cast to the same dtype) as a new reference to the same wasm buffer, as the cpu backend does,
 * instead of wasm 4.22's copy. The engine clones every tensor it saves for the backward pass with Identity
 * (~320 full-size copies per resnet-s training step) and the clones' gradients are same-dtype Casts; tensors
 * are immutable, so sharing the buffer is safe (Reshape already shares it the same way).
 */
function share(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function sharedIdentityKernels(): tf.KernelConfig[] {
  return [
    {
      kernelName: 'Identity',
      backendName: 'wasm',
      kernelFunc: (({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm }) => {
        const x = inputs['x'] as TensorInfo;
        return x.dtype === 'string' ? runStock('Identity', backend, { x }) : share(backend, x);
      }) as unknown as tf.KernelFunc,
    },
    {
      kernelName: 'Cast',
      backendName: 'wasm',
      kernelFunc: (({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }) => {
        const x = inputs['x'] as TensorInfo;
        return attrs['dtype'] === x.dtype && x.dtype !== 'string' ? share(backend, x) : runStock('Cast', backend, { x }, attrs);
      }) as unknown as tf.KernelFunc,
    },
  ];
}
