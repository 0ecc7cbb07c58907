package dev.grpo.policy.weights;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWeightsTest {

  @TempDir Path dir;

  @Test
  void roundTripKeepsNamesShapesTypesAndValues() throws Exception {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      tensors.put("model.embed_tokens.weight", manager.randomNormal(new Shape(5, 3)));
      tensors.put("model.norm.weight", manager.create(new float[] {1f, -2.5f, 3e-8f}));
      tensors.put("ids", manager.create(new long[] {1, 2, 1L << 40}));
      Path file = dir.resolve("model.safetensors");
      SafetensorsWeights.write(tensors, file);

      Map<String, NDArray> back = SafetensorsWeights.read(file, manager);
      assertThat(back.keySet()).containsExactlyInAnyOrderElementsOf(tensors.keySet());
      for (String name : tensors.keySet()) {
        assertThat(back.get(name).getShape()).isEqualTo(tensors.get(name).getShape());
        assertThat(back.get(name).getDataType()).isEqualTo(tensors.get(name).getDataType());
        assertThat(back.get(name).contentEquals(tensors.get(name))).as(name).isTrue();
      }

      // the file is plain safetensors: u64 LE header length, JSON header, F32 data
      byte[] bytes = Files.readAllBytes(file);
      long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      JsonObject header =
          JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8))
              .getAsJsonObject();
      JsonObject norm = header.getAsJsonObject("model.norm.weight");
      assertThat(norm.get("dtype").getAsString()).isEqualTo("F32");
      assertThat(norm.getAsJsonArray("shape").get(0).getAsInt()).isEqualTo(3);
      long start = norm.getAsJsonArray("data_offsets").get(0).getAsLong();
      float first =
          ByteBuffer.wrap(bytes, (int) (8 + headerLength + start), 4)
              .order(ByteOrder.LITTLE_ENDIAN)
              .getFloat();
      assertThat(first).isEqualTo(1f);
    }
  }

  @Test
  void readFloat32ConvertsHalfPrecision() {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      NDArray half = manager.create(new float[] {0.5f, 2f}).toType(DataType.FLOAT16, false);
      Path file = dir.resolve("half.safetensors");
      SafetensorsWeights.write(Map.of("w", half), file);
      NDArray back = SafetensorsWeights.readFloat32(file, manager).get("w");
      assertThat(back.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(back.toFloatArray()).containsExactly(0.5f, 2f);
    }
  }
}
