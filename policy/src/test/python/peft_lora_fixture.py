"""Writes the PEFT LoRA fixture the Java tests compare against (policy/src/test/resources/lora/).

PEFT itself writes the adapter: transformers' LlamaForCausalLM with the weights of
resources/parity/llama_gqa, peft.get_peft_model with a LoraConfig on all seven projections,
lora_B filled with seeded noise (PEFT initialises it to zero, which would hide the math), then
save_pretrained (adapter_config.json + adapter_model.safetensors, PEFT's tensor names) and the
logits of the adapted model on fixed token ids (expected_logits.safetensors), in eval mode.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install torch safetensors transformers peft
    /tmp/venv/bin/python policy/src/test/python/peft_lora_fixture.py

Written with torch 2.13.0, transformers and peft 0.21.0.
"""

import json
import pathlib

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

resources = pathlib.Path(__file__).resolve().parents[1] / "resources"
base_dir = resources / "parity" / "llama_gqa"
out = resources / "lora" / "peft_llama_gqa"

cfg = json.loads((base_dir / "config.json").read_text())
config = LlamaConfig(
    hidden_size=cfg["hidden_size"],
    intermediate_size=cfg["intermediate_size"],
    num_hidden_layers=cfg["num_hidden_layers"],
    num_attention_heads=cfg["num_attention_heads"],
    num_key_value_heads=cfg["num_key_value_heads"],
    vocab_size=cfg["vocab_size"],
    max_position_embeddings=cfg["max_position_embeddings"],
    rms_norm_eps=cfg["rms_norm_eps"],
    rope_theta=cfg["rope_theta"],
    tie_word_embeddings=cfg["tie_word_embeddings"],
    attention_bias=cfg["attention_bias"],
    head_dim=cfg["head_dim"],
)
torch.manual_seed(0)
model = LlamaForCausalLM(config)
model.load_state_dict(load_file(str(base_dir / "model.safetensors")), strict=False)
model.name_or_path = "parity/llama_gqa"

lora = LoraConfig(
    r=4,
    lora_alpha=8,
    lora_dropout=0.05,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    bias="none",
    task_type="CAUSAL_LM",
)
peft_model = get_peft_model(model, lora)
generator = torch.Generator().manual_seed(16)
with torch.no_grad():
    for name, p in peft_model.named_parameters():
        if "lora_B" in name:
            p.copy_(torch.randn(p.shape, generator=generator) * 0.1)
peft_model.eval()
peft_model.save_pretrained(str(out))

ids = torch.tensor([[1, 5, 9, 13, 2, 40, 7, 33]])
with torch.no_grad():
    logits = peft_model(input_ids=ids).logits.float().contiguous()
save_file({"input_ids": ids.to(torch.int64), "logits": logits}, str(out / "expected_logits.safetensors"))
# PEFT also writes a README.md model card; the tests need only the adapter files
(out / "README.md").unlink(missing_ok=True)
print("wrote", out)
