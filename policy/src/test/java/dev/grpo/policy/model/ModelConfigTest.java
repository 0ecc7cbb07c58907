package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelConfigTest {

  @Test
  void readsAQwen2ConfigWithExtraFields() {
    String json =
        """
        {"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":151643,
         "eos_token_id":151643,"hidden_act":"silu","hidden_size":896,"initializer_range":0.02,
         "intermediate_size":4864,"max_position_embeddings":32768,"max_window_layers":24,
         "model_type":"qwen2","num_attention_heads":14,"num_hidden_layers":24,
         "num_key_value_heads":2,"rms_norm_eps":1e-06,"rope_scaling":null,"rope_theta":1000000.0,
         "sliding_window":32768,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
         "use_cache":true,"use_sliding_window":false,"vocab_size":151936}
        """;
    ModelConfig c = ModelConfig.fromJsonString(json);
    assertThat(c.hiddenSize()).isEqualTo(896);
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.groupSize()).isEqualTo(7);
    assertThat(c.qkvBias()).isTrue();
    assertThat(c.outputBias()).isFalse();
    assertThat(c.tieWordEmbeddings()).isTrue();
    assertThat(c.ropeTheta()).isEqualTo(1e6);
    assertThat(c.rmsNormEps()).isEqualTo(1e-6);
    assertThat(ModelConfig.fromJsonString(c.toJson())).isEqualTo(c);
  }

  @Test
  void llamaDefaultsAndAttentionBias() {
    ModelConfig c =
        ModelConfig.fromJsonString(
            """
            {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,
             "num_attention_heads":4,"vocab_size":100,"attention_bias":true}
            """);
    assertThat(c.numKeyValueHeads()).isEqualTo(4);
    assertThat(c.qkvBias()).isTrue();
    assertThat(c.outputBias()).isTrue();
    assertThat(c.tieWordEmbeddings()).isFalse();
    assertThat(c.ropeTheta()).isEqualTo(10000.0);
  }

  @Test
  void rejectsInconsistentOrUnsupportedConfigs() {
    assertThatThrownBy(
            () ->
                ModelConfig.fromJsonString(
                    """
                    {"model_type":"llama","hidden_size":64,"intermediate_size":128,
                     "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":3,
                     "vocab_size":100}
                    """))
        .hasMessageContaining("num_key_value_heads");
    assertThatThrownBy(
            () ->
                ModelConfig.fromJsonString(
                    """
                    {"model_type":"llama","hidden_size":64,"intermediate_size":128,
                     "num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,
                     "rope_scaling":{"type":"llama3","factor":8.0}}
                    """))
        .hasMessageContaining("rope_scaling");
    assertThatThrownBy(
            () ->
                ModelConfig.fromJsonString(
                    """
                    {"model_type":"qwen2","hidden_size":64,"intermediate_size":128,
                     "num_hidden_layers":2,"num_attention_heads":4,"vocab_size":100,
                     "hidden_act":"gelu"}
                    """))
        .hasMessageContaining("hidden_act");
    assertThatThrownBy(() -> ModelConfig.fromJsonString("{\"model_type\":\"gpt2\"}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tinyPresetMatchesTheDemoShape() {
    ModelConfig tiny = ModelConfig.tiny(104);
    assertThat(tiny.hiddenSize()).isEqualTo(64);
    assertThat(tiny.numAttentionHeads()).isEqualTo(4);
    assertThat(tiny.numKeyValueHeads()).isEqualTo(2);
    assertThat(tiny.intermediateSize()).isEqualTo(176);
    assertThat(tiny.maxPositionEmbeddings()).isEqualTo(512);
    assertThat(tiny.vocabSize()).isEqualTo(104);
    assertThat(ModelConfig.tiny()).isEqualTo(tiny);
  }
}
