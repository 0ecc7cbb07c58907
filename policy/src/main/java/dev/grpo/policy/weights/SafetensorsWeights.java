package dev.grpo.policy.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Reads and writes named tensors in the safetensors format, with Hugging Face tensor names. */
public final class SafetensorsWeights {

  private SafetensorsWeights() {}

  /**
   * Reads every tensor of a safetensors file, keyed by name, in file order.
   *
   * @param path the {@code .safetensors} file
   * @param manager owner of the returned arrays
   */
  public static Map<String, NDArray> read(Path path, NDManager manager) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 20)) {
      NDList list = NDList.decode(manager, in);
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (NDArray array : list) {
        String name = array.getName();
        if (name == null || name.isEmpty()) {
          throw new IllegalArgumentException(path + " holds a tensor without a name");
        }
        if (tensors.put(name, array) != null) {
          throw new IllegalArgumentException(path + " holds tensor " + name + " twice");
        }
      }
      return tensors;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  /**
   * Reads a safetensors file and converts every floating-point tensor to float32 (integer tensors
   * are kept as they are).
   */
  public static Map<String, NDArray> readFloat32(Path path, NDManager manager) {
    Map<String, NDArray> tensors = read(path, manager);
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray array = e.getValue();
      if (array.getDataType().isFloating() && array.getDataType() != DataType.FLOAT32) {
        NDArray converted = array.toType(DataType.FLOAT32, false);
        converted.setName(e.getKey());
        array.close();
        e.setValue(converted);
      }
    }
    return tensors;
  }

  /**
   * Writes tensors to a safetensors file, atomically (through a temporary file in the same folder).
   * Each array's name is set to its key.
   */
  public static void write(Map<String, NDArray> tensors, Path path) {
    NDList list = new NDList(tensors.size());
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      e.getValue().setName(e.getKey());
      list.add(e.getValue());
    }
    Path dir = path.toAbsolutePath().getParent();
    try {
      Files.createDirectories(dir);
      // not Files.createTempFile: that makes the file owner-only (0600)
      Path tmp = dir.resolve(path.getFileName() + "." + UUID.randomUUID() + ".tmp");
      try {
        try (OutputStream out =
            new BufferedOutputStream(
                Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                1 << 20)) {
          list.encode(out, NDList.Encoding.SAFETENSORS);
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }
}
