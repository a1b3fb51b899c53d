#!/usr/bin/env python3
"""The peer in the model benchmarks: Hugging Face transformers' MambaForCausalLM / Mamba2ForCausalLM
with random weights in the same shapes as ModelBench (dev.mambajvm.bench.ModelShapes), on the same
GPU, in bf16 (--dtype). Offline: the configs are built here, nothing is downloaded.

Per model: decode ms per step at each batch (greedy generate() with the cache; the time of N more
tokens, N chosen to fill the model's share of the budget, so prefill and generate()'s start-up cancel
out), prefill time at each length (batch 1, the backbone over the prompt and lm_head on the last
token), torch.cuda.max_memory_allocated per phase, each against the roofline of the GPU's copy
bandwidth and bf16 matmul rate measured first. A length or batch that runs out of memory, fails or
would pass the budget is skipped with the reason. Writes $OUT/models-<label>.json in ModelBench's
schema (dev.mambajvm.bench.BenchJson), after every model.

  python3 bench/gpu/peer_transformers.py                       # every model, budget 150 s
  python3 bench/gpu/peer_transformers.py --models mamba-130m --batches 1 --lengths 100
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import sys
import time
import traceback

SCHEMA = "mamba-jvm-model-bench/1"

# name: (variant, d_model, n_layer); shapes as in ModelShapes.java (state-spaces config.json files).
MODELS = {
    "mamba-130m": ("mamba1", 768, 24),
    "mamba-370m": ("mamba1", 1024, 48),
    "mamba-790m": ("mamba1", 1536, 48),
    "mamba-1.4b": ("mamba1", 2048, 48),
    "mamba-2.8b": ("mamba1", 2560, 64),
    "mamba2-130m": ("mamba2", 768, 24),
    "mamba2-2.7b": ("mamba2", 2560, 64),
}
MIN_STEPS = 8
MAX_STEPS = 200


def shapes(name):
    variant, hidden, layers = MODELS[name]
    d_inner = 2 * hidden
    if variant == "mamba1":
        d_state, vocab, dt_rank = 16, 50280, math.ceil(hidden / 16)
        block = 2 * d_inner * hidden + (dt_rank + 2 * d_state) * d_inner + d_inner * dt_rank + hidden * d_inner
        conv_channels, ssm = d_inner, d_inner * d_state
    else:
        d_state, vocab, head_dim, groups = 128, 50288, 64, 1
        heads = d_inner // head_dim
        block = (2 * d_inner + 2 * groups * d_state + heads) * hidden + hidden * d_inner
        conv_channels, ssm = d_inner + 2 * groups * d_state, d_inner * d_state
    return dict(variant=variant, hidden=hidden, layers=layers, d_inner=d_inner, d_state=d_state, vocab=vocab,
                block_elements=layers * block, lm_head_elements=vocab * hidden,
                conv_channels=conv_channels, ssm_elements=ssm)


def build(torch, name, dtype):
    import transformers
    s = shapes(name)
    common = dict(vocab_size=s["vocab"], hidden_size=s["hidden"], num_hidden_layers=s["layers"], state_size=s["d_state"],
                  expand=2, conv_kernel=4, use_bias=False, use_conv_bias=True, tie_word_embeddings=True,
                  residual_in_fp32=True, bos_token_id=0, eos_token_id=0, pad_token_id=0)
    if s["variant"] == "mamba1":
        config = transformers.MambaConfig(time_step_rank="auto", **common)
        cls = transformers.MambaForCausalLM
    else:
        config = transformers.Mamba2Config(head_dim=64, num_heads=s["d_inner"] // 64, n_groups=1, chunk_size=256,
                                           rms_norm=True, norm_before_gate=False, **common)
        cls = transformers.Mamba2ForCausalLM
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device("cuda"):
            model = cls(config)
    finally:
        torch.set_default_dtype(previous)
    model = model.to(dtype).eval()
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    return model, s


def timed(torch, fn):
    """Milliseconds of fn() between two CUDA events."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end)


def roofs(torch, dtype):
    n = 1 << 30
    a = torch.empty(n, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    for _ in range(2):
        b.copy_(a)
    copy_ms = sorted(timed(torch, lambda: b.copy_(a)) for _ in range(10))[5]
    del a, b
    m = 8192
    x = torch.randn(m, m, device="cuda", dtype=dtype)
    y = torch.randn(m, m, device="cuda", dtype=dtype)
    for _ in range(2):
        x @ y
    mm_ms = sorted(timed(torch, lambda: x @ y) for _ in range(5))[2]
    del x, y
    torch.cuda.empty_cache()
    return 2.0 * n / (copy_ms / 1e3), 2.0 * m ** 3 / (mm_ms / 1e3)


def roofline_ms(min_bytes, flops, bw, fps):
    return max(min_bytes / bw, flops / fps) * 1e3


def one_line(e):
    return (type(e).__name__ + ": " + str(e)).splitlines()[0][:300]


def measure(torch, name, dtype, dtype_bytes, args, bw, fps, deadline, log):
    out = {"name": name, "decode": [], "prefill": [], "notes": []}
    t0 = time.time()
    try:
        model, s = build(torch, name, dtype)
    except Exception as e:  # noqa: BLE001 - any failure is reported in the JSON and the run goes on
        out["notes"].append("not loaded: " + one_line(e))
        log(f"{name}: not loaded: {one_line(e)}")
        torch.cuda.empty_cache()
        return out
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    # transformers' cache: conv state (channels, K) and SSM state, in the model's dtype.
    state_bytes = s["layers"] * (s["conv_channels"] * 4 + s["ssm_elements"]) * dtype_bytes
    out.update(variant=s["variant"], hidden=s["hidden"], layers=s["layers"], dState=s["d_state"], dInner=s["d_inner"],
               vocab=s["vocab"], weightBytes=weight_bytes, stateBytesPerSequence=state_bytes,
               loadSeconds=time.time() - t0)
    log(f"{name}: {weight_bytes / 2**20:.1f} MiB of weights, loaded in {time.time() - t0:.1f} s")
    gen = torch.Generator(device="cuda").manual_seed(args.seed)

    def ids(batch, length):
        return torch.randint(0, s["vocab"] - 3, (batch, length), device="cuda", generator=gen)

    # transformers' torch fallback for the scan can hand float32 to a bf16 Linear ("expected mat1 and
    # mat2 to have the same dtype"); then the model runs under autocast to the weights' dtype, and the
    # JSON says so.
    autocast = [False]

    def amp():
        return torch.autocast("cuda", dtype=dtype, enabled=autocast[0])

    def generate(prompt, new):
        with torch.inference_mode(), amp():
            return model.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=new, min_new_tokens=new,
                                  do_sample=False, use_cache=True)

    def prefill(prompt):
        with torch.inference_mode(), amp():
            h = model.backbone(input_ids=prompt, use_cache=False).last_hidden_state
            return model.lm_head(h[:, -1]).argmax(-1)

    def warm_up():
        t1 = time.time()
        generate(ids(1, 16), 4)
        ms = timed(torch, lambda: prefill(ids(1, 16)))
        log(f"  warm-up {time.time() - t1:.1f} s")
        return ms

    try:
        try:
            warm_prefill_ms = warm_up()
        except RuntimeError as e:
            if "same dtype" not in str(e):
                raise
            traceback.print_exc()
            autocast[0] = True
            out["notes"].append(f"run under torch.autocast({dtype}): without it, {one_line(e)}")
            log(f"  {one_line(e)}; again under torch.autocast")
            warm_prefill_ms = warm_up()
    except Exception as e:  # noqa: BLE001
        out["notes"].append("warm-up failed: " + one_line(e))
        del model
        torch.cuda.empty_cache()
        return out
    window = 0.35 * max(0.0, deadline - time.time()) * 1e3 / max(1, len(args.batches))
    for batch in args.batches:
        d = {"batch": batch}
        try:
            prompt = ids(batch, 4)
            torch.cuda.reset_peak_memory_stats()
            base_ms = timed(torch, lambda: generate(prompt, 2))
            probe_ms = (timed(torch, lambda: generate(prompt, 6)) - base_ms) / 4
            w = min(window, 0.8 * max(0.0, deadline - time.time()) * 1e3)
            steps = int(min(MAX_STEPS, w / max(probe_ms, 1e-3)))
            if steps < MIN_STEPS:
                d["skipped"] = f"over the time budget ({MIN_STEPS} steps of ~{probe_ms:.1f} ms would not fit in {w:.0f} ms)"
            else:
                ms = (timed(torch, lambda: generate(prompt, 2 + steps)) - base_ms) / steps
                min_bytes = weight_bytes + 2 * batch * state_bytes
                flops = 2.0 * batch * (s["block_elements"] + s["lm_head_elements"])
                roof = roofline_ms(min_bytes, flops, bw, fps)
                d.update(msPerStep=ms, tokensPerSecond=batch * 1e3 / ms, steps=steps, minBytes=min_bytes, flops=flops,
                         rooflineMs=roof, ofRoofline=roof / ms, peakBytes=torch.cuda.max_memory_allocated())
                log(f"  decode batch {batch:<3d} {ms:9.3f} ms/step {batch * 1e3 / ms:9.1f} tok/s "
                    f"{100 * roof / ms:5.1f}% of roofline ({steps} steps)")
        except Exception as e:  # noqa: BLE001 - out of memory and slow paths are reported, not fatal
            d["skipped"] = "failed: " + one_line(e)
            torch.cuda.empty_cache()
        if "skipped" in d:
            log(f"  decode batch {batch} skipped: {d['skipped']}")
        out["decode"].append(d)
    previous_ms, previous_len = warm_prefill_ms, 16
    for length in sorted(args.lengths):
        p = {"length": length}
        predicted = previous_ms * max(1.0, length / previous_len)
        left = max(0.0, deadline - time.time()) * 1e3
        if 1.2 * predicted > left:
            p["skipped"] = f"over the time budget (predicted {predicted / 1e3:.1f} s, {left / 1e3:.1f} s left)"
        else:
            try:
                prompt = ids(1, length)
                torch.cuda.reset_peak_memory_stats()
                repeats = 3 if predicted * 3 < 0.3 * left and predicted < 500 else 1
                ms = sorted(timed(torch, lambda: prefill(prompt)) for _ in range(repeats))[repeats // 2]
                min_bytes = weight_bytes + state_bytes
                flops = 2.0 * length * s["block_elements"] + 2.0 * s["lm_head_elements"]
                roof = roofline_ms(min_bytes, flops, bw, fps)
                p.update(ms=ms, tokensPerSecond=length * 1e3 / ms, repeats=repeats, minBytes=min_bytes, flops=flops,
                         rooflineMs=roof, ofRoofline=roof / ms, peakBytes=torch.cuda.max_memory_allocated())
                previous_ms, previous_len = ms, length
                log(f"  prefill {length:6d} tokens {ms:10.2f} ms {length * 1e3 / ms:10.0f} tok/s "
                    f"{100 * roof / ms:5.1f}% of roofline, peak {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
            except Exception as e:  # noqa: BLE001
                p["skipped"] = "failed: " + one_line(e)
                torch.cuda.empty_cache()
        if "skipped" in p:
            log(f"  prefill length {length} skipped: {p['skipped']}")
        out["prefill"].append(p)
    del model
    torch.cuda.empty_cache()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n")[-1])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated (default: all)")
    parser.add_argument("--batches", default="1,8,32")
    parser.add_argument("--lengths", default="100,1024,8192,32768")
    parser.add_argument("--dtype", default="bf16", choices=["bf16", "f16"])
    parser.add_argument("--budget", type=float, default=150.0, help="seconds for the whole run")
    parser.add_argument("--out", default=os.environ.get("OUT", "."))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    models = args.models.split(",")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error(f"--models: unknown {', '.join(unknown)} (expected some of {', '.join(MODELS)})")
    try:
        args.batches = [int(b) for b in args.batches.split(",")]
        args.lengths = [int(n) for n in args.lengths.split(",")]
    except ValueError:
        parser.error("--batches and --lengths take comma-separated integers")
    if min(args.batches + args.lengths) < 1:
        parser.error("--batches and --lengths must be positive")

    start = time.time()
    deadline_all = start + args.budget
    try:
        import torch
        import transformers
    except ImportError as e:
        print(f"peer_transformers: {e} (needs torch with CUDA and transformers)", file=sys.stderr)
        return 1
    if not torch.cuda.is_available():
        print("peer_transformers: no CUDA device for torch", file=sys.stderr)
        return 1
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float16
    label = f"transformers {transformers.__version__} cuda:0"
    bw, fps = roofs(torch, dtype)
    print(f"== {torch.cuda.get_device_name(0)}, torch {torch.__version__}, transformers {transformers.__version__}, "
          f"{args.dtype}; copy {bw / 1e9:.0f} GB/s, {args.dtype} matmul {fps / 1e12:.0f} TFLOP/s", flush=True)
    notes = []
    for module, what in (("transformers.models.mamba.modeling_mamba", "Mamba-1"),
                         ("transformers.models.mamba2.modeling_mamba2", "Mamba-2")):
        try:
            fast = bool(getattr(__import__(module, fromlist=["x"]), "is_fast_path_available", False))
        except Exception:  # noqa: BLE001
            fast = False
        notes.append(f"{what}: {'mamba_ssm/causal_conv1d fast path' if fast else 'torch slow path (no mamba_ssm/causal_conv1d kernels)'}")
    run = {"schema": SCHEMA, "label": label, "engine": "transformers", "backend": "torch", "device": "cuda:0",
           "deviceName": torch.cuda.get_device_name(0),
           "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
           "host": {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
                    "cores": os.cpu_count()},
           "weightsDtype": args.dtype, "copyGBs": bw / 1e9, "computeTflops": fps / 1e12,
           "computeRoof": f"{args.dtype} matmul 8192^3 (torch, tensor cores)", "notes": notes, "models": []}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "models-" + re.sub(r"[^A-Za-z0-9.]+", "-", label) + ".json")

    def write():
        with open(path + ".tmp", "w") as f:
            json.dump(run, f, indent=2)
            f.write("\n")
        os.replace(path + ".tmp", path)

    weights = [0.3e9 + shapes(m)["block_elements"] + shapes(m)["lm_head_elements"] for m in models]
    for i, name in enumerate(models):
        left = deadline_all - time.time()
        if left < 5:
            notes.append(f"{name} not run: the run's time budget was spent")
            print(f"{name}: not run, the time budget is spent", flush=True)
            continue
        share = left * weights[i] / sum(weights[i:])
        print(f"-- {name} ({share:.0f} s of the budget)", flush=True)
        run["models"].append(measure(torch, name, dtype, 2, args, bw, fps, time.time() + share,
                                     lambda m: print(m, flush=True)))
        write()
    write()
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
