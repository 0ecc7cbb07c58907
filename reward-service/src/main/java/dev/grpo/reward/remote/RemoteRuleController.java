package dev.grpo.reward.remote;

import dev.grpo.api.reward.remote.RegisterRuleRequest;
import dev.grpo.api.reward.remote.RemoteRuleInfo;
import dev.grpo.web.RecordBinder;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Registers and removes remote reward rules; {@code GET /api/v1/rules} lists them. */
@RestController
@RequestMapping("/api/v1/rules")
class RemoteRuleController {

  private final RemoteRuleService service;
  private final RecordBinder binder;

  RemoteRuleController(RemoteRuleService service, RecordBinder binder) {
    this.service = service;
    this.binder = binder;
  }

  /**
   * 201 with the new registration; 200 with the existing one when the same name, version, url and
   * timeout are registered again; 409 when that name and version have another url or timeout.
   */
  @PostMapping
  ResponseEntity<RemoteRuleInfo> register(
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = RegisterRuleRequest.class)))
          @RequestBody
          JsonNode body) {
    RegisterRuleRequest request = binder.bind(body, RegisterRuleRequest.class);
    RemoteRuleService.Registered registered = service.register(request);
    return ResponseEntity.status(registered.created() ? HttpStatus.CREATED : HttpStatus.OK)
        .body(registered.info());
  }

  /** Disables the registration; score requests naming the rule then get an unknown rule. */
  @DeleteMapping("/{name}/{version}")
  ResponseEntity<Void> delete(@PathVariable String name, @PathVariable String version) {
    service.delete(name, version);
    return ResponseEntity.noContent().build();
  }
}
