import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * model.json + weights.bin on the local filesystem, the layout `tf.io.fileSystem` (tfjs-node) writes, so the
 * saved models stay loadable by tfjs-node and the Python converter; tfjs-node is not installable here.
 */
export function fsIOHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await mkdir(dir, { recursive: true });
      const weightData = artifacts.weightData ? concatWeightData(artifacts.weightData) : new ArrayBuffer(0);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await atomicWrite(join(dir, 'weights.bin'), new Uint8Array(weightData));
      await atomicWrite(join(dir, 'model.json'), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weightData.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, 'model.json');
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (error) {
        throw new Error(`cannot read a TF.js model at ${jsonPath}: ${(error as Error).message}. Point to a folder holding model.json and its weight files.`);
      }
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of modelJson.weightsManifest ?? []) {
        specs.push(...group.weights);
        for (const path of group.paths) buffers.push(new Uint8Array(await readFile(join(dir, path))));
      }
      const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
      const weightData = new Uint8Array(total);
      let offset = 0;
      for (const b of buffers) {
        weightData.set(b, offset);
        offset += b.byteLength;
      }
      return tf.io.getModelArtifactsForJSONSync(modelJson, specs, weightData.buffer);
    },
  };
}

function concatWeightData(data: tf.io.WeightData): ArrayBuffer {
  if (!Array.isArray(data)) return data as ArrayBuffer;
  return tf.io.concatenateArrayBuffers(data);
}

export async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Every weight (trainable or not: BN running statistics too) in model order, for checkpoints. */
export async function saveWeightList(dir: string, name: string, tensors: readonly tf.Tensor[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const shapes = tensors.map((t) => t.shape);
  const arrays = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  const total = arrays.reduce((sum, a) => sum + a.length, 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    flat.set(a, offset);
    offset += a.length;
  }
  await atomicWrite(join(dir, `${name}.bin`), new Uint8Array(flat.buffer));
  await atomicWrite(join(dir, `${name}.json`), JSON.stringify({ shapes }));
}

export async function loadWeightList(dir: string, name: string): Promise<{ shape: number[]; values: Float32Array }[]> {
  const { shapes } = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as { shapes: number[][] };
  const bytes = await readFile(join(dir, `${name}.bin`));
  const flat = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = flat.slice(offset, offset + size);
    offset += size;
    return { shape, values };
  });
}
