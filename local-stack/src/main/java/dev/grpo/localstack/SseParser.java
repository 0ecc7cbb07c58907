package dev.grpo.localstack;

import java.util.Optional;

/**
 * Reads a {@code text/event-stream} line by line, as the HTML living standard's event-stream
 * interpretation does: {@code data:} lines accumulate (joined with newlines), {@code event:} names
 * the event, {@code id:} sets the id (which outlives the event), lines starting with {@code :} are
 * comments, and a blank line dispatches the event; an event without data is not dispatched. The id
 * becomes the last event id, which a reconnecting client sends as {@code Last-Event-ID}, only when
 * its event is complete: an event cut off by a dropped connection is sent again.
 */
final class SseParser {

  /**
   * One dispatched event.
   *
   * @param type the {@code event:} field, {@code message} when absent
   * @param id the last event id when the event was dispatched, or null when none was ever set
   * @param data the {@code data:} lines joined with {@code \n}
   */
  record SseEvent(String type, String id, String data) {}

  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private String type = "";
  private String idBuffer;
  private String lastEventId;

  SseParser() {}

  /** Starts after {@code lastEventId}, as a client reconnecting with it does. */
  SseParser(String lastEventId) {
    this.idBuffer = lastEventId;
    this.lastEventId = lastEventId;
  }

  /** Feeds one line (without its terminator); returns the event a blank line completes. */
  Optional<SseEvent> accept(String line) {
    if (line.isEmpty()) {
      return dispatch();
    }
    if (line.startsWith(":")) {
      return Optional.empty();
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
      case "event" -> type = value;
      case "id" -> {
        // an id with a NUL is ignored, per the standard
        if (value.indexOf('\0') < 0) {
          idBuffer = value;
        }
      }
      default -> {
        // retry and unknown fields: nothing for this client
      }
    }
    return Optional.empty();
  }

  /**
   * The id to send as {@code Last-Event-ID} when reconnecting: the id in force when the last event
   * was completed, or null when none was.
   */
  String lastEventId() {
    return lastEventId;
  }

  private Optional<SseEvent> dispatch() {
    lastEventId = idBuffer;
    Optional<SseEvent> event =
        hasData
            ? Optional.of(
                new SseEvent(type.isEmpty() ? "message" : type, lastEventId, data.toString()))
            : Optional.empty();
    data.setLength(0);
    hasData = false;
    type = "";
    return event;
  }
}
