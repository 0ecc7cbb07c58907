package dev.grpo.policy.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/**
 * transformers' {@code tojson} filter ({@code json.dumps} with {@code ensure_ascii=False}), in
 * place of Jinjava's, which writes compact JSON. Takes the keyword arguments {@code indent} and
 * {@code sort_keys}.
 */
final class PythonToJsonFilter implements Filter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
    return new PythonJson(null, false).write(var);
  }

  @Override
  public Object filter(
      Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object indent = kwargs.get("indent");
    Object sortKeys = kwargs.get("sort_keys");
    Integer spaces = indent instanceof Number n ? Integer.valueOf(n.intValue()) : null;
    return new PythonJson(spaces, Boolean.TRUE.equals(sortKeys)).write(var);
  }
}
