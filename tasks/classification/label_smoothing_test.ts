import { backward } from "../../kernels/autograd.ts";
import { crossEntropy } from "../../kernels/cross_entropy.ts";
import { tensorFrom } from "../../kernels/tensor.ts";
import { assertClose, testGpu } from "../../kernels/testing.ts";

const gpu = testGpu();

Deno.test("crossEntropy() with labelSmoothing 0.1 equals PyTorch's F.cross_entropy(label_smoothing=0.1)", async () => {
  // Expected values printed by PyTorch 1.13 (Debian python3-torch), in float64:
  //   x = torch.tensor(LOGITS).view(3, 4); t = torch.tensor([0, 3, 1])
  //   l = F.cross_entropy(x, t, label_smoothing=0.1); l.backward(); print(l.item(), x.grad)
  const logits = [2, -1, 0.5, 0, 0.1, 0.2, -0.3, 1.5, -2, 0, 3, 1];
  const torchLoss = 1.4214302582223082;
  const torchGrad = [
    [-0.07163335903794185, 0.00345126446958296, 0.044481569838326594, 0.023700524730032414],
    [0.040466024843260825, 0.045598298144195595, 0.024377854686110915, -0.11044217767356732],
    [-0.006448899112594555, -0.29440914316154987, 0.27134150248751077, 0.029516539786633763],
  ].flat();
  const g = await gpu();
  await g.scopeAsync(async () => {
    const x = tensorFrom(g, Float32Array.from(logits), [3, 4], { requiresGrad: true });
    const loss = crossEntropy(x, [0, 3, 1], { labelSmoothing: 0.1 });
    assertClose([await loss.item()], [torchLoss], "smoothed loss vs PyTorch");
    backward(loss);
    assertClose(await x.grad!.readFloat(), torchGrad, "smoothed gradient vs PyTorch");
  });
});
