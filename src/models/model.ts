// Model: a graph of layer calls between symbolic inputs and outputs (the functional API). It is
// itself a Layer, so models nest, and it owns its Keras 3 config in both directions (getConfig
// writes it, fromConfig reads it through from_config.ts). Training (compile/fit/evaluate/predict)
// lives in training.ts, the summary in summary.ts and model files in io/; these methods only
// delegate.
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import {
  type CallArgs,
  Layer,
  type LayerArgs,
  type LayerInput,
  type Shape,
  onlyOutput,
  registerLayer,
  serializeLayer,
} from '../layers/base.js';
import { InputLayer } from '../layers/core.js';
import { KerasTensor, type Node, isKerasTensor } from '../layers/keras_tensor.js';
import { type LoadWeightsOptions, type SaveOptions, loadWeights, saveModel, saveWeights } from '../io/index.js';
import { functionalGraphFromConfig } from './from_config.js';
import type { Optimizer } from '../optimizers/index.js';
import { Tensor, type Variable } from '../tensor/tensor.js';
import type { History } from '../callbacks/callback.js';
import type { Logs } from '../callbacks/callback.js';
import {
  type Batch,
  type BatchGenerator,
  type BatchSource,
  type CompileArgs,
  type CompiledState,
  type EvaluateArgs,
  type FitArgs,
  type FitRun,
  type PredictArgs,
  type TrainingData,
  compileModel,
  evaluateModel,
  fitModel,
  predictModel,
} from './training.js';
import { type StepContext, defaultPredictStep, defaultTestStep, defaultTrainStep } from './training/step.js';
import { type SummaryOptions, summarize } from './summary.js';
import type { KerasConfig } from '../keras_config.js';
import { type OptionNames, checkBoolean, checkOptions, checkPositiveInt, describeValue } from '../options.js';

/** The models each KerasTensor is an input of, to follow a nested model's layers from outside it. */
const inputOwners = new WeakMap<KerasTensor, Model[]>();

export interface ModelArgs<O extends KerasTensor | KerasTensor[] = KerasTensor | KerasTensor[]> {
  inputs: KerasTensor | KerasTensor[];
  outputs: O;
  name?: string;
  trainable?: boolean;
}

const MODEL_OPTIONS: OptionNames<ModelArgs> = { inputs: true, outputs: true, name: true, trainable: true };
const SUMMARY_OPTIONS: OptionNames<SummaryOptions> = { printFn: true, lineLength: true, expandNested: true };

/** What `predict` returns for a model type M: a list for a model built with a list of outputs. */
export type PredictOutput<M> = M extends { readonly outputStructure?: infer O }
  ? 0 extends 1 & O
    ? Tensor
    : [NonNullable<O>] extends [KerasTensor[]]
      ? Tensor[]
      : Tensor
  : Tensor;

/**
 * O is the structure of the outputs the model was built with (one KerasTensor or a list), inferred
 * from `new Model({inputs, outputs})`; it types `model.output` and `predict`. A plain `Model` (a
 * loaded file, say) is typed as single-output, as Keras users write it.
 */
export class Model<O extends KerasTensor | KerasTensor[] = KerasTensor | KerasTensor[]> extends Layer {
  static className = 'Functional';
  static kerasModule = 'keras.src.models.functional';
  static registeredName: string | null = 'Functional';
  inputs: KerasTensor[] = [];
  outputs: KerasTensor[] = [];
  /** Layer calls in execution order (input layers excluded). */
  protected nodes: Node[] = [];
  protected _layers: Layer[] = [];
  /** Set by callbacks (EarlyStopping, TerminateOnNaN) to end fit after the current batch. */
  stopTraining = false;
  compiled: CompiledState | null = null;
  private singleInput = true;
  private singleOutput = true;
  /** The structure of `outputs` for the type checker only (no field exists at run time). */
  declare readonly outputStructure?: O;
  /**
   * Inputs of nested models that this graph reaches through the model's own inputs instead: for
   * `new Model({inputs: model.input, outputs: base.getLayer('block3_conv1').output})` where `base`
   * is a layer of `model`, base's input stands for what `model` feeds base.
   */
  private aliases = new Map<KerasTensor, KerasTensor>();

  constructor(args?: ModelArgs<O> | (LayerArgs & { inputs?: undefined })) {
    // Only these reach the model: a layer option such as inputShape would be dropped without a word.
    checkOptions<ModelArgs>(args, MODEL_OPTIONS, 'Model');
    super({ name: args?.name, trainable: args?.trainable });
    if (args && 'outputs' in args && args.outputs !== undefined) this.initGraph(args.inputs, args.outputs);
  }

  /** Wires the graph between inputs and outputs (functional API). */
  protected initGraph(inputs: KerasTensor | KerasTensor[], outputs: KerasTensor | KerasTensor[]): void {
    this.singleInput = !Array.isArray(inputs);
    this.singleOutput = !Array.isArray(outputs);
    this.inputs = Array.isArray(inputs) ? [...inputs] : [inputs];
    this.outputs = Array.isArray(outputs) ? [...outputs] : [outputs];
    for (const t of [...this.inputs, ...this.outputs]) {
      if (!isKerasTensor(t))
        throw new ValueError(
          `Model '${this.name}': inputs and outputs must be KerasTensors (from Input() and layer.apply()), got ${String(t)}`,
        );
    }
    for (const t of this.inputs) {
      if (!(t.node?.layer instanceof InputLayer))
        throw new ValueError(`Model '${this.name}': input '${t.name}' was not created by Input()`);
    }
    this.aliases = new Map();
    const order: Node[] = [];
    const seen = new Set<Node>();
    const inputSet = new Set(this.inputs);
    const visit = (t: KerasTensor, path: Set<Node>): void => {
      const node = t.node!;
      if (inputSet.has(t)) return;
      if (node.layer instanceof InputLayer) {
        const outer = this.aliases.get(t) ?? this.outerTensorFor(t, inputSet);
        this.aliases.set(t, outer);
        visit(outer, path);
        return;
      }
      if (seen.has(node)) return;
      if (path.has(node))
        throw new ValueError(`Model '${this.name}': the graph has a cycle at layer '${node.layer.name}'`);
      path.add(node);
      for (const i of node.inputs) visit(i, path);
      path.delete(node);
      seen.add(node);
      order.push(node);
    };
    for (const o of this.outputs) visit(o, new Set());
    // Keras orders by depth (longest path to an output, deepest first), ties in discovery order.
    const depth = new Map<Node, number>();
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i];
      const d = depth.get(n) ?? 0;
      depth.set(n, d);
      for (const raw of n.inputs) {
        const t = this.resolve(raw);
        if (t.node && seen.has(t.node)) depth.set(t.node, Math.max(depth.get(t.node) ?? 0, d + 1));
      }
    }
    const index = new Map(order.map((n, i) => [n, i]));
    this.nodes = [...order].sort((a, b) => depth.get(b)! - depth.get(a)! || index.get(a)! - index.get(b)!);
    const layers: Layer[] = this.inputs.map((t) => t.node!.layer);
    for (const n of this.nodes) if (!layers.includes(n.layer)) layers.push(n.layer);
    this._layers = layers;
    this.ownInputs();
    this.built = true;
  }

  /** Records this model as the owner of its inputs (see `aliases`). */
  protected ownInputs(): void {
    for (const t of this.inputs) {
      const owners = inputOwners.get(t) ?? [];
      if (!owners.includes(this)) owners.push(this);
      inputOwners.set(t, owners);
    }
  }

  /** The tensor of this graph that a (possibly nested) tensor stands for. */
  protected resolve(t: KerasTensor): KerasTensor {
    let r = t;
    for (let a = this.aliases.get(r); a; a = this.aliases.get(r)) r = a;
    return r;
  }

  /**
   * For an input of a nested model that this graph's outputs depend on: what the nested model is
   * fed by a call that this model's inputs reach. Otherwise the graph is disconnected; the error
   * says what to write.
   */
  private outerTensorFor(t: KerasTensor, inputSet: ReadonlySet<KerasTensor>): KerasTensor {
    const reaches = (x: KerasTensor, depth: number): boolean => {
      if (inputSet.has(x)) return true;
      if (depth > 64) return false;
      const node = x.node;
      if (!node) return false;
      if (node.layer instanceof InputLayer) return outerCandidates(x).some((c) => reaches(c, depth + 1));
      return node.inputs.length > 0 && node.inputs.every((i) => reaches(i, depth + 1));
    };
    const found = outerCandidates(t).filter((c) => reaches(c, 0));
    if (found.length === 1) return found[0];
    const owners = (inputOwners.get(t) ?? []).map((m) => `'${m.name}'`);
    const inputNames = this.inputs.map((i) => `'${i.node!.layer.name}'`).join(', ');
    const what = owners.length ? `the input of model ${owners.join(', ')}` : `input '${t.node!.layer.name}'`;
    const hint = owners.length
      ? found.length > 1
        ? `model ${owners[0]} is called more than once on these inputs, so the path is ambiguous; ` +
          `build the model with the functional API and take the tensor you mean`
        : `use that model's own input (new Model({ inputs: ${owners[0].slice(1, -1)}.input, outputs })), ` +
          `or call model ${owners[0]} on this model's inputs first`
      : 'pass that Input among the inputs, or take the outputs from layers called on these inputs';
    throw new ValueError(
      `Model '${this.name}': graph disconnected: the outputs depend on ${what}, ` +
        `which is not reached from the model's inputs [${inputNames}]; ${hint}`,
    );
  }

  /** The layers, in graph order (functional models include their InputLayers, as Keras does). */
  get layers(): Layer[] {
    return [...this._layers];
  }

  getLayer(nameOrIndex: string | number): Layer {
    const ls = this.layers;
    if (typeof nameOrIndex === 'number') {
      const l = ls[nameOrIndex];
      if (!l) throw new ValueError(`getLayer: index ${nameOrIndex} is out of range: the model has ${ls.length} layers`);
      return l;
    }
    const l = ls.find((x) => x.name === nameOrIndex);
    if (!l)
      throw new ValueError(
        `getLayer: no layer named '${nameOrIndex}'; layers are: ${ls.map((x) => x.name).join(', ')}`,
      );
    return l;
  }

  override get trainable(): boolean {
    return this._trainable;
  }
  override set trainable(v: boolean) {
    this._trainable = v;
    for (const l of this.layers ?? []) l.trainable = v;
  }

  private uniqueWeights(pick: (l: Layer) => Variable[]): Variable[] {
    const out: Variable[] = [];
    const seen = new Set<Variable>();
    for (const l of this.layers)
      for (const w of pick(l))
        if (!seen.has(w)) {
          seen.add(w);
          out.push(w);
        }
    return out;
  }

  override get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }
  override get trainableWeights(): Variable[] {
    return this.trainable ? this.uniqueWeights((l) => l.trainableWeights) : [];
  }
  override get nonTrainableWeights(): Variable[] {
    if (!this.trainable) return this.uniqueWeights((l) => l.weights);
    return this.uniqueWeights((l) => l.nonTrainableWeights);
  }

  /** Weights in layer order (kernel, bias, ... per layer): the order Keras's get_weights uses. */
  get weightsInLayerOrder(): Variable[] {
    return this.uniqueWeights((l) => (l instanceof Model ? l.weightsInLayerOrder : l.weights));
  }

  override getWeights(): Tensor[] {
    return this.weightsInLayerOrder.map((w) => w.read());
  }

  override setWeights(values: readonly Tensor[]): void {
    const ws = this.weightsInLayerOrder;
    if (values.length !== ws.length)
      throw new ValueError(`Model '${this.name}'.setWeights: expected ${ws.length} arrays, got ${values.length}`);
    ws.forEach((w, i) => {
      if (values[i].shape.join(',') !== w.shape.join(',')) {
        throw new ShapeError(
          `Model '${this.name}'.setWeights: weight ${i} (${w.name}) expects shape [${w.shape.join(', ')}], got [${values[i].shape.join(', ')}]`,
        );
      }
      w.assign(values[i]);
    });
  }

  override regularizationLosses(): Tensor[] {
    return this.layers.flatMap((l) => l.regularizationLosses());
  }

  protected override checkInputShape(shape: Shape | Shape[]): void {
    const shapes = (shape.length > 0 && Array.isArray(shape[0]) ? shape : [shape]) as Shape[];
    if (shapes.length !== this.inputs.length) {
      throw new ValueError(`Model '${this.name}': expected ${this.inputs.length} input(s), got ${shapes.length}`);
    }
    shapes.forEach((s, i) => {
      const want = this.inputs[i].shape;
      const ok = s.length === want.length && want.every((d, j) => j === 0 || d === null || s[j] === null || d === s[j]);
      if (!ok)
        throw new ShapeError(
          `Model '${this.name}': expected input ${i} of shape ${fmtShape(want)}, got ${fmtShape(s)}`,
        );
    });
  }

  call(inputs: LayerInput, args: CallArgs = {}): LayerInput {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const values = new Map<KerasTensor, Tensor>();
    this.inputs.forEach((t, i) => values.set(t, list[i]));
    // Nothing reads an intermediate output that only one layer consumes, so such a pair
    // (Conv2D + MaxPooling2D) may run as one op; the partner's outputs are then already set.
    const partners = this.fusionPartners();
    const fusedAway = new Set<Node>();
    for (const node of this.nodes) {
      if (fusedAway.has(node)) continue;
      const ins = node.inputs.map((t) => {
        const v = values.get(this.resolve(t));
        if (!v)
          throw new ValueError(`Model '${this.name}': no value for '${t.name}' needed by layer '${node.layer.name}'`);
        return v;
      });
      const x = ins.length === 1 ? ins[0] : ins;
      const partner = partners?.get(node);
      const fused = partner ? node.layer.applyFused(x, partner.layer) : null;
      if (partner && fused) {
        fusedAway.add(partner);
        const fusedOuts = Array.isArray(fused) ? fused : [fused];
        partner.outputs.forEach((t, i) => values.set(t, fusedOuts[i]));
        continue;
      }
      const out = node.layer.applyEager(x, args);
      const outs = Array.isArray(out) ? out : [out];
      node.outputs.forEach((t, i) => values.set(t, outs[i]));
    }
    const results = this.outputs.map((t) => values.get(t)!);
    return this.singleOutput ? results[0] : results;
  }

  /**
   * For each node whose single output is consumed by exactly one node, itself with that output as
   * its only input, and is not a model output: that consumer (the candidates of Layer.applyFused).
   */
  private fusionPartners(): Map<Node, Node> {
    if (this.partnersOf?.nodes === this.nodes) return this.partnersOf.partners;
    const consumers = new Map<KerasTensor, Node[]>();
    for (const n of this.nodes)
      for (const t of n.inputs) {
        const r = this.resolve(t);
        consumers.set(r, [...(consumers.get(r) ?? []), n]);
      }
    const outputs = new Set(this.outputs.map((t) => this.resolve(t)));
    const partners = new Map<Node, Node>();
    for (const n of this.nodes) {
      if (n.outputs.length !== 1 || outputs.has(n.outputs[0])) continue;
      const users = consumers.get(n.outputs[0]) ?? [];
      if (users.length === 1 && users[0].inputs.length === 1) partners.set(n, users[0]);
    }
    this.partnersOf = { nodes: this.nodes, partners };
    return partners;
  }
  private partnersOf: { nodes: Node[]; partners: Map<Node, Node> } | null = null;

  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const list = (inputShape.length > 0 && Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as Shape[];
    const shapes = new Map<KerasTensor, Shape>();
    this.inputs.forEach((t, i) => shapes.set(t, list[i]));
    for (const node of this.nodes) {
      const ins = node.inputs.map((t) => shapes.get(this.resolve(t))!);
      const out = node.layer.computeOutputShape(ins.length === 1 ? ins[0] : ins);
      const outs = (node.outputs.length > 1 ? out : [out]) as Shape[];
      node.outputs.forEach((t, i) => shapes.set(t, outs[i]));
    }
    const res = this.outputs.map((t) => shapes.get(t)!);
    return this.singleOutput ? res[0] : res;
  }

  /** Why the model has no symbolic input yet (a Sequential whose input shape is still unknown). */
  protected override notConnectedMessage(what: 'input' | 'output'): string {
    return (
      `${this.className} '${this.name}' has no ${what} yet: its input shape is unknown. Give the first ` +
      'layer an inputShape, start with an Input, or call build([null, ...shape]) or fit first'
    );
  }

  /** The model's input (Keras model.input); a model built with a list of inputs has `inputs`. */
  override get input(): KerasTensor {
    if (!this.inputs.length) throw new ValueError(this.notConnectedMessage('input'));
    if (this.singleInput) return this.inputs[0];
    throw new ValueError(
      `Model '${this.name}' was built with a list of ${this.inputs.length} input(s), so it has no ` +
        `single input: use ${this.name}.inputs (a list of KerasTensors)`,
    );
  }

  /** The model's output (Keras model.output); a model built with a list of outputs has `outputs`. */
  override get output(): KerasTensor {
    if (!this.outputs.length) throw new ValueError(this.notConnectedMessage('output'));
    if (this.singleOutput) return onlyOutput(this, this.outputs);
    throw new ValueError(
      `Model '${this.name}' was built with a list of ${this.outputs.length} output(s), so it has no ` +
        `single output: use ${this.name}.outputs (a list of KerasTensors)`,
    );
  }

  /** The shape of the model's output (Keras model.output_shape): a list for a list of outputs. */
  override get outputShape(): Shape | Shape[] {
    if (!this.outputs.length) throw new ValueError(this.notConnectedMessage('output'));
    return this.singleOutput ? this.outputs[0].shape : this.outputs.map((t) => t.shape);
  }

  /** Whether the model takes one input tensor (not a list). */
  get hasSingleInput(): boolean {
    return this.singleInput;
  }
  get hasSingleOutput(): boolean {
    return this.singleOutput;
  }

  /** Nodes in execution order (for summaries and serialisation). */
  get graphNodes(): readonly Node[] {
    return this.nodes;
  }

  /**
   * Keras 3's functional config: every layer serialised with its name and the calls it makes in
   * this graph (`__keras_tensor__` references numbered per model, as Keras 3 numbers them), and
   * the model's inputs and outputs.
   */
  override getConfig(): Record<string, unknown> {
    const own = (l: Layer): Node[] => this.nodes.filter((n) => n.layer === l);
    const ref = (raw: KerasTensor): [string, number, number] => {
      const t = this.resolve(raw);
      const l = t.node!.layer;
      return [l.name, l instanceof InputLayer ? 0 : own(l).indexOf(t.node!), t.index];
    };
    const kt = (t: KerasTensor): KerasConfig => ({
      class_name: '__keras_tensor__',
      config: { shape: [...this.resolve(t).shape], dtype: t.dtype, keras_history: ref(t) },
    });
    const layers = this._layers.map((l) => {
      const calls = l instanceof InputLayer ? [] : own(l);
      const entry = serializeLayer(l, layerBuildConfig(l, calls[0]));
      entry.name = l.name;
      entry.inbound_nodes = calls.map((n) => ({
        args: n.inputs.length === 1 ? [kt(n.inputs[0])] : [n.inputs.map(kt)],
        kwargs: {},
      }));
      return entry;
    });
    const endpoints = (ts: KerasTensor[], single: boolean) => (single ? ref(ts[0]) : ts.map(ref));
    return {
      name: this.name,
      trainable: this.trainable,
      layers,
      input_layers: endpoints(this.inputs, this.singleInput),
      output_layers: endpoints(this.outputs, this.singleOutput),
    };
  }

  /** Keras's build_config: none for a functional model, which is built by construction. */
  getBuildConfig(): KerasConfig {
    return { input_shape: null };
  }

  /** Rebuilds a functional model from Keras 3's config (nested models through the layer registry). */
  static fromConfig(config: KerasConfig): Model {
    const { inputs, outputs } = functionalGraphFromConfig(config);
    const model = new Model({
      inputs: inputs.length === 1 ? inputs[0] : inputs,
      outputs: outputs.length === 1 ? outputs[0] : outputs,
      name: typeof config.name === 'string' ? config.name : undefined,
    });
    if (config.trainable === false) model.trainable = false;
    return model;
  }

  // --- training API (training.ts and training/) ---
  get optimizer(): Optimizer | null {
    return this.compiled?.optimizer ?? null;
  }

  /**
   * The epoch fit starts from: fit sets it from its `initialEpoch` option before onTrainBegin, and
   * a callback may move it there (BackupAndRestore resumes an interrupted fit so, as in Keras).
   */
  initialEpoch = 0;

  /**
   * What the default step methods work with while fit/evaluate call them (the running loss and
   * metric means; in fit, what a step may recycle). Set around each step call; null otherwise.
   */
  stepContext: StepContext | null = null;

  /** The fit running on this model, null when none: while it runs, a second fit is refused. */
  runningFit: FitRun | null = null;

  compile(args: CompileArgs): void {
    compileModel(this, args);
  }
  fit(x: TrainingData, y?: Tensor | FitArgs, args?: FitArgs): Promise<History> {
    return fitModel(this, x, y, args);
  }
  /**
   * Loss and metrics in inference mode. Like Keras: a number when only the loss is tracked, else
   * [loss, ...metrics] in compile order (so `const [loss, acc] = await model.evaluate(x, y)`), or a
   * dict with `returnDict: true`.
   */
  evaluate(x: Tensor | Tensor[], y: Tensor, args: EvaluateArgs & { returnDict: true }): Promise<Record<string, number>>;
  evaluate(x: BatchSource | BatchGenerator, args: EvaluateArgs & { returnDict: true }): Promise<Record<string, number>>;
  /**
   * `R` is what the caller expects back: number[] ([loss, ...metrics]) by default, so the book's
   * `const [loss, acc] = await model.evaluate(x, y)` type-checks; write `evaluate<number>(x, y)` for a
   * model compiled without metrics, whose result is the loss alone.
   */
  evaluate<R extends number | number[] = number[]>(
    x: TrainingData,
    y?: Tensor | EvaluateArgs,
    args?: EvaluateArgs,
  ): Promise<R>;
  evaluate(
    x: TrainingData,
    y?: Tensor | EvaluateArgs,
    args?: EvaluateArgs,
  ): Promise<number | number[] | Record<string, number>> {
    return evaluateModel(this, x, y, args);
  }
  /** Outputs for the inputs: one Tensor, or a list for a model built with a list of outputs. */
  predict<M extends Model>(this: M, x: Tensor | Tensor[], args?: PredictArgs): PredictOutput<M>;
  predict<M extends Model>(this: M, x: BatchSource | BatchGenerator, args?: PredictArgs): Promise<PredictOutput<M>>;
  predict<M extends Model>(this: M, x: TrainingData, args?: PredictArgs): PredictOutput<M> | Promise<PredictOutput<M>> {
    // The arity is known at run time; PredictOutput states it from the outputs the model was built
    // with (a loaded model is typed as single-output, as Keras users write it).
    return predictModel(this, x, args) as PredictOutput<M> | Promise<PredictOutput<M>>;
  }

  // Keras 2's generator methods, gone from Keras 3: code translated from older books calls them, and
  // an error naming the replacement is kinder than "is not a function".
  /** @deprecated Removed in Keras 3: call `fit`, which takes generators and datasets. */
  fitGenerator(..._args: unknown[]): never {
    throw removedGeneratorMethod('fitGenerator', 'fit');
  }
  /** @deprecated Removed in Keras 3: call `evaluate`, which takes generators and datasets. */
  evaluateGenerator(..._args: unknown[]): never {
    throw removedGeneratorMethod('evaluateGenerator', 'evaluate');
  }
  /** @deprecated Removed in Keras 3: call `predict`, which takes generators and datasets. */
  predictGenerator(..._args: unknown[]): never {
    throw removedGeneratorMethod('predictGenerator', 'predict');
  }

  /**
   * One training step on one batch (Keras's train_step): forward pass, compiled loss, gradients,
   * optimizer update; returns the logs that callbacks and the progress bar see (the running
   * means of the loss and metrics). Subclasses may override it; fit calls it for every batch.
   */
  trainStep(batch: Batch): Logs {
    return defaultTrainStep(this, batch);
  }
  /** One evaluation step (Keras's test_step): loss and metrics in inference mode; returns the logs. */
  testStep(batch: Batch): Logs {
    return defaultTestStep(this, batch);
  }
  /** One prediction step (Keras's predict_step): the model's outputs for the batch, in inference mode. */
  predictStep(batch: Batch): Tensor | Tensor[] {
    return defaultPredictStep(this, batch);
  }

  /** Builds the model for inputs of this shape unless built (fit/evaluate/predict on an unbuilt Sequential). */
  buildFromData(shape: Shape | Shape[]): void {
    this.maybeBuild(shape);
  }

  summary(printFnOrOptions?: ((line: string) => void) | SummaryOptions): void {
    const opts =
      typeof printFnOrOptions === 'function'
        ? { printFn: printFnOrOptions }
        : checkOptions(printFnOrOptions, SUMMARY_OPTIONS, 'summary');
    if (opts.printFn !== undefined && typeof opts.printFn !== 'function') {
      throw new ValueError(`summary printFn: expected a function (line) => void, got ${describeValue(opts.printFn)}`);
    }
    checkPositiveInt(opts.lineLength, 'summary lineLength');
    checkBoolean(opts.expandNested, 'summary expandNested');
    summarize(this, opts);
  }

  // --- model files (io/) ---
  /** Saves the model: '.keras' (Keras 3), '.h5' (legacy Keras 2) or 'tfjs://dir' (TensorFlow.js). */
  save(filePath: string, opts: SaveOptions = {}): Promise<void> {
    return saveModel(this, filePath, opts);
  }
  /** Saves the weights: '*.weights.h5' (Keras 3 layout) or '.h5' (legacy Keras 2 layout). */
  saveWeights(filePath: string, opts: SaveOptions = {}): Promise<void> {
    return saveWeights(this, filePath, opts);
  }
  /** Loads weights from '.keras', '*.weights.h5' or legacy '.h5' files (by position, or { byName, skipMismatch }). */
  loadWeights(filePath: string, opts: LoadWeightsOptions = {}): Promise<void> {
    return loadWeights(this, filePath, opts);
  }
}

/** What a nested model's input stands for in graphs that call that model. */
function outerCandidates(t: KerasTensor): KerasTensor[] {
  const out: KerasTensor[] = [];
  for (const m of inputOwners.get(t) ?? []) {
    const k = m.inputs.indexOf(t);
    for (const node of m.inboundNodes) if (node.inputs[k]) out.push(node.inputs[k]);
  }
  return out;
}

/** The build_config Keras records for a layer of a model: its input shape at its first call here. */
export function layerBuildConfig(l: Layer, firstCall: Node | undefined): KerasConfig | undefined {
  if (l instanceof Model) return l.getBuildConfig();
  if (!firstCall || !firstCall.inputs.length) return undefined;
  const shapes = firstCall.inputs.map((t) => [...t.shape]);
  return { input_shape: shapes.length === 1 ? shapes[0] : shapes };
}

registerLayer('Functional', Model);
registerLayer('Model', Model);

function removedGeneratorMethod(old: string, now: string): ValueError {
  return new ValueError(
    `model.${old} was removed in Keras 3 (and convkit follows it): call model.${now}(generator, {...}) ` +
      `with the same generator or dataset; ${now} takes steps${now === 'fit' ? 'PerEpoch, validationData' : ''} ` +
      'and the other options by their camelCase names',
  );
}
