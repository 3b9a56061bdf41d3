// Mirror of python_pkg/lenslab/export/schema.py (the source of truth; see its docstrings).
// tests/python/test_schema_mirror.py checks that every interface here has the same fields.

export const SCHEMA_VERSION = 1;

export type Role = 'input' | 'output' | 'op' | 'buffer';

export interface WireOp {
  label: string;
  layer: string;
  type: string;
  func: string;
  pass_index: number;
  num_passes: number;
  role: Role;
  shape: number[] | null;
  dtype: string;
  parents: number[];
  parent_args: string[];
  module_call: number;
  num_params: number;
  params: string[];
  has_input_ancestor: boolean;
  time_s: number;
  flops: number;
  bool_value: boolean | null;
  source: string;
  /** Qualified name of the calling Python function ("RoIHeads.postprocess_detections"); '' when
   * unknown. Added within version 1: graphs from older writers lack it (read as ''). */
  caller: string;
  /** Position in WireGraph.frames of the user line that ran the op (-1 unknown). Added within
   * version 1: older graphs lack it (read as -1). */
  frame?: number;
  /** Class name of the autograd node that made the output ("ConvolutionBackward0"); '' when
   * none. Added within version 1: older graphs lack it (read as ''). */
  grad_fn?: string;
}

export interface WireModuleCall {
  address: string;
  call: number;
  parent: number;
  outputs: number[];
  /** User frames between the enclosing call and this one, outermost first (WireGraph.frames
   * positions). Added within version 1. */
  frames?: number[];
}

export interface WireModule {
  address: string;
  type: string;
  num_calls: number;
  children: string[];
  num_params: number;
}

export interface WireBranchEdge {
  parent: number;
  child: number;
  kind: 'IF' | 'THEN' | 'ELIF' | 'ELSE'; // ELIF added within version 1
}

export interface WireFrame {
  file: string;
  line: number;
  function: string;
}

export interface WireFailure {
  func: string;
  message: string;
  parents: number[];
  module_call: number;
  frame: number;
}

/** A composite torch function recorded op by op (added within version 1; missing means []). */
export interface WireFunctionCall {
  name: string;
  module_call: number;
  parent: number;
  first_op: number;
  end_op: number;
  outputs: number[];
}

/** A run of sibling module calls with the same structure, drawn folded ("block ×N"). Added within
 *  version 1: a missing WireGraph.folds means none. */
export interface WireFold {
  calls: number[];
  kind: 'copies' | 'passes';
}

/** A run of repeated blocks of loose ops at one level, drawn folded ("block ×N"). Added within
 *  version 1: a missing WireGraph.op_folds means none. */
export interface WireOpFold {
  module_call: number;
  starts: number[];
  end: number;
}

/** Model outputs under one top-level field of the returned value ("cache" of
 *  "cache.layers.0.keys"), drawn as one closed node. Added within version 1: a missing
 *  WireGraph.output_groups means none. */
export interface WireOutputGroup {
  name: string;
  ops: number[];
  paths: string[];
}

export interface WireGraph {
  schema_version: number;
  model_type: string;
  ops: WireOp[];
  module_calls: WireModuleCall[];
  modules: WireModule[];
  branch_edges: WireBranchEdge[];
  /** Added within version 1 (older graphs lack them: read as empty / null). */
  frames?: WireFrame[];
  caller_frames?: number[];
  failure?: WireFailure | null;
  /** The code of each frame's line in standalone pages and bundles; [] in the widget. */
  source_text?: string[];
  function_calls?: WireFunctionCall[];
  intervened?: number[]; // ops replaced by lens(intervene=); absent means none
  folds?: WireFold[];
  op_folds?: WireOpFold[];
  output_groups?: WireOutputGroup[];
  /** Per op, the bytes autograd saved for its backward (lens(..., memory=True) only). Added
   *  within version 1: missing means not recorded. */
  saved_bytes?: number[];
}

// Transport encoding (see the end of schema.py); src/protocol/compact.ts reads it.
export interface InternedColumn {
  table: string[];
  codes: number[];
}

export interface CompactWireGraph {
  schema_version: number;
  model_type: string;
  encoding: 'columns';
  num_ops: number;
  ops: Record<string, unknown[] | InternedColumn>;
  module_calls: WireModuleCall[];
  modules: Record<string, unknown>[];
  branch_edges: WireBranchEdge[];
  frames?: WireFrame[];
  caller_frames?: number[];
  failure?: WireFailure | null;
  source_text?: string[];
  function_calls?: WireFunctionCall[];
  intervened?: number[];
  folds?: WireFold[];
  op_folds?: WireOpFold[];
  output_groups?: WireOutputGroup[];
  /** Per op, the bytes autograd saved for its backward (lens(..., memory=True) only). Added
   *  within version 1: missing means not recorded. */
  saved_bytes?: number[];
}
