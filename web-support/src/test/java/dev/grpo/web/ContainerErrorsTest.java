package dev.grpo.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Requests Tomcat refuses before any servlet sees them (a malformed request line, a bad header)
 * still get a problem document, not Tomcat's HTML error page.
 */
@SpringBootTest(
    classes = ContainerErrorsTest.App.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ContainerErrorsTest {

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @RestController
  static class App {
    @GetMapping("/hello")
    String hello() {
      return "hi";
    }

    @GetMapping("/conflict")
    ResponseEntity<Void> conflict() {
      return ResponseEntity.status(409).build();
    }
  }

  @LocalServerPort int port;

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of(400, "GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of(400, "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of(400, "GET /hello\u0001 HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of(400, "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
        Arguments.of(400, "GET /hello HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n"),
        Arguments.of(400, "GET /hello HTTP/1.1\r\nHost: a b\r\n\r\n"),
        Arguments.of(400, "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of(505, "GET /hello HTTP/9.9\r\nHost: x\r\n\r\n"));
  }

  @ParameterizedTest(name = "{0} for {1}")
  @MethodSource("refused")
  void aRequestTomcatRefusesGetsAProblemDocument(int status, String raw) throws IOException {
    String response = send(raw);
    assertThat(response).startsWith("HTTP/1.1 " + status + " ");
    assertThat(response).containsIgnoringCase("content-type: application/problem+json");
    assertThat(response).doesNotContainIgnoringCase("<html");
    assertThat(response).contains("\"status\":" + status + ",");
  }

  @Test
  void wellFormedRequestsAreUntouchedAndServletErrorsStayProblems() throws IOException {
    assertThat(send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200 ")
        .endsWith("hi");
    String missing = send("GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(missing).startsWith("HTTP/1.1 404 ");
    assertThat(missing).containsIgnoringCase("content-type: application/problem+json");
    String empty = send("GET /conflict HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(empty).as("an application's own empty error answer").startsWith("HTTP/1.1 409 ");
    assertThat(empty).doesNotContainIgnoringCase("problem+json").endsWith("\r\n\r\n");
  }

  private String send(String raw) throws IOException {
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
