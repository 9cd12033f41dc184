/**
 * Recording autograd nodes: ops call {@link record} after computing their output.
 *
 * @module
 */
import type { GradNode, Tensor } from "./tensor.ts";

/**
 * Attaches a gradient node to `output` when gradients are enabled on its device and any input
 * requires them. Returns `output`.
 */
export function record(
  output: Tensor,
  op: string,
  inputs: Tensor[],
  backward: GradNode["backward"],
): Tensor {
  if (!output.gpu.gradEnabled || !inputs.some((t) => t.requiresGrad)) return output;
  output.requiresGrad = true;
  output.node = { op, inputs, backward };
  return output;
}
