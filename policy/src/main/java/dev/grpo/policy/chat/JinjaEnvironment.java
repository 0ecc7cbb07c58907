package dev.grpo.policy.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.random.RandomNumberGeneratorStrategy;
import java.lang.reflect.Method;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELResolver;

/**
 * Jinjava set up as transformers sets up Jinja2 for {@code apply_chat_template}: {@code
 * trim_blocks} and {@code lstrip_blocks} on, a read-only context (its {@code
 * ImmutableSandboxedEnvironment}), Python-style {@code tojson}, {@code raise_exception}, and no
 * trailing newline kept from the source ({@code keep_trailing_newline=False}). Output is bounded so
 * that a template from a run spec cannot exhaust memory.
 */
final class JinjaEnvironment {

  /** A prompt longer than this is an error, not a prompt. */
  static final long MAX_OUTPUT_CHARS = 4L << 20;

  private JinjaEnvironment() {}

  static Jinjava create() {
    LegacyOverrides python =
        LegacyOverrides.newBuilder()
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withKeepNullableLoopValues(true)
            .withIterateOverMapKeys(true)
            .withEvaluateMapKeys(true)
            .withUsePyishObjectMapper(true)
            .build();
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withLegacyOverrides(python)
            .withReadOnlyResolver(true)
            .withElResolver(resolver())
            // Jinjava would otherwise render "{{ ... }}" found inside a message's content.
            .withNestedInterpretationEnabled(false)
            .withMaxOutputSize(MAX_OUTPUT_CHARS)
            .withRandomNumberGeneratorStrategy(RandomNumberGeneratorStrategy.CONSTANT_ZERO)
            .build();
    Jinjava jinjava = new Jinjava(config);
    jinjava.getGlobalContext().registerFilter(new PythonToJsonFilter());
    jinjava.getGlobalContext().registerFunction(raiseException());
    return jinjava;
  }

  /** Python's string methods first, then Jinjava's read-only resolvers. */
  private static ELResolver resolver() {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStringMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    return resolver;
  }

  /** Jinja2 drops one trailing newline of the source and reads every line break as {@code \n}. */
  static String normalizeSource(String source) {
    String lines = source.replace("\r\n", "\n").replace('\r', '\n');
    return lines.endsWith("\n") ? lines.substring(0, lines.length() - 1) : lines;
  }

  private static ELFunctionDefinition raiseException() {
    try {
      Method raise = RaisedByTemplate.class.getMethod("raise", String.class);
      raise.setAccessible(true);
      return new ELFunctionDefinition("", "raise_exception", raise);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(e);
    }
  }
}
