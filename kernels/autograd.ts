/**
 * Reverse-mode automatic differentiation over the nodes ops record (see graph.ts).
 *
 * @module
 */
import { axpyInPlace, fill } from "./elementwise.ts";
import { empty, shapeString, type Tensor } from "./tensor.ts";

/** Tensors reachable from `root` through nodes, inputs before outputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, next] = top;
    const inputs = t.node?.inputs ?? [];
    if (next < inputs.length) {
      top[1]++;
      const input = inputs[next];
      if (input.requiresGrad && !seen.has(input)) {
        seen.add(input);
        stack.push([input, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}

/**
 * Back-propagates from a scalar `loss` (or from `loss` with the given output gradient) and
 * accumulates into `.grad` of every leaf tensor that requires gradients. A tensor used twice gets
 * the sum of both contributions; tensors with `requiresGrad = false` get none and cost nothing.
 * Intermediate gradients are released as soon as they have been used.
 *
 * @example
 * ```ts
 * import { acquireGpu } from "./gpu.ts";
 * import { tensorFrom } from "./tensor.ts";
 * const gpu = await acquireGpu();
 * import { crossEntropy } from "./cross_entropy.ts";
 * const logits = tensorFrom(gpu, [0, 0, 0, 0], [1, 4], { requiresGrad: true });
 * backward(crossEntropy(logits, [2]));
 * console.log(await logits.grad!.readFloat()); // softmax − one-hot: [0.25, 0.25, -0.75, 0.25]
 * ```
 */
export function backward(loss: Tensor, gradOutput?: Tensor): void {
  const gpu = loss.gpu;
  if (!loss.requiresGrad) {
    throw new Error(`backward: ${loss.label()} does not require grad (no parameter is trainable?)`);
  }
  if (!gradOutput && loss.size !== 1) {
    throw new Error(`backward: loss must be a scalar, got shape ${shapeString(loss.shape)}`);
  }
  gpu.noGrad(() => {
    const order = topologicalOrder(loss);
    const grads = new Map<Tensor, Tensor>();
    grads.set(loss, gradOutput ?? fill(empty(gpu, loss.shape), 1));
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.node) {
        accumulateLeaf(t, g);
        continue;
      }
      const needs = t.node.inputs.map((x) => x.requiresGrad);
      const inputGrads = t.node.backward(g, needs);
      t.node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!needs[i] || !gi) return;
        if (gi.shape.length !== input.shape.length || gi.size !== input.size) {
          throw new Error(
            `backward: ${t.node!.op} returned a gradient ${gi.label()} for input ${input.label()}`,
          );
        }
        const prev = grads.get(input);
        if (!prev) {
          grads.set(input, gi === g ? g.clone() : gi);
        } else {
          axpyInPlace(prev, gi);
          if (gi !== g) gi.dispose();
        }
      });
      if (t !== loss || !gradOutput) g.dispose();
    }
  });
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.grad) {
    axpyInPlace(leaf.grad, g);
    g.dispose();
  } else {
    leaf.grad = g;
    leaf.gpu.keep(g);
  }
}

/** Drops the gradients of the given tensors (before the next accumulation). */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
}
