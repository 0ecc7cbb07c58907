package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.localstack.SseParser.SseEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

  private static List<SseEvent> feed(SseParser parser, String... lines) {
    List<SseEvent> events = new ArrayList<>();
    for (String line : lines) {
      parser.accept(line).ifPresent(events::add);
    }
    return events;
  }

  @Test
  void anEventIsDispatchedByTheBlankLineWithItsTypeIdAndData() {
    SseParser parser = new SseParser();
    List<SseEvent> events =
        feed(parser, "id:3", "event:step", "data:{\"step\":3}", "", "event:end", "data: {}", "");
    assertThat(events)
        .containsExactly(
            new SseEvent("step", "3", "{\"step\":3}"),
            // the id outlives its event: the end event carries the last id seen
            new SseEvent("end", "3", "{}"));
    assertThat(parser.lastEventId()).isEqualTo("3");
  }

  @Test
  void dataLinesAreJoinedWithNewlinesAndOneLeadingSpaceIsDropped() {
    List<SseEvent> events =
        feed(new SseParser(), "data: {\"a\":", "data:  1,", "data:\"b\":2}", "");
    assertThat(events).containsExactly(new SseEvent("message", null, "{\"a\":\n 1,\n\"b\":2}"));
  }

  @Test
  void commentsAndUnknownFieldsAreIgnoredAndDoNotEndAnEvent() {
    List<SseEvent> events =
        feed(
            new SseParser(),
            ":keep-alive",
            "",
            "event: eval",
            ": another comment",
            "retry: 1000",
            "colour: blue",
            "data: {\"step\":0}",
            "");
    assertThat(events).containsExactly(new SseEvent("eval", null, "{\"step\":0}"));
  }

  @Test
  void anEventWithoutDataIsNotDispatchedButItsIdIsKept() {
    SseParser parser = new SseParser();
    assertThat(feed(parser, "id: 7", "event: step")).isEmpty();
    assertThat(parser.lastEventId()).as("not before the blank line").isNull();
    assertThat(feed(parser, "")).isEmpty();
    assertThat(parser.lastEventId()).isEqualTo("7");
    // the type does not leak into the next event
    assertThat(feed(parser, "data: x", "")).containsExactly(new SseEvent("message", "7", "x"));
  }

  @Test
  void aFieldWithoutColonHasAnEmptyValue() {
    assertThat(feed(new SseParser(), "data", "data", ""))
        .containsExactly(new SseEvent("message", null, "\n"));
  }

  @Test
  void anEventCutOffByADroppedStreamIsNotDispatched() {
    SseParser parser = new SseParser();
    List<SseEvent> events = feed(parser, "id: 4", "event: step", "data: {\"step\":4}", "", "id: 5");
    events.addAll(feed(parser, "event: step", "data: {\"step\":5"));
    assertThat(events).containsExactly(new SseEvent("step", "4", "{\"step\":4}"));
    // the id line of the cut event did arrive, but reconnecting with it would skip step 5
    assertThat(parser.lastEventId()).isEqualTo("4");
  }

  @Test
  void aReconnectingParserStartsFromTheIdItWasGiven() {
    SseParser parser = new SseParser("11");
    assertThat(parser.lastEventId()).isEqualTo("11");
    assertThat(feed(parser, "event: eval", "data: {}", ""))
        .containsExactly(new SseEvent("eval", "11", "{}"));
    assertThat(feed(parser, "id: 12", "event: step", "data: {}", ""))
        .containsExactly(new SseEvent("step", "12", "{}"));
    assertThat(parser.lastEventId()).isEqualTo("12");
  }

  @Test
  void anIdWithANulCharacterIsIgnored() {
    SseParser parser = new SseParser("2");
    feed(parser, "id: 3\0", "data: x", "");
    assertThat(parser.lastEventId()).isEqualTo("2");
  }
}
