"""PyTorch CPU reference for `deno task bench --compare`: the same rows as tests/bench.ts.

Runs a plain GPT-2 written here in PyTorch (random weights, GPT-2's initialisation; no
`transformers` needed) on the CPU and prints one JSON object per row on stdout:
{"key": ..., "value": ..., "unit": ..., "detail": ...}. Lines starting with "#" are notes (the
BLAS torch uses, threads). Nothing here is a runtime dependency of the toolkit.

    python3 tests/bench_torch.py [--quick]   # --quick: skip the GPT-2 124M rows
"""

import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

CONFIGS = {
    "tiny": dict(n_layer=2, n_head=4, n_embd=128, n_positions=256, vocab=50257),
    "gpt2": dict(n_layer=12, n_head=12, n_embd=768, n_positions=1024, vocab=50257),
}


def emit(key, value, unit, detail=""):
    print(json.dumps({"key": key, "value": value, "unit": unit, "detail": detail}), flush=True)


def blas_note():
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads")
    try:
        with open("/proc/self/maps") as maps:
            libs = sorted({line.split()[-1] for line in maps if "blas" in line.lower()})
        print("# BLAS libraries loaded: " + (", ".join(libs) or "none found"))
        if any("libblas.so" in lib and "openblas" not in lib for lib in libs):
            print("# warning: the reference BLAS is loaded (install libopenblas0-pthread)")
    except OSError:
        pass


def median_ms(fn, reps=3):
    fn()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[len(times) // 2]


class GPT2(torch.nn.Module):
    """GPT-2 (pre-LayerNorm blocks, tanh GELU, tied head) with a key/value cache."""

    def __init__(self, n_layer, n_head, n_embd, n_positions, vocab):
        super().__init__()
        self.n_head = n_head
        self.wte = torch.nn.Parameter(torch.randn(vocab, n_embd) * 0.02)
        self.wpe = torch.nn.Parameter(torch.randn(n_positions, n_embd) * 0.02)
        proj_std = 0.02 / math.sqrt(2 * n_layer)
        self.blocks = torch.nn.ModuleList()
        for _ in range(n_layer):
            b = torch.nn.Module()
            b.ln_1 = torch.nn.LayerNorm(n_embd)
            b.c_attn = torch.nn.Linear(n_embd, 3 * n_embd)
            b.c_proj = torch.nn.Linear(n_embd, n_embd)
            b.ln_2 = torch.nn.LayerNorm(n_embd)
            b.c_fc = torch.nn.Linear(n_embd, 4 * n_embd)
            b.mlp_proj = torch.nn.Linear(4 * n_embd, n_embd)
            for lin, std in ((b.c_attn, 0.02), (b.c_proj, proj_std), (b.c_fc, 0.02),
                             (b.mlp_proj, proj_std)):
                torch.nn.init.normal_(lin.weight, std=std)
                torch.nn.init.zeros_(lin.bias)
            self.blocks.append(b)
        self.ln_f = torch.nn.LayerNorm(n_embd)

    def forward(self, ids, cache=None):
        B, T = ids.shape
        past = 0 if cache is None else cache[0][0].shape[2]
        pos = torch.arange(past, past + T)
        x = self.wte[ids] + self.wpe[pos]
        new_cache = []
        for i, b in enumerate(self.blocks):
            q, k, v = b.c_attn(b.ln_1(x)).split(x.shape[-1], dim=2)
            heads = lambda t: t.view(B, T, self.n_head, -1).transpose(1, 2)
            q, k, v = heads(q), heads(k), heads(v)
            if cache is not None:
                k = torch.cat([cache[i][0], k], dim=2)
                v = torch.cat([cache[i][1], v], dim=2)
            new_cache.append((k, v))
            att = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
            causal = torch.ones(T, past + T, dtype=torch.bool).tril(past)
            att = F.softmax(att.masked_fill(~causal, float("-inf")), dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, -1)
            x = x + b.c_proj(y)
            x = x + b.mlp_proj(F.gelu(b.c_fc(b.ln_2(x)), approximate="tanh"))
        return self.ln_f(x), new_cache

    def logits(self, hidden):
        return hidden @ self.wte.t()


def top_p_sample(logits, temperature, top_p, generator):
    probs = F.softmax(logits / temperature, dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    cut = sorted_p.cumsum(-1) - sorted_p > top_p
    sorted_p = sorted_p.masked_fill(cut, 0)
    choice = torch.multinomial(sorted_p, 1, generator=generator)
    return order.gather(-1, choice)


def model_rows(name, cfg, B=8, T=128, new_tokens=16):
    torch.manual_seed(0)
    model = GPT2(**cfg)
    ids = torch.arange(B * T).mul(7919).remainder(cfg["vocab"]).view(B, T)
    reps = 3 if name == "tiny" else 1

    def forward():
        with torch.no_grad():
            model.logits(model(ids)[0])

    ms = median_ms(forward, reps)
    emit(f"{name} forward", B * T / ms * 1000, "tokens/s", f"{B}×{T}, {ms:.0f} ms")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)

    def step():
        hidden, _ = model(ids)
        logits = model.logits(hidden)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, cfg["vocab"]), ids[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    ms = median_ms(step, reps)
    emit(f"{name} train step", B * T / ms * 1000, "tokens/s", f"{B}×{T}, {ms:.0f} ms")
    for batch in (1, 12):
        prompt = torch.arange(16).add(464).repeat(batch, 1)
        gen = torch.Generator().manual_seed(1)

        def generate():
            with torch.no_grad():
                hidden, cache = model(prompt)
                nxt = top_p_sample(model.logits(hidden[:, -1]), 1.0, 0.9, gen)
                for _ in range(new_tokens - 1):
                    hidden, cache = model(nxt, cache)
                    nxt = top_p_sample(model.logits(hidden[:, -1]), 1.0, 0.9, gen)

        ms = median_ms(generate, reps)
        emit(f"{name} generation batch {batch}", batch * new_tokens / ms * 1000, "tokens/s",
             f"16-token prompt, {new_tokens} new, top-p 0.9: {ms / new_tokens:.1f} ms/step")


def main():
    quick = "--quick" in sys.argv[1:]
    # Debian's torch may start with one thread; use every core, as llvmpipe does.
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    blas_note()
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)
    ms = median_ms(lambda: a @ b, 5)
    emit("matmul 1024³", 2 * 1024**3 / ms / 1e6, "GFLOP/s", f"{ms:.1f} ms")
    model_rows("tiny", CONFIGS["tiny"])
    if not quick:
        model_rows("gpt2", CONFIGS["gpt2"])


if __name__ == "__main__":
    main()
