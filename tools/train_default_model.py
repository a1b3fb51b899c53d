"""Trains mamba-jvm's embedded default model: a small Mamba-1 on the King James Bible.

Tooling, not the product: the engine only reads what this writes (config.json, model.safetensors,
tokenizer.json, generation_config.json). Run it where torch, transformers and tokenizers are installed
(the GPU machine; bench/gpu/run-train-default-model.sh does that), from the corpus that
tools/kjv_corpus.sh extracts with Debian's `bible` tool (package bible-kjv):

    python3 tools/train_default_model.py --corpus kjv-raw.txt --out OUT_DIR [--steps N] [--seed S]

The shipped model came from `--steps 2000 --max-train-seconds 330` with the matrix scan, which
stopped after 219 steps; `--steps 2000 --stop-after-steps 219` is that run without the clock.

What it does, every step seeded and deterministic:
 1. parses `bible`'s output into chapters: a heading line ("Genesis 1") then one verse per line, the
    verse numbers dropped; chapter k (0-based, in canonical order) is validation when k % 20 == 10,
    training otherwise (a fixed split of about 5 % spread over the whole book);
 2. trains a byte-level BPE tokenizer on the training text (the GPT-NeoX pipeline: NFC normalizer,
    ByteLevel pre-tokenizer with the GPT-2 split regex, BPE, ByteLevel decoder), VOCAB tokens;
 3. trains transformers' MambaForCausalLM (its own layout and code) on random windows of the
    training tokens, AdamW with warm-up and cosine decay;
 4. saves the model as bfloat16 safetensors and reports train / validation loss and perplexity of
    the saved (bf16-rounded) weights;
 5. writes OUT/validation-excerpt.txt (the first two validation chapters) and OUT/training-report.json
    with the excerpt's perplexity computed in float64 from the saved weights, the number the Java
    engine's test is checked against.
"""
import argparse
import hashlib
import json
import math
import os
import time

import torch
import torch.nn.functional as F
import torch.utils.checkpoint

VOCAB = 4096
SPECIALS = ["<|endoftext|>", "<|padding|>"]   # ids 0 and 1, as in GPT-NeoX
MODEL = dict(hidden_size=256, num_hidden_layers=8, state_size=16, expand=2, conv_kernel=4,
             time_step_rank="auto", use_bias=False, use_conv_bias=True, tie_word_embeddings=True,
             layer_norm_epsilon=1e-5, residual_in_fp32=True)


def matrix_scan(log_a, b, C, chunk=16):
    """y_t = C_t . h_t with h_t = exp(log_a_t) * h_(t-1) + b_t and h_(-1) = 0.

    log_a, b: (batch, D, L, N) = delta*A and delta*B*u; C: (batch, L, N). Returns y (batch, D, L).
    Sequential over chunks of `chunk` steps, parallel inside one: with S_t the cumulative sum of
    log_a inside the chunk, h_t = exp(S_t) h_start + sum_(s<=t) exp(S_t - S_s) b_s; every exponent
    is <= 0 (A < 0, delta > 0), so nothing overflows. It materializes a (T x T) decay matrix per
    (channel, state): about 1.5 s per training step of the default model on an H100, against ~4 s
    for transformers' step-by-step fallback (what runs when the mamba_ssm kernels are not installed).
    The shipped default model was trained with this scan.
    """
    batch, D, L, N = log_a.shape
    h = log_a.new_zeros(batch, D, N)
    causal = torch.ones(chunk, chunk, dtype=torch.bool, device=log_a.device).tril()
    ys = []
    for c0 in range(0, L, chunk):
        la, bc, cc = log_a[:, :, c0:c0 + chunk], b[:, :, c0:c0 + chunk], C[:, c0:c0 + chunk]
        T = la.shape[2]
        S = la.cumsum(2)                                            # (batch, D, T, N)
        diff = S.unsqueeze(3) - S.unsqueeze(2)                      # (batch, D, T(t), T(s), N)
        decay = torch.exp(diff.masked_fill(~causal[:T, :T, None], float("-inf")))
        hs = (decay * bc.unsqueeze(2)).sum(3) + torch.exp(S) * h.unsqueeze(2)   # (batch, D, T, N)
        ys.append(torch.einsum("bdtn,btn->bdt", hs, cc))
        h = hs[:, :, -1]
    return torch.cat(ys, 2)


def cumsum_scan(log_a, b, C, chunk=16):
    """y_t = C_t . h_t with h_t = exp(log_a_t) * h_(t-1) + b_t and h_(-1) = 0.

    log_a, b: (batch, D, L, N) = delta*A and delta*B*u; C: (batch, L, N). Returns y (batch, D, L).
    Inside a chunk of `chunk` steps, with S_t the cumulative sum of log_a from the chunk's start,
        h_t = exp(S_t) * (h_start + sum_(s<=t) exp(-S_s) b_s),
    two cumulative sums instead of a loop; across chunks a short loop carries h_start. The
    exponents are kept in range by working in float64 and clamping each step's log_a at -40 (a decay
    of 4e-18 per step, i.e. the state is gone either way): within 16 steps |S| <= 640 < 709. This runs
    about as fast as the memory allows and moves ~16x fewer bytes than matrix_scan (tested against
    sequential_scan, values and gradients, to 1e-7; not yet timed on the GPU: --scan cumsum).
    """
    batch, D, L, N = log_a.shape
    pad = (-L) % chunk
    if pad:
        log_a = F.pad(log_a, (0, 0, 0, pad))
        b = F.pad(b, (0, 0, 0, pad))
        C = F.pad(C, (0, 0, 0, pad))
    nc = (L + pad) // chunk
    S = log_a.double().clamp(min=-40).view(batch, D, nc, chunk, N).cumsum(3)   # (batch, D, nc, T, N), <= 0
    decay = torch.exp(S)
    inner = decay * torch.cumsum(b.double().view(batch, D, nc, chunk, N) * torch.exp(-S), 3)   # h from a zero start
    h = inner.new_zeros(batch, D, N)
    starts = []
    for c in range(nc):
        starts.append(h)
        h = inner[:, :, c, -1] + decay[:, :, c, -1] * h
    hs = inner + decay * torch.stack(starts, 2).unsqueeze(3)                    # (batch, D, nc, T, N)
    y = torch.einsum("bdctn,bctn->bdct", hs, C.double().view(batch, nc, chunk, N))
    return y.reshape(batch, D, nc * chunk)[..., :L].to(log_a.dtype)


def sequential_scan(log_a, b, C):
    """The same recurrence one step at a time (the definition, for the self-test)."""
    batch, D, L, N = log_a.shape
    h = log_a.new_zeros(batch, D, N)
    ys = []
    for t in range(L):
        h = torch.exp(log_a[:, :, t]) * h + b[:, :, t]
        ys.append(torch.einsum("bdn,bn->bd", h, C[:, t]))
    return torch.stack(ys, 2)


def mixer_train_forward(mixer, hidden_states):
    """transformers' MambaMixer forward (no cache) with chunked_scan for the recurrence.

    hidden_states (batch, L, H) -> (batch, L, H); the parameters are the mixer's own, so the trained
    weights are MambaForCausalLM's. Checked against the mixer's own forward before training.
    """
    L = hidden_states.shape[1]
    x, z = mixer.in_proj(hidden_states).transpose(1, 2).chunk(2, dim=1)       # (batch, D, L) each
    x = mixer.act(mixer.conv1d(x)[..., :L])                                    # causal depthwise conv + SiLU
    dt, B, C = torch.split(mixer.x_proj(x.transpose(1, 2)),
                           [mixer.time_step_rank, mixer.ssm_state_size, mixer.ssm_state_size], dim=-1)
    delta = F.softplus(mixer.dt_proj(dt)).transpose(1, 2)                      # (batch, D, L)
    A = -torch.exp(mixer.A_log.float())                                        # (D, N)
    log_a = delta.unsqueeze(-1) * A[None, :, None, :]                          # (batch, D, L, N)
    b = (delta * x).unsqueeze(-1) * B.unsqueeze(1)                             # (batch, D, L, N)
    y = SCANS[SCAN](log_a, b, C) + x * mixer.D[None, :, None]
    y = y * mixer.act(z)
    return mixer.out_proj(y.transpose(1, 2))


SCANS = {"matrix": matrix_scan, "cumsum": cumsum_scan}
SCAN = "matrix"


def use_chunked_scan(model, on):
    """Routes every mixer through mixer_train_forward (recomputed in backward to bound memory), or back."""
    for layer in model.backbone.layers:
        m = layer.mixer
        if on:
            m.forward = (lambda mm: lambda hs, **kw: torch.utils.checkpoint.checkpoint(
                mixer_train_forward, mm, hs, use_reentrant=False))(m)
        elif "forward" in m.__dict__:
            del m.forward


def chapters(raw_path):
    """[(heading, [verse text, ...]), ...] from `bible -l100000 'Gen1:1-Rev22:21'`."""
    out = []
    with open(raw_path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if not line.startswith(" "):
                out.append((line.strip(), []))
            else:
                number, _, text = line.strip().partition(" ")
                if not number.isdigit() or not out:
                    raise SystemExit(f"{raw_path}: unexpected line {line!r}")
                out[-1][1].append(text.strip())
    return out


def chapter_text(heading, verses):
    return heading + "\n" + "\n".join(verses) + "\n\n"


def split(chs):
    train, val = [], []
    for k, (h, v) in enumerate(chs):
        (val if k % 20 == 10 else train).append(chapter_text(h, v))
    return train, val


def train_tokenizer(texts):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, min_frequency=2, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def encode_all(tok, texts):
    ids = []
    for t in texts:
        ids.extend(tok.encode(t).ids)
    return torch.tensor(ids, dtype=torch.long)


@torch.no_grad()
def mean_loss(model, ids, window, device, batch=64):
    """Mean next-token NLL over non-overlapping windows (each from a zero state), weighted by tokens."""
    n = (len(ids) - 1) // window
    total, count = 0.0, 0
    for start in range(0, n, batch):
        rows = [ids[i * window:(i + 1) * window + 1] for i in range(start, min(n, start + batch))]
        x = torch.stack(rows).to(device)
        logits = model(x[:, :-1]).logits.float()
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction="sum")
        total += loss.item()
        count += x[:, 1:].numel()
    return total / count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--window", type=int, default=256)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=1611)   # the year of the King James Version
    p.add_argument("--scan", choices=sorted(SCANS), default="matrix",
                   help="the training-time scan (the shipped model: matrix)")
    p.add_argument("--stop-after-steps", type=int, default=None,
                   help="stop after this many steps, the schedule still planned for --steps"
                        " (replays a run that --max-train-seconds cut short)")
    p.add_argument("--max-train-seconds", type=float, default=float("inf"),
                   help="stop early (recorded in the report) when training takes longer than this")
    a = p.parse_args()
    global SCAN
    SCAN = a.scan

    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.manual_seed(a.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = "cuda" if torch.cuda.is_available() else "cpu"

    import transformers
    from transformers import GenerationConfig, MambaConfig, MambaForCausalLM
    from transformers.models.mamba import modeling_mamba
    print("transformers", transformers.__version__, "torch", torch.__version__, "device", device,
          "fast path", getattr(modeling_mamba, "is_fast_path_available", None), flush=True)

    chs = chapters(a.corpus)
    train_texts, val_texts = split(chs)
    print(f"chapters {len(chs)}: train {len(train_texts)}, validation {len(val_texts)}", flush=True)
    tok = train_tokenizer(train_texts)
    os.makedirs(a.out, exist_ok=True)
    tok.save(os.path.join(a.out, "tokenizer.json"))
    train_ids = encode_all(tok, train_texts)
    val_ids = encode_all(tok, val_texts)
    print(f"tokens: train {len(train_ids)}, validation {len(val_ids)}", flush=True)

    config = MambaConfig(vocab_size=VOCAB, bos_token_id=0, eos_token_id=0, pad_token_id=1, **MODEL)
    model = MambaForCausalLM(config).to(device)
    params = sum(p.numel() for p in model.parameters())
    print(f"parameters {params} ({2 * params / 1e6:.2f} MB as bf16)", flush=True)

    # The chunked scan must compute what the mixer's own forward computes (checked on 4 windows).
    with torch.no_grad():
        x = train_ids[: 4 * a.window].view(4, a.window).to(device)
        ref = model(x).logits
        use_chunked_scan(model, True)
        got = model(x).logits
        rel = ((got - ref).norm() / ref.norm()).item()
    print(f"chunked scan vs the mixer's forward: relative difference {rel:.2e}", flush=True)
    if not rel < 1e-4:
        raise SystemExit("the chunked training scan does not match transformers' MambaMixer")

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "A_log" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "A_log" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95))
    warmup = max(1, a.steps // 30)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, s / a.steps)))))
    g = torch.Generator().manual_seed(a.seed)
    train_dev = train_ids.to(device)
    model.train()
    t0 = time.time()
    recent = []
    stopped_at = None
    for step in range(a.steps):
        starts = torch.randint(0, len(train_ids) - a.window - 1, (a.batch,), generator=g)
        idx = starts[:, None] + torch.arange(a.window + 1)[None, :]
        x = train_dev[idx.to(device)]
        logits = model(x[:, :-1]).logits
        loss = F.cross_entropy(logits.reshape(-1, VOCAB).float(), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        recent = (recent + [loss.item()])[-50:]
        if step + 1 == a.stop_after_steps or time.time() - t0 > a.max_train_seconds:
            stopped_at = step + 1
            print(f"stopping after {stopped_at} of {a.steps} planned steps", flush=True)
            break
        if step % 100 == 0 or step in (9, a.steps - 1):
            print(f"step {step:5d}  loss {sum(recent) / len(recent):.4f}  lr {sched.get_last_lr()[0]:.2e}"
                  f"  {time.time() - t0:.1f}s", flush=True)
    train_seconds = time.time() - t0
    use_chunked_scan(model, False)   # from here on transformers' own forward

    model.eval()
    model.to(torch.bfloat16).save_pretrained(a.out, safe_serialization=True)
    GenerationConfig(bos_token_id=0, eos_token_id=0, pad_token_id=1).save_pretrained(a.out)
    saved = MambaForCausalLM.from_pretrained(a.out, dtype=torch.float32).to(device).eval()
    train_loss = mean_loss(saved, train_ids[: len(val_ids) * 2], a.window, device)
    val_loss = mean_loss(saved, val_ids, a.window, device)
    print(f"saved bf16 weights: train loss {train_loss:.4f} (ppl {math.exp(train_loss):.3f}),"
          f" validation loss {val_loss:.4f} (ppl {math.exp(val_loss):.3f})", flush=True)

    excerpt = "".join(val_texts[:2])
    with open(os.path.join(a.out, "validation-excerpt.txt"), "w", encoding="utf-8") as f:
        f.write(excerpt)
    ex_ids = torch.tensor([tok.encode(excerpt).ids])
    m64 = MambaForCausalLM.from_pretrained(a.out, dtype=torch.float64).eval()   # CPU, the model's torch path
    with torch.no_grad():
        lg = m64(ex_ids).logits[0]
        ex_nll = F.cross_entropy(lg[:-1], ex_ids[0, 1:]).item()
    print(f"validation excerpt: {ex_ids.shape[1]} tokens, float64 nll {ex_nll:.6f} ppl {math.exp(ex_nll):.6f}")

    sample_prompt = "In the beginning"
    gen = saved.generate(torch.tensor([tok.encode(sample_prompt).ids], device=device), do_sample=False,
                         max_new_tokens=40)
    print("greedy sample:", repr(tok.decode(gen[0].tolist())))

    report = {
        "seed": a.seed, "scan": a.scan, "steps": a.steps, "stopped_early_after_steps": stopped_at, "batch": a.batch, "window": a.window, "lr": a.lr,
        "vocab": VOCAB, "model": MODEL, "parameters": params,
        "corpus": "King James Bible, Debian package bible-kjv: bible -l100000 'Gen1:1-Rev22:21'",
        "split": "chapter k (0-based, canonical order) is validation when k % 20 == 10",
        "chapters": {"train": len(train_texts), "validation": len(val_texts)},
        "tokens": {"train": len(train_ids), "validation": len(val_ids)},
        "train_loss": train_loss, "train_perplexity": math.exp(train_loss),
        "validation_loss": val_loss, "validation_perplexity": math.exp(val_loss),
        "loss_note": f"saved bf16 weights run in float32, mean NLL over non-overlapping {a.window}-token windows",
        "excerpt": {"file": "validation-excerpt.txt", "tokens": int(ex_ids.shape[1]), "nll": ex_nll,
                    "perplexity": math.exp(ex_nll),
                    "note": "the whole excerpt as one sequence, float64 forward of the saved bf16 weights (CPU)"},
        "train_seconds": train_seconds, "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "transformers": transformers.__version__, "torch": torch.__version__,
    }
    with open(os.path.join(a.out, "training-report.json"), "w") as f:
        json.dump(report, f, indent=2)
    # What mamba-cli's DefaultModel reads at every start instead of the files: "sha256  size  name".
    with open(os.path.join(a.out, "MANIFEST"), "w") as f:
        for name in ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                     "training-report.json"]:
            data = open(os.path.join(a.out, name), "rb").read()
            f.write(f"{hashlib.sha256(data).hexdigest()}  {len(data)}  {name}\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
