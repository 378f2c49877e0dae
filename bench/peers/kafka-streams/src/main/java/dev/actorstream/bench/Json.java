package dev.actorstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** The parsed envelope, or null for a record that is not JSON (actorstream dead-letters those). */
  static JsonNode parse(String value) {
    if (value == null) return null;
    try {
      return MAPPER.readTree(value);
    } catch (Exception e) {
      return null;
    }
  }
}
