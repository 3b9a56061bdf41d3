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
}

export interface WireModuleCall {
  address: string;
  call: number;
  parent: number;
  outputs: number[];
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

/** A composite torch function recorded op by op (added within version 1; missing means []). */
export interface WireFunctionCall {
  name: string;
  module_call: number;
  parent: number;
  first_op: number;
  end_op: number;
  outputs: number[];
}

export interface WireGraph {
  schema_version: number;
  model_type: string;
  ops: WireOp[];
  module_calls: WireModuleCall[];
  modules: WireModule[];
  branch_edges: WireBranchEdge[];
  function_calls?: WireFunctionCall[];
  intervened?: number[]; // ops replaced by lens(intervene=); absent means none
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
  function_calls?: WireFunctionCall[];
  intervened?: number[];
}
