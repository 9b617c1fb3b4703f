// A Keras 2.2.4 full-model .h5 file in that version's layout, written with h5wasm: a functional
// 'Model' config whose Lambda layers hold marshalled Python bytecode (as Keras 2 saved them),
// Keras 2 inbound-node lists, and fixed-length byte-string layer_names / weight_names. It stands
// in for real files of that kind in tests that must run on a clean clone.
import { H5Writer } from '../../src/io/h5.js';

/** Layer names in file order; the Lambda layers sit at positions 2 and 4. */
export const KERAS224_LAYER_NAMES = [
  'input_1',
  'conv2d_1',
  'lambda_1',
  'concatenate_1',
  'lambda_2',
  'flatten_1',
  'dense_1',
];

const ref = (name: string): [string, number, number, Record<string, never>] => [name, 0, 0, {}];

/** What Keras 2.2.4 wrote for `Lambda(lambda x: x * 0.5)`: the function as [code, defaults, closure]. */
function lambdaEntry(name: string, input: string): Record<string, unknown> {
  return {
    name,
    class_name: 'Lambda',
    config: {
      name,
      trainable: true,
      function_type: 'lambda',
      output_shape: null,
      output_shape_type: 'raw',
      arguments: {},
      function: [
        '4wEAAAAAAAAAAQAAAAIAAABTAAAAcwgAAAB8AGQBFABTACkCTmcAAAAAAADgPylyAAAAACkB2gF4\n' +
          'cgAAAAByAAAAAPoIPHN0ZGluPtoIPGxhbWJkYT4BAAAAcwAAAAA=\n',
        null,
        null,
      ],
    },
    inbound_nodes: [[ref(input)]],
  };
}

function modelConfig(): Record<string, unknown> {
  const conv = {
    name: 'conv2d_1',
    trainable: true,
    filters: 2,
    kernel_size: [3, 3],
    strides: [1, 1],
    padding: 'valid',
    data_format: 'channels_last',
    dilation_rate: [1, 1],
    activation: 'relu',
    use_bias: true,
  };
  return {
    class_name: 'Model',
    config: {
      name: 'model_1',
      layers: [
        {
          name: 'input_1',
          class_name: 'InputLayer',
          config: { batch_input_shape: [null, 8, 8, 1], dtype: 'float32', sparse: false, name: 'input_1' },
          inbound_nodes: [],
        },
        { name: 'conv2d_1', class_name: 'Conv2D', config: conv, inbound_nodes: [[ref('input_1')]] },
        lambdaEntry('lambda_1', 'conv2d_1'),
        {
          name: 'concatenate_1',
          class_name: 'Concatenate',
          config: { name: 'concatenate_1', trainable: true, axis: -1 },
          inbound_nodes: [[ref('conv2d_1'), ref('lambda_1')]],
        },
        lambdaEntry('lambda_2', 'concatenate_1'),
        {
          name: 'flatten_1',
          class_name: 'Flatten',
          config: { name: 'flatten_1', trainable: true, data_format: 'channels_last' },
          inbound_nodes: [[ref('lambda_2')]],
        },
        {
          name: 'dense_1',
          class_name: 'Dense',
          config: { name: 'dense_1', trainable: true, units: 10, activation: 'softmax', use_bias: true },
          inbound_nodes: [[ref('flatten_1')]],
        },
      ],
      input_layers: [['input_1', 0, 0]],
      output_layers: [['dense_1', 0, 0]],
    },
  };
}

/** Writes the file to `file`. */
export async function writeKeras224LambdaModel(file: string): Promise<void> {
  const w = await H5Writer.create(file);
  try {
    const root = w.root;
    root.writeString('keras_version', '2.2.4');
    root.writeString('backend', 'tensorflow');
    root.writeString('model_config', JSON.stringify(modelConfig()));
    const mw = root.createGroup('model_weights');
    mw.writeStringList('layer_names', KERAS224_LAYER_NAMES);
    const shapes: Record<string, [string, number[]][]> = {
      conv2d_1: [
        ['kernel:0', [3, 3, 1, 2]],
        ['bias:0', [2]],
      ],
      dense_1: [
        ['kernel:0', [144, 10]],
        ['bias:0', [10]],
      ],
    };
    for (const name of KERAS224_LAYER_NAMES) {
      const g = mw.createGroup(name);
      const ws = shapes[name] ?? [];
      g.writeStringList(
        'weight_names',
        ws.map(([v]) => `${name}/${v}`),
      );
      for (const [v, s] of ws) {
        g.writeDataset(`${name}/${v}`, new Float32Array(s.reduce((a, b) => a * b, 1)).fill(0.1), s);
      }
    }
  } finally {
    w.close();
  }
}
