"""Makes tiny random checkpoints with golden outputs from Hugging Face transformers.

Run where torch and transformers are installed (the GPU machine has both; a CPU is enough):

    python3 tools/make_fixtures.py OUT_DIR

For each variant it writes OUT_DIR/<name>/{config.json, generation_config.json, model.safetensors,
golden.json}, in the layout of the fixtures in model/src/test/resources/fixtures/hf:
  logits_float64       the model run in float64 (its own torch path) on input_ids, [batch][seq][vocab]
  greedy_continuation  model.generate(greedy_prompt, do_sample=False, use_cache=True), new tokens only
The weights are random (seeded) with a large init range so that every part of the mixer matters.
"""
import json
import os
import sys

import torch
import transformers
from transformers import (FalconMambaConfig, FalconMambaForCausalLM, Mamba2Config, Mamba2ForCausalLM,
                          MambaConfig, MambaForCausalLM)

VOCAB = 512


def variants():
    common = dict(vocab_size=VOCAB, hidden_size=64, state_size=16, num_hidden_layers=2, conv_kernel=4,
                  expand=2, layer_norm_epsilon=1e-5, initializer_range=0.1, bos_token_id=0,
                  eos_token_id=0, pad_token_id=0, tie_word_embeddings=True)
    yield "falcon-mamba-tiny", FalconMambaConfig(time_step_rank=4, use_bias=False, use_conv_bias=True,
                                                 mixer_rms_eps=1e-6, **common), FalconMambaForCausalLM, 1
    yield "mamba1-bias-tiny", MambaConfig(time_step_rank=4, use_bias=True, use_conv_bias=True,
                                          **common), MambaForCausalLM, 2
    yield "mamba1-untied-tiny", MambaConfig(time_step_rank=4, use_bias=False, use_conv_bias=False,
                                            **dict(common, tie_word_embeddings=False)), MambaForCausalLM, 3
    yield "mamba2-bias-tiny", Mamba2Config(num_heads=8, head_dim=16, n_groups=2, chunk_size=16,
                                           time_step_rank=4, use_bias=True, use_conv_bias=True,
                                           **common), Mamba2ForCausalLM, 4


def randomize(model, seed):
    # transformers' init leaves biases at zero and A_log/D at fixed values: draw everything so that a
    # bias or a norm that is skipped changes the logits.
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("A_log"):
                p.copy_(torch.log(torch.rand(p.shape, generator=g) * 15 + 1))
            elif name.endswith(".D"):
                p.copy_(torch.rand(p.shape, generator=g) * 2)
            elif "norm" in name:
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith("dt_proj.bias"):
                p.copy_(torch.log(torch.expm1(torch.rand(p.shape, generator=g) * 0.1 + 0.001)))
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)


def main(out):
    for name, config, cls, seed in variants():
        torch.manual_seed(seed)
        model = cls(config).eval()
        randomize(model, seed)
        d = os.path.join(out, name)
        model.save_pretrained(d, safe_serialization=True)
        g = torch.Generator().manual_seed(100 + seed)
        ids = torch.randint(1, VOCAB, (2, 41), generator=g)
        m64 = cls.from_pretrained(d, dtype=torch.float64).eval()
        with torch.no_grad():
            logits = m64(ids).logits
            prompt = ids[:1, :37]
            cont = model.generate(prompt, do_sample=False, use_cache=True, max_new_tokens=24, min_new_tokens=24)
        golden = {
            "model_type": config.model_type,
            "input_ids": ids.tolist(),
            "logits_float64": logits.tolist(),
            "greedy_prompt": prompt[0].tolist(),
            "greedy_continuation": cont[0, prompt.shape[1]:].tolist(),
            "note": f"Produced by Hugging Face transformers {transformers.__version__} (torch {torch.__version__}),"
                    " the model's own torch path, from this model.safetensors, by tools/make_fixtures.py."
                    " logits_float64: the model run in float64 on input_ids, shape [batch][seq][vocab]."
                    " greedy_continuation: model.generate(greedy_prompt, do_sample=False, use_cache=True) new tokens.",
        }
        with open(os.path.join(d, "golden.json"), "w") as f:
            json.dump(golden, f)
        print(name, "written:", sorted(os.listdir(d)), "fast path:", getattr(model.backbone.layers[0].mixer, "use_mambapy", None))


if __name__ == "__main__":
    main(sys.argv[1])
