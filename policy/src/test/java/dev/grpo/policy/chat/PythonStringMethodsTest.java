package dev.grpo.policy.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected strings are what Jinja2 3.1.2 renders for the same template and value. */
class PythonStringMethodsTest {

  @Test
  void stringMethodsBehaveAsPythons() {
    String source =
        "{{ s.split() }}|{{ s.split(',') | tojson }}|{{ s.split(',', 1) | tojson }}|{{ s.strip() }}"
            + "|{{ s.strip(' ,a') }}|{{ s.rstrip('\\n ') }}"
            + "|{{ 'T' if s.startswith(('x', ' a')) else 'F' }}"
            + "|{{ 'T' if s.endswith('\\n') else 'F' }}|{{ s.replace(',', ';', 1) }}"
            + "|{{ s.count(',') }}|{{ s.count('') }}|{{ s.find('b') }}|{{ s.title() }}"
            + "|{{ s.upper() }}|{{ '-'.join(s.split()) }}|{{ 'hELLO wORLD'.capitalize() }}";
    ChatTemplate template = ChatTemplate.of("t", source, ChatTemplateTest.TOKENS);
    assertThat(template.render(List.of(), false, Map.of("s", " a,b, c d\n")))
        .isEqualTo(
            "['a,b,', 'c', 'd']|[\" a\", \"b\", \" c d\\n\"]|[\" a\", \"b, c d\\n\"]|a,b, c d"
                + "|b, c d\n"
                + "| a,b, c d|T|T| a;b, c d\n|2|11|3| A,B, C D\n| A,B, C D\n|a,b,-c-d|Hello world");
  }
}
